// Everything the bench takes from the dev platform (the launcher's modules in
// scripts/lib), in one place: when those modules move, only this file changes.
export { signDevToken } from '../../scripts/lib/dev-issuer.mjs';
export { kafkaVersion } from '../../scripts/lib/kafka.mjs';
export { databaseUrl } from '../../scripts/lib/postgres.mjs';
export { commandLineOf, PROCESS_FILE } from '../../scripts/lib/processes.mjs';
export { LOCAL, ROOT, settings } from '../../scripts/lib/settings.mjs';
export { info, SetupError, step } from '../../scripts/lib/step.mjs';
