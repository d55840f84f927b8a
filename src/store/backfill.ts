import type { GeoLookup, ShieldLookup, SiteLookup } from '../ingest/pipeline.js';
import { Pipeline, defaultStages } from '../ingest/pipeline.js';
import { ReferrerDatabase } from '../ingest/referrers.js';
import { SpamList } from '../ingest/spam.js';
import { FileSaltSource } from '../ingest/salts.js';
import { MemorySessionStore } from '../ingest/session.js';
import { serializeRow } from '../ingest/event.js';
import { parseEventObject } from '../ingest/request.js';
import type { UaInfo } from '../ingest/useragent.js';
import type { Store } from './store.js';

/** One historical request: when it came, from where, and its Events API body. */
export interface BackfillHit {
  at: Date;
  ip: string;
  /** The raw User-Agent (hashed into the visitor id) and what it parses to. */
  userAgent: string;
  ua: UaInfo;
  body: Record<string, unknown>;
}

/**
 * Loads historical events (the Events API stamps events with the current time): each hit goes through the real
 * ingestion pipeline — validation, source, geo, visitor id under that day's salt, sessions — at its own time,
 * and the rows go to the store's write buffers. For tests and benchmarks; hits must come in time order.
 */
export class Backfill {
  private readonly pipeline: Pipeline;
  private readonly sessions = new MemorySessionStore(10_000_000);
  private hits = 0;
  events = 0;
  dropped = 0;

  /** More stores that get the same rows (a benchmark loads the embedded store and a ClickHouse server at once). */
  readonly mirrors: Store[] = [];

  constructor(
    private readonly store: Store,
    sites: SiteLookup,
    geo: GeoLookup,
    saltsFile: string,
    shields: ShieldLookup = { shieldsOf: () => undefined },
  ) {
    this.pipeline = new Pipeline(
      sites,
      defaultStages({ referrers: ReferrerDatabase.load(), shields, geo, spam: SpamList.load(), salts: new FileSaltSource(saltsFile), sessions: this.sessions }),
    );
  }

  /** Processes one hit; throws on a body the Events API would refuse. */
  add(hit: BackfillHit): void {
    const r = parseEventObject(hit.body);
    if (!r.ok) throw new Error(`invalid event ${JSON.stringify(hit.body)}: ${JSON.stringify(r.errors)}`);
    const out = this.pipeline.process(r.request, { ip: hit.ip, userAgent: hit.userAgent, ua: hit.ua, now: hit.at });
    if (++this.hits % 10_000 === 0) this.sessions.sweep(hit.at.getTime());
    this.events += out.rows.length;
    this.dropped += out.dropped.length;
    const events = out.rows.map(serializeRow);
    const sessions = out.sessionRows.map(serializeRow);
    for (const store of [this.store, ...this.mirrors]) {
      if (events.length) store.events.push(events, true);
      if (sessions.length) store.sessions.push(sessions, true);
    }
  }

  /** Rows waiting in the fullest write buffer (a caller that produces faster than the store takes waits on flush). */
  get pending(): number {
    return Math.max(...[this.store, ...this.mirrors].flatMap((s) => [s.events.depth, s.sessions.depth]));
  }

  /** Writes everything buffered. */
  async flush(): Promise<void> {
    await Promise.all([this.store, ...this.mirrors].flatMap((s) => [s.events.flush(), s.sessions.flush()]));
  }
}
