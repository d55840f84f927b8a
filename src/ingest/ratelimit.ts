import { LRUCache } from 'lru-cache';

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
  /**
   * Takes one token from each site's bucket and from the client's share of it, all or none: a refused request
   * records nothing anywhere.
   */
  take(sites: ReadonlyArray<{ id: number; limit: RateLimit }>, nowMs: number, client?: string): TakeResult;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Token buckets in memory: capacity `burst`, refilled continuously at `perMinute / 60` tokens a second. Inside
 * each site's bucket, one client (IP) may take at most `clientShare` of it (a bucket of `clientShare × burst`
 * refilled at `clientShare × perMinute`), so that one source cannot exhaust a site's budget; many sources still
 * can. Client buckets are kept for the most recent `maxClients` (site, client) pairs.
 */
export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<number, Bucket>();
  private readonly clients: LRUCache<string, Bucket>;

  constructor(
    private readonly clientShare = 1,
    maxClients = 100_000,
  ) {
    this.clients = new LRUCache({ max: maxClients });
  }

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

  private refillClient(key: string, limit: RateLimit, now: number): Bucket {
    const cap = Math.max(1, limit.burst * this.clientShare);
    let b = this.clients.get(key);
    if (!b) {
      b = { tokens: cap, last: now };
      this.clients.set(key, b);
      return b;
    }
    b.tokens = Math.min(cap, b.tokens + (now - b.last) * ((limit.perMinute * this.clientShare) / 60_000));
    b.last = now;
    return b;
  }

  take(sites: ReadonlyArray<{ id: number; limit: RateLimit }>, now: number, client?: string): TakeResult {
    let wait = 0;
    const buckets: Bucket[] = [];
    const need = (b: Bucket, perMinute: number): void => {
      buckets.push(b);
      if (b.tokens < 1) {
        const rate = perMinute / 60_000;
        wait = Math.max(wait, rate > 0 ? (1 - b.tokens) / rate : 60_000);
      }
    };
    for (const s of sites) {
      need(this.refill(s.id, s.limit, now), s.limit.perMinute);
      if (client && this.clientShare < 1) need(this.refillClient(`${s.id}|${client}`, s.limit, now), s.limit.perMinute * this.clientShare);
    }
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    for (const b of buckets) b.tokens -= 1;
    return { ok: true };
  }
}
