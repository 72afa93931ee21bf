// Everything the bench takes from the dev platform (the launcher's modules in
// tools/devstack), in one place: when those modules move, only this file changes.
export { devTokenSigner, signDevToken } from '../devstack/pieces/dev-issuer.mjs';
export { kafkaVersion } from '../devstack/pieces/kafka.mjs';
export { databaseUrl } from '../devstack/pieces/postgres.mjs';
export { commandLineOf, PROCESS_FILE, signalUnlessGone, stillRunsAsRecorded } from '../devstack/lib/processes.mjs';
export { httpAnswers, readStamp } from '../devstack/lib/local-files.mjs';
export { LOCAL, ROOT, settings } from '../devstack/lib/settings.mjs';
export { info, SetupError, step } from '../devstack/lib/step.mjs';
export { isExitedProcess, isGone, isMissing, isNoAnswer, reportAndGoOn } from '../devstack/lib/errors.mjs';
