import { createLogger } from '@orderflow/service-kit';

/** A real logger that stays quiet unless TEST_LOG_LEVEL asks for output. */
export const testLogger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
