import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { EMPTY_UA, MAX_UA_LENGTH, type UaInfo } from './useragent.js';

export interface UaServiceOptions {
  /** Parsed User-Agents kept (LRU). */
  cacheSize: number;
  /** Parses waiting for the worker beyond which new ones are answered empty (no browser/OS) rather than queued. */
  maxQueue?: number;
}

/**
 * User-Agent → browser, OS, device, bot verdict. Cached (LRU keyed by the UA string); a miss is parsed on a
 * worker thread so the event loop never runs the device detector's regexes. Concurrent misses for the same
 * string share one parse.
 */
export class UaService {
  private readonly cache: LRUCache<string, UaInfo>;
  private readonly pending = new Map<string, Promise<UaInfo>>();
  private readonly waiting = new Map<number, (info: UaInfo) => void>();
  private worker: Worker | null = null;
  private nextId = 0;
  hits = 0;
  misses = 0;

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
      done?.(m.info ?? EMPTY_UA);
    });
    w.on('error', () => {
      for (const done of this.waiting.values()) done(EMPTY_UA);
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

  resolve(rawUa: string): UaInfo | Promise<UaInfo> {
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
    if (this.waiting.size >= (this.opts.maxQueue ?? 10_000)) return EMPTY_UA;
    const id = this.nextId++;
    const p = new Promise<UaInfo>((resolve) => {
      this.waiting.set(id, resolve);
      this.getWorker().postMessage({ id, ua });
    }).then((info) => {
      this.pending.delete(ua);
      this.cache.set(ua, info);
      return info;
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
