#!/usr/bin/env node
// The project's one entry point for humans and CI:
//   npm start   install what is missing, start PostgreSQL, Kafka, MailDev, Sentry
//               and the three services beside their Dapr sidecars; a service or
//               sidecar that dies is restarted with back-off; Ctrl-C stops it all
//   npm test    the same set-up, then every test suite; prints "N passed, N failed"
//   npm run infra   only the infrastructure (for running the apps yourself)
//   npm run bench   throughput, latency, e-mail lag and the sidecar's cost, on the
//               running stack, or on one it starts (and stops) itself
// A thin sequencer: the pieces, the stack and the suites live in tools/devstack/
// (its README). Only Node built-ins and that plumbing are imported up front: on a
// fresh clone this script is what runs `npm ci`.
import { stopOrphans } from '../tools/devstack/lib/processes.mjs';
import { reportAndGoOn } from '../tools/devstack/lib/errors.mjs';
import { exitWithError, info, SetupError } from '../tools/devstack/lib/step.mjs';
import { commandBench, commandInfra, commandStart, stopEverything } from '../tools/devstack/stack.mjs';

/**
 * `npm test` runs every suite. While developing, `npm test -- e2e` (or
 * `services`, `chart`) runs one, and further arguments go to Jest (a file name, -t "name").
 */
async function commandTest(only, ...jestArgs) {
  const { runSuites, SUITES } = await import('../tools/devstack/suites.mjs');
  const totals = await runSuites(only ? [only] : SUITES, jestArgs);
  // The closing line CI reads.
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
  process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
}

const COMMANDS = { start: commandStart, test: commandTest, infra: commandInfra, bench: commandBench };

async function main() {
  const name = process.argv[2] ?? 'start';
  const command = COMMANDS[name];
  if (!command) throw new SetupError(`unknown command "${name}"`, { hint: `use one of: ${Object.keys(COMMANDS).join(', ')}` });
  let stopping = false;
  const stopOnSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping everything ...\n`);
    stopEverything()
      .catch(reportAndGoOn('stopping everything'))
      .then(() => process.exit(130));
  };
  process.on('SIGINT', () => stopOnSignal('SIGINT'));
  process.on('SIGTERM', () => stopOnSignal('SIGTERM'));
  // Whatever goes wrong, nothing we started is left running.
  const failHard = (error) => stopEverything().finally(() => exitWithError(error));
  process.on('uncaughtException', failHard);
  process.on('unhandledRejection', failHard);
  const orphans = await stopOrphans();
  if (orphans > 0) info(`stopped ${orphans} process(es) an earlier run left behind`);
  await command(...process.argv.slice(3));
}

main().catch(async (error) => {
  await stopEverything();
  exitWithError(error);
});
