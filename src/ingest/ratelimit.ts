/** Events per minute and burst of one site's token bucket. */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perMinute: 600, burst: 120 };

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-site admission for ingestion. An interface so that several ingest nodes can share counters through a
 * shared store (Redis) later; the in-memory token bucket below serves one node.
 */
export interface RateLimiter {
  /** Takes one token from each site's bucket, all or none: a refused request records nothing anywhere. */
  take(sites: ReadonlyArray<{ id: number; limit: RateLimit }>, nowMs: number): TakeResult;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Token buckets in memory: capacity `burst`, refilled continuously at `perMinute / 60` tokens a second. */
export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<number, Bucket>();

  private refill(id: number, limit: RateLimit, now: number): Bucket {
    let b = this.buckets.get(id);
    if (!b) {
      b = { tokens: limit.burst, last: now };
      this.buckets.set(id, b);
      return b;
    }
    const rate = limit.perMinute / 60_000; // tokens per ms
    b.tokens = Math.min(limit.burst, b.tokens + (now - b.last) * rate);
    b.last = now;
    return b;
  }

  take(sites: ReadonlyArray<{ id: number; limit: RateLimit }>, now: number): TakeResult {
    let wait = 0;
    const buckets: Bucket[] = [];
    for (const s of sites) {
      const b = this.refill(s.id, s.limit, now);
      buckets.push(b);
      if (b.tokens < 1) {
        const rate = s.limit.perMinute / 60_000;
        wait = Math.max(wait, rate > 0 ? (1 - b.tokens) / rate : 60_000);
      }
    }
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    for (const b of buckets) b.tokens -= 1;
    return { ok: true };
  }
}
