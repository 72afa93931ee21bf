// What every drill (e2e/drills.test.ts) does around its fault: a stream of
// orders placed through order-service's sidecar the way a real client places
// them (one customer per order, with that customer's bearer token from the
// development issuer, an Idempotency-Key, retried with the same key
// until it is answered), then the checks every accepted order must pass once
// the fault is over, how long until they first all held, and a record of it
// in .local/test-results/drills.json (docs/operations.md's fault table is made from it).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWholeTopic } from './kafka';
import { apiTokens, http, invoke, mailDevUrl, sidecarUrl, uniqueCustomer } from './stack';
import { asCustomer } from './tokens';

export const DRILL_RESULTS_FILE = path.resolve(__dirname, '../../.local/test-results/drills.json');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sidecar orders can be placed through (order-service's, or a second instance's). */
export interface OrderEntryPoint {
  name: string;
  baseUrl: string;
}

export const orderServiceSidecar: OrderEntryPoint = { name: 'order-service', baseUrl: sidecarUrl('order-service') };

type Customer = ReturnType<typeof uniqueCustomer>;

interface Attempt {
  at: number;
  through: string;
  status: number | null;
  error?: string;
  ms: number;
}

/** One order a client wants placed, and what became of each attempt. */
export interface StreamedOrder {
  customer: Customer;
  idempotencyKey: string;
  placedAt: number;
  attempts: Attempt[];
  /** Set once an attempt was answered 2xx with the order (201 PAID, 202 pending; a replay may answer 200). */
  accepted?: { status: number; reference: string; at: number };
  /** Set when an answer says the order will never be taken (a 4xx other than 409 and 429). */
  refused?: { status: number; detail: string };
}

export const orderBody = (customer: Customer) => ({
  customer,
  items: [{ productId: 'drill-1', name: 'Fire extinguisher', quantity: 1, unitPrice: '42.00' }],
  currency: 'EUR',
  paymentMethod: 'VISA',
});

/**
 * Where orders are placed and looked up. The local stack (`localSystem`): through
 * order-service's sidecar, and each service's own API through its sidecar. The
 * local Kubernetes cluster (charts/cluster-test) brings its own: the public
 * Service, and the services' databases.
 */
export interface OrderSystem {
  place(entry: OrderEntryPoint, body: { customer: Customer }, idempotencyKey: string): Promise<{ status: number; body: any }>;
  /** The customer's orders; undefined when the system did not answer. */
  ordersOf(customerId: string): Promise<{ reference: string; status: string }[] | undefined>;
  paymentsFor(reference: string): Promise<unknown[] | undefined>;
  notificationsFor(reference: string): Promise<{ status: string; attempts: number; lastError: string | null }[] | undefined>;
}

export const localSystem: OrderSystem = {
  place: (entry, body, idempotencyKey) =>
    http('POST', `${entry.baseUrl}/v1.0/invoke/order-service/method/orders`, body, {
      'dapr-api-token': apiTokens('order-service').dapr,
      'idempotency-key': idempotencyKey,
      ...asCustomer(body.customer.id),
    }),
  ordersOf: async (customerId) => (await get('order-service', 'orders', asCustomer(customerId)))?.items,
  paymentsFor: async (reference) => (await get('payment-service', `payments?orderReference=${reference}`))?.items,
  notificationsFor: async (reference) => (await get('notification-service', `notifications?orderReference=${reference}`))?.items,
};

/**
 * Places `ratePerSecond` orders a second, each for a customer of its own, through
 * the entry points in turn. A client whose request failed (no answer, 5xx, 409
 * "still being processed", 429) asks again with the same Idempotency-Key, through
 * the next entry point, after 1, 2, 4, 5, 5 ... s, until it is answered or the
 * drill gives up on it (`retryUntil`).
 */
export class OrderStream {
  readonly orders: StreamedOrder[] = [];
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();
  retryUntil = Number.POSITIVE_INFINITY;

  constructor(
    private readonly ratePerSecond: number,
    private entryPoints: OrderEntryPoint[] = [orderServiceSidecar],
    readonly system: OrderSystem = localSystem,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.place(), 1000 / this.ratePerSecond);
    this.place();
  }

  /** Stops placing new orders (retries go on). */
  stopPlacing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  setEntryPoints(entryPoints: OrderEntryPoint[]): void {
    this.entryPoints = entryPoints;
  }

  /** Resolves once every order is answered for good, or its client has given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  get unanswered(): StreamedOrder[] {
    return this.orders.filter((order) => !order.accepted && !order.refused);
  }

  private place(): void {
    const customer = uniqueCustomer();
    const order: StreamedOrder = { customer, idempotencyKey: randomUUID(), placedAt: Date.now(), attempts: [] };
    this.orders.push(order);
    const run = this.client(order).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async client(order: StreamedOrder): Promise<void> {
    const body = orderBody(order.customer);
    for (let attempt = 0; ; attempt += 1) {
      const entry = this.entryPoints[this.next++ % this.entryPoints.length]!;
      const started = Date.now();
      try {
        const answer = await this.system.place(entry, body, order.idempotencyKey);
        order.attempts.push({ at: started, through: entry.name, status: answer.status, ms: Date.now() - started });
        if (answer.status >= 200 && answer.status < 300 && typeof answer.body?.reference === 'string') {
          order.accepted = { status: answer.status, reference: answer.body.reference, at: Date.now() };
          return;
        }
        if (answer.status >= 400 && answer.status < 500 && answer.status !== 409 && answer.status !== 429) {
          order.refused = { status: answer.status, detail: answer.body?.detail ?? JSON.stringify(answer.body) };
          return;
        }
      } catch (error) {
        order.attempts.push({ at: started, through: entry.name, status: null, error: (error as Error).message, ms: Date.now() - started });
      }
      const wait = Math.min(5_000, 1_000 * 2 ** attempt);
      if (Date.now() + wait > this.retryUntil) return;
      await sleep(wait);
    }
  }
}

async function get(
  through: 'order-service' | 'payment-service' | 'notification-service',
  pathname: string,
  headers: Record<string, string> = {},
): Promise<any | undefined> {
  try {
    const response = await invoke(through, through, 'GET', pathname, undefined, headers);
    return response.status === 200 ? response.body : undefined;
  } catch {
    return undefined;
  }
}

/** Every e-mail in MailDev, counted per recipient (one GET). */
async function emailsPerRecipient(): Promise<Map<string, number> | undefined> {
  try {
    const response = await fetch(`${mailDevUrl}/api/email`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    const emails = (await response.json()) as { to: { address: string }[] }[];
    const counts = new Map<string, number>();
    for (const email of emails) {
      for (const to of email.to) counts.set(to.address.toLowerCase(), (counts.get(to.address.toLowerCase()) ?? 0) + 1);
    }
    return counts;
  } catch {
    return undefined;
  }
}

/** Forgets every e-mail MailDev holds, so that a drill counts only its own. */
export async function clearMailbox(): Promise<void> {
  const response = await fetch(`${mailDevUrl}/api/email/all`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`MailDev answered ${response.status} to DELETE /api/email/all`);
}

/** What one check of every order found. */
export interface Findings {
  /** Each broken promise, in words; none when every check holds. */
  problems: string[];
  /** Orders the system holds for the stream's customers (accepted or not). */
  ordersSaved: number;
  emailsExpected: number;
  emailsSent: number;
  /** E-mails beyond the first, over all orders. */
  duplicates: number;
  /** Orders whose e-mail never came. */
  missingEmails: number;
  /** A duplicate or a second payment cannot be undone by waiting. */
  irreparable: boolean;
}

/** Per order, what is known to hold for good (PAID, one payment, notifications SENT): not asked again. */
type Done = Set<string>;

/**
 * Checks every order of the stream: the client got an answer, the order is
 * PAID (none stuck PAYMENT_PENDING), payment-service holds exactly one payment
 * for it, every notification row of it is SENT, its customer got exactly one
 * e-mail, and its customer has exactly one order (a retry never made a second).
 * Orders whose client never got an answer are looked up by customer, so an
 * order saved by a request that died is checked too.
 */
export async function inspect(stream: OrderStream, done: Done = new Set(), { final = false } = {}): Promise<Findings> {
  const { system } = stream;
  const problems: string[] = [];
  let irreparable = false;
  const emails = await emailsPerRecipient();
  if (!emails) problems.push('MailDev did not answer');
  let ordersSaved = 0;
  let emailsSent = 0;
  let duplicates = 0;
  let missingEmails = 0;

  await Promise.all(
    stream.orders.map(async (order) => {
      const who = order.customer.email;
      if (order.refused) {
        problems.push(`${who}: the order was refused with ${order.refused.status} (${order.refused.detail})`);
        return;
      }
      const saved = await system.ordersOf(order.customer.id);
      if (!saved) {
        problems.push(`${who}: order-service did not answer`);
        return;
      }
      ordersSaved += saved.length;
      if (!order.accepted) {
        const last = order.attempts.at(-1);
        problems.push(
          `${who}: the client has no answer after ${order.attempts.length} attempts (last: ${last?.status ?? last?.error}; saved: ${saved.length})`,
        );
      }
      if (saved.length > 1) {
        irreparable = true;
        problems.push(`${who}: ${saved.length} orders for one request (${saved.map((o) => o.reference).join(', ')})`);
      }
      const sent = emails?.get(who.toLowerCase()) ?? 0;
      if (saved.length === 0) {
        if (order.accepted) problems.push(`${who}: accepted as ${order.accepted.reference}, but order-service does not know it`);
        if (sent > 0) problems.push(`${who}: ${sent} e-mails for an order that does not exist`);
        return;
      }
      emailsSent += sent;
      duplicates += Math.max(0, sent - 1);
      if (sent === 0) missingEmails += 1;
      if (sent > 1) irreparable = true;
      for (const { reference, status } of saved) {
        if (sent !== 1) problems.push(`${reference}: ${sent} e-mails (expected exactly 1)`);
        if (status !== 'PAID') problems.push(`${reference}: ${status} (expected PAID)`);
        if (done.has(reference) && !final) continue;
        const payments = await system.paymentsFor(reference);
        if (!payments) problems.push(`${reference}: payment-service did not answer`);
        else if (payments.length !== 1) {
          if (payments.length > 1) irreparable = true;
          problems.push(`${reference}: ${payments.length} payments (expected exactly 1)`);
        }
        const notifications = await system.notificationsFor(reference);
        const rows = notifications ?? [];
        if (!notifications) problems.push(`${reference}: notification-service did not answer`);
        else if (rows.length === 0) problems.push(`${reference}: no notification recorded`);
        else if (rows.some((row) => row.status !== 'SENT')) {
          problems.push(
            `${reference}: notification ${rows.map((row) => `${row.status} after ${row.attempts} attempts${row.lastError ? ` (${row.lastError})` : ''}`).join(', ')}`,
          );
        }
        if (status === 'PAID' && payments?.length === 1 && rows.length > 0 && rows.every((row) => row.status === 'SENT')) {
          done.add(reference);
        }
      }
    }),
  );

  if (final) {
    const references = new Set(stream.orders.map((order) => order.accepted?.reference).filter(Boolean));
    const deadLettered = (await readWholeTopic('payment-topic-dlq')).filter((message) => references.has(message.value?.data?.orderReference));
    if (deadLettered.length > 0) {
      problems.push(`${deadLettered.length} payment events of these orders went to payment-topic-dlq (a manual replay would be needed)`);
    }
  }
  return { problems, ordersSaved, emailsExpected: ordersSaved, emailsSent, duplicates, missingEmails, irreparable };
}

/** How a drill's fault went: when it began and ended, and anything worth recording. */
export interface FaultReport {
  startedAt: number;
  /** The end of the fault: recovery is measured from here. */
  endedAt: number;
  notes?: Record<string, unknown>;
}

export interface DrillPlan {
  /** The row's name in the fault table, e.g. "(a) SMTP server frozen 40 s". */
  name: string;
  /** What is done to the system, in words, for the record. */
  fault: string;
  ratePerSecond: number;
  /** Orders placed before the fault, and after its end. */
  leadInMs: number;
  tailMs: number;
  /** Stages the fault while orders flow; resolves when it is over. */
  stage: (stream: OrderStream) => Promise<FaultReport>;
  /** How long after the fault's end every check must hold. */
  recoveryDeadlineMs: number;
  /** Runs before the first order (e.g. a slow SMTP server for the whole drill); may name where orders go. */
  prepare?: () => Promise<OrderEntryPoint[] | void>;
  /** Figures for the record, from the stream and the fault (e.g. how many requests the fault cut off). */
  measure?: (stream: OrderStream, fault: FaultReport) => Record<string, unknown>;
  /** Undoes whatever the fault left, whatever happened (always runs). */
  cleanUp?: () => Promise<void>;
  /** Where orders go and are checked; the local stack unless said. */
  system?: OrderSystem;
  /** The entry points orders are placed through (prepare may name others). */
  entryPoints?: OrderEntryPoint[];
  /** false: not a row of the fault table in docs/operations.md (.local/test-results/drills.json). */
  record?: boolean;
}

export interface DrillResult {
  name: string;
  fault: string;
  recovered: boolean;
  /** From the end of the fault until every check first held; null when they never did. */
  recoveryMs: number | null;
  ordersPlaced: number;
  acceptedAtOnce: number;
  acceptedOnRetry: number;
  ordersSaved: number;
  emailsExpected: number;
  emailsSent: number;
  duplicates: number;
  missingEmails: number;
  faultMs: number;
  notes: Record<string, unknown>;
  problems: string[];
  finishedAt: string;
}

/** E-mails still arriving this long after every check held would be late duplicates: wait it out. */
const SETTLE_MS = 10_000;
const POLL_MS = 2_000;

/** Runs a drill from start to finish; the caller asserts on the result. */
export async function runDrill(plan: DrillPlan): Promise<DrillResult> {
  await clearMailbox();
  const stream = new OrderStream(plan.ratePerSecond, plan.entryPoints, plan.system);
  const fault = await (async () => {
    try {
      const entryPoints = await plan.prepare?.();
      if (entryPoints) stream.setEntryPoints(entryPoints);
      stream.start();
      await sleep(plan.leadInMs);
      const report = await plan.stage(stream);
      await sleep(plan.tailMs);
      return report;
    } catch (error) {
      stream.retryUntil = Date.now();
      throw error;
    } finally {
      stream.stopPlacing();
      await plan.cleanUp?.();
    }
  })();
  const deadline = fault.endedAt + plan.recoveryDeadlineMs;
  stream.retryUntil = deadline;

  // Recovery: every check holds, with nobody doing anything.
  const done: Done = new Set();
  let findings = await inspect(stream, done);
  let recoveredAt: number | undefined;
  while (!findings.irreparable && Date.now() < deadline) {
    if (findings.problems.length === 0) {
      recoveredAt = Date.now();
      break;
    }
    await sleep(POLL_MS);
    findings = await inspect(stream, done);
  }
  // Let late e-mails arrive (a duplicate sent after everything looked done must be seen), then check it all again.
  await sleep(SETTLE_MS);
  await stream.settled();
  const final = await inspect(stream, new Set(), { final: true });
  const result: DrillResult = {
    name: plan.name,
    fault: plan.fault,
    recovered: recoveredAt !== undefined && final.problems.length === 0,
    recoveryMs: recoveredAt === undefined ? null : recoveredAt - fault.endedAt,
    ordersPlaced: stream.orders.length,
    acceptedAtOnce: stream.orders.filter((order) => order.accepted && order.attempts.length === 1).length,
    acceptedOnRetry: stream.orders.filter((order) => order.accepted && order.attempts.length > 1).length,
    ordersSaved: final.ordersSaved,
    emailsExpected: final.emailsExpected,
    emailsSent: final.emailsSent,
    duplicates: final.duplicates,
    missingEmails: final.missingEmails,
    faultMs: fault.endedAt - fault.startedAt,
    notes: { ...fault.notes, ...plan.measure?.(stream, fault) },
    problems: final.problems.slice(0, 40),
    finishedAt: new Date().toISOString(),
  };
  if (plan.record !== false) recordDrill(result);
  return result;
}

/** Adds (or replaces) one drill's row in .local/test-results/drills.json. */
export function recordDrill(result: DrillResult): void {
  let recorded: { drills: DrillResult[] } = { drills: [] };
  try {
    recorded = JSON.parse(fs.readFileSync(DRILL_RESULTS_FILE, 'utf8'));
  } catch {
    /* first drill of the run */
  }
  const drills = recorded.drills.filter((drill) => drill.name !== result.name);
  drills.push(result);
  drills.sort((a, b) => a.name.localeCompare(b.name));
  fs.mkdirSync(path.dirname(DRILL_RESULTS_FILE), { recursive: true });
  fs.writeFileSync(DRILL_RESULTS_FILE, `${JSON.stringify({ machine: `${os.cpus().length} cores`, drills }, null, 2)}\n`);
}

/** A one-line summary for the test's output. */
export function summary(result: DrillResult): string {
  const recovery = result.recoveryMs === null ? 'did not recover' : `recovered in ${(result.recoveryMs / 1000).toFixed(1)} s`;
  return `${result.name}: ${result.ordersPlaced} orders (${result.acceptedOnRetry} accepted on a retry), ${result.emailsSent}/${result.emailsExpected} e-mails, ${result.duplicates} duplicates, ${recovery}`;
}
