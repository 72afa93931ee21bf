// Runs one example client (examples/*) beside a sidecar of its own, against the
// orderflow that `npm start` (or `npm test`) is running: our daprd, the
// repository's components and configuration, fresh API tokens, and a customer
// with a token of the development issuer (the client shows both roles,
// docs/security.md). Prints the client's one result line and exits with its code.
import crypto from 'node:crypto';
import path from 'node:path';
import { LOCAL, settings } from './settings.mjs';
import { exitWithError, SetupError } from './step.mjs';
import { recordProcessesIn, stopAll } from './processes.mjs';
import { httpAnswers } from './local-files.mjs';

/**
 * `client`: { appID, appDirPath, ports ({ appPort?, httpPort, grpcPort,
 * internalGrpcPort, metricsPort }; no appPort: the client runs no server),
 * command, customerPrefix, env? }. `prepare` (optional) runs first, e.g. to
 * install the client's packages, and may return more environment.
 */
export function runExampleClient(client, prepare = async () => ({})) {
  recordProcessesIn(path.join(LOCAL, 'run', `processes-${client.appID}.json`));
  main(client, prepare).catch(async (error) => {
    await stopAll();
    exitWithError(error);
  });
}

async function main(client, prepare) {
  const order = settings.apps['order-service'];
  const up = await httpAnswers(`http://127.0.0.1:${order.httpPort}/v1.0/healthz`);
  if (!up) {
    throw new SetupError(`orderflow is not running (no sidecar answers on 127.0.0.1:${order.httpPort})`, {
      hint: 'start it with `npm start` in another terminal, then run this again',
    });
  }
  const extraEnv = await prepare();
  const { ensureDaprToolchain } = await import('../pieces/dapr-toolchain.mjs');
  const toolchain = await ensureDaprToolchain();
  const { newTokenPair, runFileCommon, startWithSidecar } = await import('./apps.mjs');
  const { signDevToken } = await import('../pieces/dev-issuer.mjs');
  const customerId = `${client.customerPrefix}-${crypto.randomBytes(6).toString('hex')}`;
  const { ports } = client;
  const app = {
    appID: client.appID,
    appDirPath: client.appDirPath,
    appPort: ports.appPort,
    daprHTTPPort: ports.httpPort,
    daprGRPCPort: ports.grpcPort,
    daprInternalGRPCPort: ports.internalGrpcPort,
    metricsPort: ports.metricsPort,
    command: client.command,
    env: { ...client.env, ...extraEnv, CUSTOMER_ID: customerId, CUSTOMER_TOKEN: signDevToken(customerId) },
  };
  // The client has no health endpoint for the sidecar to probe: it is a script, not a service.
  const common = { ...runFileCommon(), enableAppHealthCheck: false };
  const [handle] = startWithSidecar(common, app, toolchain, newTokenPair(), { tier: 'app' });
  const code = await handle.exited;
  // The client's result is its one JSON line (its log also holds earlier runs).
  const result = handle.tail(50).split('\n').filter((line) => line.startsWith('{"ok"')).pop();
  if (result) process.stdout.write(`${result}\n`);
  await stopAll();
  if (code !== 0) {
    throw new SetupError(`the ${client.appID} client exited with ${code}`, {
      hint: `read ${handle.logFile} and ${handle.logFile.replace('.log', '-daprd.log')}`,
    });
  }
}
