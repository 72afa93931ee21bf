#!/usr/bin/env node
// npm run example:python — runs examples/python/orderflow_client.py beside a
// sidecar of its own (app-id python-client), against the orderflow that
// `npm start` (or `npm test`) is running; prints the client's result line and
// exits with its exit code.
import path from 'node:path';
import { LOCAL, ROOT, settings } from './lib/settings.mjs';
import { exitWithError, SetupError } from './lib/step.mjs';
import { recordProcessesIn, stopAll } from './lib/processes.mjs';

recordProcessesIn(path.join(LOCAL, 'run', 'processes-python-client.json'));

async function main() {
  const order = settings.apps['order-service'];
  const up = await fetch(`http://127.0.0.1:${order.httpPort}/v1.0/healthz`, { signal: AbortSignal.timeout(2_000) })
    .then((response) => response.ok)
    .catch(() => false);
  if (!up) {
    throw new SetupError(`orderflow is not running (no sidecar answers on 127.0.0.1:${order.httpPort})`, {
      hint: 'start it with `npm start` in another terminal, then run this again',
    });
  }
  const { ensureDaprToolchain } = await import('./lib/dapr-toolchain.mjs');
  const toolchain = await ensureDaprToolchain();
  const { newTokenPair, runFileCommon, startWithSidecar } = await import('./lib/apps.mjs');
  // The customer the client places an order for, and that customer's token from the
  // development issuer: the client shows both roles (README "Security").
  const { signDevToken } = await import('./lib/dev-issuer.mjs');
  const crypto = await import('node:crypto');
  const customerId = `py-${crypto.randomBytes(6).toString('hex')}`;
  const ports = settings.pythonClient;
  const app = {
    appID: 'python-client',
    appDirPath: path.join(ROOT, 'examples', 'python'),
    appPort: ports.appPort,
    daprHTTPPort: ports.httpPort,
    daprGRPCPort: ports.grpcPort,
    daprInternalGRPCPort: ports.internalGrpcPort,
    metricsPort: ports.metricsPort,
    command: ['python3', 'orderflow_client.py'],
    env: { PYTHONUNBUFFERED: '1', CUSTOMER_ID: customerId, CUSTOMER_TOKEN: signDevToken(customerId) },
  };
  // The client has no health endpoint for the sidecar to probe: it is a script, not a service.
  const common = { ...runFileCommon(), enableAppHealthCheck: false };
  const [client] = startWithSidecar(common, app, toolchain, newTokenPair(), { tier: 'app' });
  const code = await client.exited;
  // The client's result is its one JSON line (its log also holds earlier runs).
  const result = client.tail(50).split('\n').filter((line) => line.startsWith('{"ok"')).pop();
  if (result) process.stdout.write(`${result}\n`);
  await stopAll();
  if (code !== 0) {
    throw new SetupError(`the Python client exited with ${code}`, { hint: `read ${client.logFile} and ${client.logFile.replace('.log', '-daprd.log')}` });
  }
}

main().catch(async (error) => {
  await stopAll();
  exitWithError(error);
});
