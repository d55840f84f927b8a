import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { isbot } from 'isbot';
import { EMPTY_UA, MAX_UA_LENGTH, type UaInfo } from './useragent.js';

const ISBOT_UA: UaInfo = { ...EMPTY_UA, bot: 'isbot' };

export interface UaServiceOptions {
  /** Parsed User-Agents kept (LRU). */
  cacheSize: number;
  /**
   * Parses waiting for the worker beyond which a new User-Agent is not queued: a bot by the cheap `isbot` test is
   * still answered (and dropped), any other is answered `null` (the caller sheds load with 503). Default 256
   * (≈ 1 s of parsing at ≈ 5 ms a string).
   */
  maxQueue?: number;
}

/**
 * User-Agent → browser, OS, device, bot verdict. Cached (LRU keyed by the UA string); a miss is parsed on a
 * worker thread so the event loop never runs the device detector's regexes. Concurrent misses for the same
 * string share one parse.
 */
export class UaService {
  private readonly cache: LRUCache<string, UaInfo>;
  private readonly pending = new Map<string, Promise<UaInfo | null>>();
  /** Parses in flight; resolved with the result, `null` when the detector threw, `undefined` when the worker died. */
  private readonly waiting = new Map<number, (info: UaInfo | null | undefined) => void>();
  private worker: Worker | null = null;
  private nextId = 0;
  hits = 0;
  misses = 0;
  /** New User-Agents refused because the parse queue was full. */
  shed = 0;

  constructor(private readonly opts: UaServiceOptions) {
    this.cache = new LRUCache({ max: opts.cacheSize });
  }

  private getWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./ua-worker.js', import.meta.url));
    w.unref();
    w.on('message', (m: { id: number; info: UaInfo | null }) => {
      const done = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      done?.(m.info);
    });
    w.on('error', () => {
      // The parses in flight are lost: those requests get 503 (never a row whose bot check did not run).
      for (const done of this.waiting.values()) done(undefined);
      this.waiting.clear();
      this.worker = null;
    });
    this.worker = w;
    return w;
  }

  /** Starts the worker and has it parse a few common User-Agents, so that its regexes are compiled early. */
  warmUp(samples: readonly string[]): Promise<unknown> {
    return Promise.all(samples.map((s) => this.resolve(s)));
  }

  /** The cached result, if any (no work). */
  cached(ua: string): UaInfo | undefined {
    return this.cache.get(ua.slice(0, MAX_UA_LENGTH));
  }

  /**
   * The parsed User-Agent: at once from the cache, or a promise of the worker's parse. `null` (at once or from the
   * promise) when it cannot be classified now (the parse queue is full, or the worker failed): the caller answers
   * 503. A User-Agent that `isbot` knows is always answered (it is dropped without parsing).
   */
  resolve(rawUa: string): UaInfo | null | Promise<UaInfo | null> {
    const ua = rawUa.slice(0, MAX_UA_LENGTH);
    const hit = this.cache.get(ua);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    if (ua.trim() === '') return EMPTY_UA;
    const inflight = this.pending.get(ua);
    if (inflight) return inflight;
    if (this.waiting.size >= (this.opts.maxQueue ?? 256)) {
      if (isbot(ua)) return ISBOT_UA;
      this.shed++;
      return null;
    }
    const id = this.nextId++;
    const p = new Promise<UaInfo | null | undefined>((resolve) => {
      this.waiting.set(id, resolve);
      this.getWorker().postMessage({ id, ua });
    }).then((info) => {
      this.pending.delete(ua);
      if (info === undefined) return null; // the worker died: not classified
      // The detector threw on this string: kept without browser or OS (as Plausible keeps an event whose parse timed out).
      const result = info ?? EMPTY_UA;
      this.cache.set(ua, result);
      return result;
    });
    this.pending.set(ua, p);
    return p;
  }

  get size(): number {
    return this.cache.size;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
