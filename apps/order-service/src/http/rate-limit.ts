// How many orders one customer may place per minute. Order creation is the one
// write a client can repeat cheaply; a token bucket per customer id keeps a
// runaway client (or a stuck retry loop without an Idempotency-Key) from
// filling the database, without slowing anyone else. Per replica: with N
// replicas a customer gets at most N times the limit.

export class CustomerRateLimit {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one order from the customer's bucket; returns how long to wait (ms) when it is empty, else 0. */
  take(customerId: string): number {
    const now = this.now();
    const bucket = this.buckets.get(customerId) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(customerId, bucket);
      return Math.ceil((1 - bucket.tokens) / this.refillPerMs);
    }
    bucket.tokens -= 1;
    this.buckets.set(customerId, bucket);
    if (this.buckets.size > 100_000) this.forgetFullBuckets(now);
    return 0;
  }

  /** Full buckets carry no information: dropping them bounds the memory used. */
  private forgetFullBuckets(now: number): void {
    for (const [customerId, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.perMinute) this.buckets.delete(customerId);
    }
  }
}
