// Contract fuzzing: schemathesis generates requests from each service's
// OpenAPI document (valid ones and invalid ones) and sends them to the running
// service; it fails on any 5xx, any answer the document does not describe, a
// valid request refused or an invalid one accepted. The apps are fuzzed
// directly (with their sidecar's app token): the document describes the app.
// order-service is fuzzed as one customer with a real token: generated orders
// for other customers are refused (403), and schemathesis checks that a request
// without the token is refused (401).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiTokens, appUrl, type ServiceName } from './support/stack';
import { customerToken } from './support/tokens';

const run = promisify(execFile);
const SCHEMATHESIS = process.env.ORDERFLOW_SCHEMATHESIS ?? path.resolve(__dirname, '../.local/python/bin/st');
const CONFIG = path.resolve(__dirname, '../tools/devstack/pieces/python/schemathesis.toml');
const EXAMPLES = process.env.ORDERFLOW_FUZZ_EXAMPLES ?? '25';

jest.setTimeout(240_000);

describe('contract fuzzing', () => {
  it.each(['order-service', 'payment-service', 'notification-service'] as ServiceName[])(
    '%s answers every generated request as its OpenAPI document says, and never with a 5xx',
    async (service) => {
      const args = [
        '--config-file', CONFIG,
        'run', `${appUrl(service)}/openapi.json`,
        '--header', `dapr-api-token: ${apiTokens(service).app}`,
        ...(service === 'order-service' ? ['--header', `Authorization: Bearer ${customerToken('fuzz-customer')}`] : []),
        // An order's unit prices follow its currency's minor units (an if/then per group in the
        // schema): drawing up to 100 items that all fit means discarding many draws. Allowed, not an error.
        ...(service === 'order-service' ? ['--suppress-health-check', 'filter_too_much'] : []),
        '--checks', 'all',
        '--max-examples', EXAMPLES,
        '--seed', '20261125',
        '--no-color',
      ];
      try {
        await run(SCHEMATHESIS, args, { maxBuffer: 32 * 1024 * 1024 });
      } catch (error) {
        const { stdout = '', code } = error as { stdout?: string; code?: number };
        throw new Error(`schemathesis found problems in ${service} (exit ${code}):\n${stdout.slice(-12_000)}`);
      }
    },
  );
});
