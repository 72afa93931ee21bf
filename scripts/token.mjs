#!/usr/bin/env node
// npm run -s token -- <customer-id> [--expires-in <seconds>]
// Prints a bearer token of the development issuer (tools/devstack/pieces/dev-issuer.mjs)
// for one customer, valid 1 h by default, for the orderflow that `npm start` is
// running now: TOKEN=$(npm run -s token -- c-1)
import { piece as devIssuer, signDevToken } from '../tools/devstack/pieces/dev-issuer.mjs';
import { exitWithError, SetupError } from '../tools/devstack/lib/step.mjs';

const USAGE = 'usage: npm run -s token -- <customer-id> [--expires-in <seconds>]';

async function main() {
  const args = process.argv.slice(2);
  let expiresInSeconds = 3_600;
  const at = args.indexOf('--expires-in');
  if (at >= 0) {
    expiresInSeconds = Number(args[at + 1]);
    if (!Number.isInteger(expiresInSeconds)) throw new SetupError(`--expires-in wants whole seconds, got "${args[at + 1]}"`, { hint: USAGE });
    args.splice(at, 2);
  }
  const [customerId, ...rest] = args;
  if (!customerId || rest.length) throw new SetupError('name one customer id', { hint: USAGE });
  // The same rule as the API's customer ids (packages/contracts: customerIdSchema).
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(customerId)) {
    throw new SetupError(`"${customerId}" is not a customer id the API accepts`, { hint: 'at most 64 letters, digits and . _ : -' });
  }
  const issuer = await devIssuer.health();
  if (!issuer.healthy) {
    throw new SetupError(`the development issuer is not running (its tokens would be refused): ${issuer.detail}`, { hint: 'start orderflow with `npm start` (or on the local cluster: `npm run k8s -- start`), then ask again' });
  }
  process.stdout.write(`${signDevToken(customerId, { expiresInSeconds })}\n`);
}

main().catch(exitWithError);
