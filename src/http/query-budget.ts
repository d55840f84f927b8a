import { LRUCache } from 'lru-cache';
import { EngineBusyError } from '../store/backend.js';

/** Queries a second and the burst of one bucket. */
export interface BudgetRate {
  perSecond: number;
  burst: number;
}

/**
 * The dashboard's query budgets. A view's first load asks about 15 queries at once, a filter change or a period
 * about 10: a burst holds a few loads, the rate a person clicking. Anonymous viewers (a public site, a shared
 * link) also share one bucket per site, so that many addresses together cannot take more than it.
 */
export const QUERY_BUDGETS = {
  user: { perSecond: 20, burst: 300 },
  link: { perSecond: 5, burst: 75 },
  public: { perSecond: 3, burst: 60 },
  anonymousPerSite: { perSecond: 10, burst: 50 },
  /** Requests (not queries) of everything anonymous from one client address, over every site and link. */
  anonymousPerClient: { perSecond: 5, burst: 30 },
} satisfies Record<string, BudgetRate>;

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Token buckets by key (a user, a shared link, a public site's visitor, a site's anonymous total), in memory for
 * the most recent `maxKeys` keys. `take` takes `n` tokens from each of several buckets, all or none, so that a
 * refused batch costs nothing; it answers the seconds to wait when refused.
 */
export class QueryBudget {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(maxKeys = 100_000) {
    this.buckets = new LRUCache({ max: maxKeys });
  }

  private refill(key: string, rate: BudgetRate, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rate.burst, last: now };
      this.buckets.set(key, b);
      return b;
    }
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.last) / 1000) * rate.perSecond);
    b.last = now;
    return b;
  }

  take(wants: ReadonlyArray<readonly [string, BudgetRate]>, n: number, now: number): number {
    let waitSec = 0;
    const got: Bucket[] = [];
    for (const [key, rate] of wants) {
      const b = this.refill(key, rate, now);
      got.push(b);
      // a batch larger than the burst is refused for good: it never fits
      if (n > rate.burst) waitSec = Math.max(waitSec, 60);
      else if (b.tokens < n) waitSec = Math.max(waitSec, Math.ceil((n - b.tokens) / rate.perSecond));
    }
    if (waitSec > 0) return waitSec;
    for (const b of got) b.tokens -= n;
    return 0;
  }
}

/**
 * Runs at most `size` functions at once; the others wait their turn, first come first served, up to `maxWaiting`
 * (beyond, EngineBusyError: 503 with Retry-After).
 */
export class Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number, private readonly maxWaiting = 200) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) {
      if (this.waiting.length >= this.maxWaiting) throw new EngineBusyError('Too many dashboard queries are waiting; try again shortly');
      await new Promise<void>((r) => this.waiting.push(r));
    }
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
