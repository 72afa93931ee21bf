import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout, one per event, with the service's name on each. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Never log credentials that travel in headers.
    redact: ['req.headers["dapr-api-token"]', 'req.headers.authorization', '*.password'],
  });
}
