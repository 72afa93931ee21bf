// A token bucket per key, refilled continuously. Two of them guard the order
// routes: orders per authenticated customer (the token's subject, so one
// customer cannot spend another's quota: order creation is the one write a
// client can repeat cheaply, and a runaway client or a stuck retry loop without
// an Idempotency-Key must not fill the database), and requests per client
// address on the public listener (counted before the token is checked, so a
// flood of bad tokens costs no signature checks). Per replica: with N replicas
// a key gets at most N times the limit.

export class RateLimit {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one from the key's bucket; returns how long to wait (ms) when it is empty, else 0. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return Math.ceil((1 - bucket.tokens) / this.refillPerMs);
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.forgetFullBuckets(now);
    return 0;
  }

  /** Full buckets carry no information: dropping them bounds the memory used. */
  private forgetFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
