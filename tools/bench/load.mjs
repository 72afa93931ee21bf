#!/usr/bin/env node
// The load generator of `npm run bench`, in a process of its own so its CPU
// is not the measuring process's (and shows up in the resource table under
// its own name). One run: a fixed number of connections, each sending the
// next request as soon as the previous answer arrived (closed loop), for a
// fixed time. Every request body is unique.
//
//   node tools/bench/load.mjs '<json spec>'
//
// spec: { kind: 'order' | 'payment', url, connections, durationSeconds, tag,
//         headers?, out }  — the result is written as JSON to `out`:
// { requests, durationSeconds, statusCounts, errors, timeouts, latencyMs: [...],
//   accepted: [[reference, email, acceptedAtMs, status], ...] (orders only), cpuSeconds, maxRssKb }
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { devTokenSigner } from './devstack.mjs';

const require = createRequire(import.meta.url);
let autocannon;
try {
  autocannon = require('autocannon');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  process.stderr.write('autocannon is not installed: run `npm ci` (it is a devDependency)\n');
  process.exit(2);
}

const spec = JSON.parse(process.argv[2]);
const ITEMS = [
  { productId: 'book-1', name: 'Notes on the Analytical Engine', quantity: 2, unitPrice: '24.95' },
  { productId: 'lamp-3', name: 'Desk lamp', quantity: 1, unitPrice: '39.00' },
];

let sequence = 0;
/** A customer of its own per request, so each e-mail can be matched to its order. */
function nextCustomer() {
  sequence += 1;
  const id = `${spec.tag}-${sequence}`;
  return { id, firstName: 'Ada', lastName: 'Lovelace', email: `${id}@bench.example.com` };
}

function nextBody() {
  const customer = nextCustomer();
  if (spec.kind === 'order') {
    return { customer, body: { customer, items: ITEMS, currency: 'EUR', paymentMethod: 'VISA' } };
  }
  // POST /payments: a PaymentRequest with a reference of its own (payments are idempotent by it).
  return {
    customer,
    body: { orderReference: `BENCH-${customer.id}`, amount: '88.90', currency: 'EUR', paymentMethod: 'VISA', customer },
  };
}

const latencies = [];
const accepted = [];
const statusCounts = {};

// One signer for the run: the issuer's key is read once, not per request.
const signToken = spec.kind === 'order' ? devTokenSigner() : undefined;

const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSeconds,
  timeout: 10,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(spec.headers ?? {}) },
  requests: [
    {
      setupRequest(request, context) {
        const { customer, body } = nextBody();
        context.email = customer.email;
        request.body = JSON.stringify(body);
        // Orders are placed by their customer: a token of the development issuer (README "Security").
        if (spec.kind === 'order') request.headers = { ...request.headers, authorization: `Bearer ${signToken(customer.id)}` };
        return request;
      },
      onResponse(status, body, context) {
        if (spec.kind !== 'order' || (status !== 201 && status !== 202)) return;
        const acceptedAt = Date.now();
        try {
          const { reference } = JSON.parse(body);
          accepted.push([reference, context.email, acceptedAt, status]);
        } catch (error) {
          // Counted as a status anyway; an unreadable 2xx cannot be matched to an e-mail.
          if (!(error instanceof SyntaxError)) throw error;
        }
      },
    },
  ],
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latencies.push(responseTime);
  statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
});
process.once('SIGTERM', () => instance.stop());
process.once('SIGINT', () => instance.stop());

instance.then(
  (result) => {
    fs.writeFileSync(
      spec.out,
      JSON.stringify({
        requests: latencies.length,
        durationSeconds: result.duration,
        statusCounts,
        errors: result.errors,
        timeouts: result.timeouts,
        latencyMs: latencies,
        accepted,
        // Our own cost, reported by us: the process is gone before the bench could read /proc.
        cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
        maxRssKb: process.resourceUsage().maxRSS,
      }),
    );
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`autocannon failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
