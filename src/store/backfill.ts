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
  events = 0;
  dropped = 0;

  constructor(
    private readonly store: Store,
    sites: SiteLookup,
    geo: GeoLookup,
    saltsFile: string,
    shields: ShieldLookup = { shieldsOf: () => undefined },
  ) {
    this.pipeline = new Pipeline(
      sites,
      defaultStages({ referrers: ReferrerDatabase.load(), shields, geo, spam: SpamList.load(), salts: new FileSaltSource(saltsFile), sessions: new MemorySessionStore(10_000_000) }),
    );
  }

  /** Processes one hit; throws on a body the Events API would refuse. */
  add(hit: BackfillHit): void {
    const r = parseEventObject(hit.body);
    if (!r.ok) throw new Error(`invalid event ${JSON.stringify(hit.body)}: ${JSON.stringify(r.errors)}`);
    const out = this.pipeline.process(r.request, { ip: hit.ip, userAgent: hit.userAgent, ua: hit.ua, now: hit.at });
    this.events += out.rows.length;
    this.dropped += out.dropped.length;
    if (out.rows.length) this.store.events.push(out.rows.map(serializeRow), true);
    if (out.sessionRows.length) this.store.sessions.push(out.sessionRows.map(serializeRow), true);
  }

  /** Writes everything buffered. */
  async flush(): Promise<void> {
    await Promise.all([this.store.events.flush(), this.store.sessions.flush()]);
  }
}
