#!/usr/bin/env node
// The operator's handle on the e-mails notification-service owes, through its
// own sidecar (the same way any client reaches it; the sidecar's API token
// comes from this run's .local/run/tokens.json or DAPR_API_TOKEN).
//
//   npm run notifications -- show --order ORD-…     the e-mails of one order, with status and last error
//   npm run notifications -- rearm --order ORD-…    send that order's UNDELIVERABLE e-mail again
//   npm run notifications -- rearm --all            send every UNDELIVERABLE e-mail again
//
// UNDELIVERABLE means the SMTP server refused the recipient for good (RCPT 5xx,
// 5.1.x/5.2.x). Re-arm once the cause is gone (a mailbox restored, a server's
// refusal that was wrong). Server-wide failures (login, TLS, relay) never need
// this: those e-mails are retried by themselves.
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL, settings } from '../tools/devstack/lib/settings.mjs';
import { exitWithError, SetupError } from '../tools/devstack/lib/step.mjs';

const SERVICE = 'notification-service';

function sidecarToken() {
  if (process.env.DAPR_API_TOKEN) return process.env.DAPR_API_TOKEN;
  const file = path.join(LOCAL, 'run', 'tokens.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))[SERVICE].dapr;
  } catch (error) {
    throw new SetupError(`cannot read ${SERVICE}'s sidecar token from ${file}: ${error.message}`, {
      hint: 'is orderflow running (npm start)? Or set DAPR_API_TOKEN to the sidecar\'s token',
    });
  }
}

async function call(method, route, body) {
  const url = `http://127.0.0.1:${settings.apps[SERVICE].httpPort}/v1.0/invoke/${SERVICE}/method/${route}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { 'dapr-api-token': sidecarToken(), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new SetupError(`${SERVICE}'s sidecar did not answer at ${url}: ${error.message}`, { hint: 'is orderflow running (npm start)?' });
  }
  const text = await response.text();
  if (!response.ok) throw new SetupError(`${method} ${route} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

function option(args, name) {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main() {
  const [command = 'help', ...args] = process.argv.slice(2);
  const order = option(args, '--order');
  if (command === 'show') {
    if (!order) throw new SetupError('show needs --order <order reference>');
    const { items } = await call('GET', `notifications?orderReference=${encodeURIComponent(order)}`);
    if (items.length === 0) process.stdout.write(`no e-mail recorded for ${order}\n`);
    for (const n of items) {
      process.stdout.write(`${n.id}\t${n.status}\tattempts ${n.attempts}\t${n.recipient ?? ''}\t${n.failureClass ?? ''}\t${n.lastError ?? ''}\n`);
    }
    return;
  }
  if (command === 'rearm') {
    if (!order && !args.includes('--all')) throw new SetupError('rearm needs --order <order reference> or --all');
    const { rearmed } = await call('POST', 'notifications/rearm', order ? { orderReference: order } : { all: true });
    process.stdout.write(`${rearmed} undeliverable e-mail(s) are due again\n`);
    return;
  }
  throw new SetupError(`unknown command "${command}"`, { hint: 'use show --order REF, rearm --order REF or rearm --all' });
}

main().catch(exitWithError);
