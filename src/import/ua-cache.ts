import os from 'node:os';
import { UaService } from '../ingest/ua-service.js';
import { createDetector, parseUserAgent, type UaInfo } from '../ingest/useragent.js';
import type { UaParser } from './events.js';

/**
 * The User-Agent parser of an import: the device detector on a worker thread of its own behind a cache (the live
 * server's worker is not slowed down), asked ahead of time. Lines wait in the import's reorder window before they
 * are processed, so a User-Agent is asked for when its line enters the window and parsed on the other core while
 * the event loop works through the lines before it. History has few distinct User-Agents for many events (a
 * visitor's every pageview repeats theirs), so most lines are a cache hit.
 */
export class ImportUaParser implements UaParser {
  /**
   * Two parsers where there are two cores or more: at an import's start nearly every User-Agent is new (≈ 4 ms
   * each), and the event loop waits for them; two workers halve that wait. A string always goes to the same one.
   */
  private readonly services = Array.from({ length: Math.min(2, Math.max(1, os.availableParallelism())) }, () => new UaService({ cacheSize: 25_000, maxQueue: 1_000_000 }));
  private local: ReturnType<typeof createDetector> | null = null;

  private serviceOf(ua: string): UaService {
    if (this.services.length === 1) return this.services[0]!;
    // FNV-1a over every character: User-Agents differ in a few digits of a version
    let h = 0x811c9dc5;
    for (let i = 0; i < ua.length; i++) h = Math.imul(h ^ ua.charCodeAt(i), 16777619);
    return this.services[(h >>> 0) % this.services.length]!;
  }

  resolve(ua: string): UaInfo | Promise<UaInfo> {
    const r = this.serviceOf(ua).resolve(ua);
    if (r === null) return this.parseHere(ua);
    if (r instanceof Promise) return r.then((info) => info ?? this.parseHere(ua));
    return r;
  }

  /** The worker failed: parsed on this thread. */
  private parseHere(ua: string): UaInfo {
    return parseUserAgent((this.local ??= createDetector()), ua);
  }

  get hits(): number {
    return this.services.reduce((n, s) => n + s.hits, 0);
  }

  get misses(): number {
    return this.services.reduce((n, s) => n + s.misses, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.close()));
  }
}
