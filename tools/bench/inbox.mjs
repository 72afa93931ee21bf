// Counting the e-mails: every order the load generator saw accepted must end
// up as exactly one e-mail in MailDev, to that order's (unique) customer, with
// the order's reference in the subject. E-mails are read incrementally
// (GET /api/email?skip=N, arrival order), so nothing is deleted before it was
// counted; the inbox is emptied only when every expected e-mail has arrived.
//
// When did an e-mail arrive? MailDev's `time` is the message's Date header
// (whole seconds, set by the sender), too coarse for a lag. MailDev writes each
// message to an .eml file as it receives it (`source`), so the file's mtime is
// the moment it was in MailDev, to the millisecond. When that file cannot be
// read (a MailDev on another machine), `time` is used and the lag is marked
// as whole-second.
import fs from 'node:fs';

const REFERENCE = /ORD-[0-9A-Z]{16}/;
const PAGE = 1_000;

export class Inbox {
  constructor(url) {
    this.url = url;
    this.skip = 0;
    /** reference → { email, acceptedAt, group, deliveries: [{ receivedAt, to, precise }] } */
    this.orders = new Map();
    this.unmatched = 0;
    this.coarse = 0;
  }

  async api(method, pathname) {
    const response = await fetch(`${this.url}${pathname}`, { method, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`MailDev ${method} ${pathname} answered ${response.status}`);
    return response.json();
  }

  /** Starts from an empty inbox (what was there before the bench is not ours to count). */
  async clear() {
    await this.api('DELETE', '/api/email/all');
    this.skip = 0;
  }

  /** Orders (from the load generator's `accepted`) whose e-mails are to be counted, under a group name. */
  expect(group, accepted) {
    for (const [reference, email, acceptedAt, status] of accepted) {
      this.orders.set(reference, { email, acceptedAt, status, group, deliveries: [] });
    }
  }

  /** Reads the e-mails that arrived since the last call. */
  async fetchNew() {
    for (;;) {
      const page = await this.api('GET', `/api/email?skip=${this.skip}&limit=${PAGE}`);
      this.skip += page.length;
      for (const message of page) this.record(message);
      if (page.length < PAGE) return;
    }
  }

  record(message) {
    const reference = REFERENCE.exec(message.subject ?? '')?.[0];
    const order = reference && this.orders.get(reference);
    if (!order) {
      this.unmatched += 1;
      return;
    }
    let receivedAt;
    let precise = true;
    try {
      receivedAt = fs.statSync(message.source).mtimeMs;
    } catch (error) {
      // MailDev removed the file already: the message's own (whole-second) time instead.
      if (error.code !== 'ENOENT') throw error;
      receivedAt = Date.parse(message.time);
      precise = false;
      this.coarse += 1;
    }
    order.deliveries.push({ receivedAt, to: message.to?.[0]?.address ?? '', precise });
  }

  missing(group) {
    let count = 0;
    for (const order of this.orders.values()) if ((!group || order.group === group) && order.deliveries.length === 0) count += 1;
    return count;
  }

  /** Polls until every expected e-mail arrived or `timeoutMs` passed; true when none is missing. */
  async drain(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.fetchNew();
      if (this.missing() === 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Empties MailDev when nothing expected is outstanding (else a late e-mail could be deleted uncounted). */
  async clearIfComplete() {
    if (this.missing() > 0) return false;
    await this.fetchNew();
    await this.clear();
    return true;
  }

  /**
   * Per group: expected, delivered, lost (no e-mail), duplicated (more than one),
   * misaddressed (an e-mail with the order's reference to someone else), and the
   * lags in ms (order accepted → e-mail in MailDev) of the first e-mail of each order.
   */
  report(group) {
    const lags = [];
    let expected = 0;
    let delivered = 0;
    let duplicated = 0;
    let misaddressed = 0;
    let precise = true;
    for (const order of this.orders.values()) {
      if (order.group !== group) continue;
      expected += 1;
      if (order.deliveries.length === 0) continue;
      delivered += 1;
      if (order.deliveries.length > 1) duplicated += order.deliveries.length - 1;
      misaddressed += order.deliveries.filter((d) => d.to.toLowerCase() !== order.email.toLowerCase()).length;
      const first = order.deliveries.reduce((a, b) => (a.receivedAt <= b.receivedAt ? a : b));
      precise &&= first.precise;
      lags.push(first.receivedAt - order.acceptedAt);
    }
    return { expected, delivered, missing: expected - delivered, duplicated, misaddressed, lagsMs: lags, lagPrecise: precise };
  }
}
