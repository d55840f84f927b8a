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
  private readonly service = new UaService({ cacheSize: 50_000, maxQueue: 1_000_000 });
  private local: ReturnType<typeof createDetector> | null = null;

  resolve(ua: string): UaInfo | Promise<UaInfo> {
    const r = this.service.resolve(ua);
    if (r === null) return this.parseHere(ua);
    if (r instanceof Promise) return r.then((info) => info ?? this.parseHere(ua));
    return r;
  }

  /** The worker failed: parsed on this thread. */
  private parseHere(ua: string): UaInfo {
    return parseUserAgent((this.local ??= createDetector()), ua);
  }

  get hits(): number {
    return this.service.hits;
  }

  get misses(): number {
    return this.service.misses;
  }

  close(): Promise<void> {
    return this.service.close();
  }
}
