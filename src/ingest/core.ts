import path from 'node:path';
import { serializeRow } from './event.js';
import { GeoIp } from './geo.js';
import { Pipeline, defaultStages, type DropReason, type RequestContext, type ShieldLookup, type SiteLookup } from './pipeline.js';
import { ReferrerDatabase } from './referrers.js';
import type { EventRequest } from './request.js';
import { FileSaltSource } from './salts.js';
import { MemorySessionStore, SESSION_TIMEOUT_MS, type LiveSession } from './session.js';
import { SpamList } from './spam.js';

/** What the ingestion core needs of the configuration (plain data: it is sent to the ingest worker). */
export interface IngestCoreConfig {
  dataDir: string;
  maxLiveSessions: number;
  maxSessionBytes: number;
  geoipDb: string | undefined;
}

/** One request's rows, serialized for the store, and the sites it was dropped for. */
export interface ProcessedEvent {
  events: string[];
  sessions: string[];
  dropped: DropReason[];
}

export interface IngestStats {
  stages: Array<[string, { seconds: number; calls: number }]>;
  sessions: { size: number; bytes: number; evicted: number };
}

export function sessionsFile(dataDir: string): string {
  return path.join(dataDir, 'sessions.jsonl');
}

/**
 * Everything of ingestion after the HTTP layer's checks, in one place and one thread: the pipeline's stages and
 * their data (referrers, spam list, GeoIP, salts), the live sessions, and the rows' serialization. It runs on the
 * ingest worker thread (or in the main thread with `FOOTFALL_INGEST_WORKER=off`); its state is its own.
 */
export class IngestCore {
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    readonly pipeline: Pipeline,
    readonly sessions: MemorySessionStore,
    readonly geo: GeoIp,
    private readonly salts: FileSaltSource,
    private readonly dataDir: string,
  ) {
    // Every minute: forget idle sessions, and rotate the salt (destroying the old one) soon after midnight UTC even
    // when no event arrives.
    this.sweeper = setInterval(() => {
      sessions.sweep(Date.now());
      salts.current(new Date());
    }, 60_000);
    this.sweeper.unref();
  }

  static async open(config: IngestCoreConfig, sites: SiteLookup & ShieldLookup): Promise<IngestCore> {
    const salts = FileSaltSource.inDataDir(config.dataDir);
    salts.current(new Date()); // creates today's salt and destroys older ones at start, too
    const sessions = new MemorySessionStore(config.maxLiveSessions, SESSION_TIMEOUT_MS, config.maxSessionBytes);
    const geo = GeoIp.open({ override: config.geoipDb }).load();
    await geo.warmUp();
    const pipeline = new Pipeline(sites, defaultStages({ referrers: ReferrerDatabase.load(), shields: sites, geo, spam: SpamList.load(), salts, sessions }));
    return new IngestCore(pipeline, sessions, geo, salts, config.dataDir);
  }

  /** Runs the pipeline on one validated request; `undo` is null when nothing would need undoing. */
  process(request: EventRequest, ctx: RequestContext): { out: ProcessedEvent; undo: (() => void) | null } {
    const r = this.pipeline.process(request, ctx);
    return {
      out: { events: r.rows.map(serializeRow), sessions: r.sessionRows.map(serializeRow), dropped: r.dropped },
      undo: r.undoable ? r.undo : null,
    };
  }

  /** Restores the sessions saved at the last graceful stop (null: none were saved). */
  restore(): Promise<number | null> {
    return this.sessions.restore(sessionsFile(this.dataDir), Date.now());
  }

  /** Adds live sessions rebuilt from the store (in order of last activity). */
  load(entries: Array<[string, LiveSession]>): number {
    return this.sessions.load(entries, Date.now());
  }

  /** Saves the live sessions for the next start and stops the sweeper. */
  close(): number {
    clearInterval(this.sweeper);
    return this.sessions.save(sessionsFile(this.dataDir), Date.now());
  }

  stats(): IngestStats {
    return {
      stages: [...this.pipeline.stageStats],
      sessions: { size: this.sessions.size, bytes: this.sessions.bytes, evicted: this.sessions.evicted },
    };
  }
}
