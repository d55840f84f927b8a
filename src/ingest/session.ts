import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import type { EventRow, VisitFields } from './event.js';

/** One row of the `sessions` table (VersionedCollapsingMergeTree(sign, events)). */
export interface SessionRow extends VisitFields {
  session_id: string;
  sign: number;
  site_id: number;
  user_id: string;
  hostname: string;
  timestamp: string;
  start: string;
  is_bounce: number;
  entry_page: string;
  entry_page_hostname: string;
  exit_page: string;
  exit_page_hostname: string;
  pageviews: number;
  events: number;
  duration: number;
  'entry_meta.key': string[];
  'entry_meta.value': string[];
}

/** A live session: its latest stored row, when it started and when it was last active (ms). */
export interface LiveSession {
  row: SessionRow;
  startMs: number;
  lastMs: number;
}

/** Live sessions by `${site_id}:${user_id}`. An interface so that Redis can back it for several ingest nodes. */
export interface SessionStore {
  /** The live session, if it was active within the timeout. */
  get(key: string, nowMs: number): LiveSession | undefined;
  set(key: string, s: LiveSession): void;
  delete(key: string): void;
  readonly size: number;
}

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** Fixed heap cost of one live session besides its variable strings (object, Map entry, key, ids, timestamps): `bench/sessions` measures ≈ 910 bytes per typical session. */
const SESSION_BASE_BYTES = 900;

/**
 * An estimate of a live session's heap bytes: a fixed part plus its variable-length strings (pages, referrer,
 * UTM tags, entry props). Props are at most 30 pairs of 300 + 2,000 characters, so one session can hold ~70 KB:
 * the store is bounded in these bytes, not only in sessions.
 */
export function liveSessionBytes(row: SessionRow): number {
  let n = SESSION_BASE_BYTES + row.referrer.length + row.entry_page.length + row.exit_page.length + row.utm_campaign.length + row.utm_content.length + row.utm_term.length;
  const keys = row['entry_meta.key'];
  const values = row['entry_meta.value'];
  for (let i = 0; i < keys.length; i++) n += 32 + keys[i]!.length + (values[i]?.length ?? 0);
  return n;
}

/** Lines of the saved-sessions file are written in chunks of about this many characters. */
const SAVE_CHUNK_CHARS = 1 << 20;

/**
 * Live sessions in memory: a Map kept in order of last activity (an update moves the entry to the end), so
 * expired sessions and, beyond `maxSize` sessions or `maxBytes` (estimated heap), the least recently active ones
 * are dropped from the front. A dropped session is simply not continued: the visitor's next event starts a new one.
 */
export class MemorySessionStore implements SessionStore {
  private readonly map = new Map<string, LiveSession & { bytes?: number }>();
  private heldBytes = 0;
  /** Sessions dropped to stay within the bounds while still live. */
  evicted = 0;

  constructor(
    private readonly maxSize = 1_000_000,
    private readonly timeoutMs = SESSION_TIMEOUT_MS,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The estimated heap bytes of the live sessions (`liveSessionBytes` summed). */
  get bytes(): number {
    return this.heldBytes;
  }

  get(key: string, nowMs: number): LiveSession | undefined {
    const s = this.map.get(key);
    if (!s) return undefined;
    if (nowMs - s.lastMs >= this.timeoutMs) {
      this.delete(key);
      return undefined;
    }
    return s;
  }

  set(key: string, s: LiveSession): void {
    this.delete(key);
    const bytes = liveSessionBytes(s.row);
    this.map.set(key, { row: s.row, startMs: s.startMs, lastMs: s.lastMs, bytes });
    this.heldBytes += bytes;
    while (this.map.size > this.maxSize || (this.heldBytes > this.maxBytes && this.map.size > 1)) {
      this.delete(this.map.keys().next().value as string);
      this.evicted++;
    }
  }

  delete(key: string): void {
    const s = this.map.get(key);
    if (!s) return;
    this.map.delete(key);
    this.heldBytes -= s.bytes ?? 0;
  }

  /** Adds sessions (in order of last activity), skipping expired ones and keys already live. */
  load(entries: Iterable<[string, LiveSession]>, nowMs: number): number {
    let n = 0;
    for (const [k, s] of entries) {
      if (nowMs - s.lastMs >= this.timeoutMs || this.map.has(k)) continue;
      this.set(k, s);
      n++;
    }
    return n;
  }

  /** Drops sessions idle for longer than the timeout (they are at the front). */
  sweep(nowMs: number): number {
    let n = 0;
    for (const [k, s] of this.map) {
      if (nowMs - s.lastMs < this.timeoutMs) break;
      this.delete(k);
      n++;
    }
    return n;
  }

  /**
   * Writes the live sessions to a file (graceful shutdown), so that a restart continues them: one JSON line per
   * session (each bounded by the event limits), written in chunks, never one string for all of them.
   */
  save(file: string, nowMs: number): number {
    this.sweep(nowMs);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      let chunk: string[] = [];
      let chars = 0;
      const flush = (): void => {
        if (chunk.length > 0) fs.writeSync(fd, chunk.join(''));
        chunk = [];
        chars = 0;
      };
      for (const [k, s] of this.map) {
        const line = JSON.stringify([k, { row: s.row, startMs: s.startMs, lastMs: s.lastMs }]) + '\n';
        chunk.push(line);
        chars += line.length;
        if (chars >= SAVE_CHUNK_CHARS) flush();
      }
      flush();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return this.map.size;
  }

  /**
   * Restores sessions saved by `save` (line by line), skipping expired ones and unreadable lines, and removes the
   * file. `null` when there was no file (the last stop was not graceful, or this is the first start).
   */
  async restore(file: string, nowMs: number): Promise<number | null> {
    if (!fs.existsSync(file)) return null;
    const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      let entry: [string, LiveSession];
      try {
        entry = JSON.parse(line) as [string, LiveSession];
      } catch {
        continue; // a line cut short (the file is written whole and renamed, so only by tampering)
      }
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1]?.lastMs !== 'number') continue;
      if (nowMs - entry[1].lastMs < this.timeoutMs) {
        this.set(entry[0], entry[1]);
        n++;
      }
    }
    fs.rmSync(file, { force: true });
    return n;
  }
}

/**
 * Rebuilds live sessions from their stored rows (the latest state of each, as `Store.activeSessions` reads them)
 * after an unclean stop, so that a returning visitor continues the session and its next event cancels exactly
 * the stored state. Last activity is the row's timestamp (engagement after the last event is not stored).
 */
export function liveSessionsFromRows(rows: ReadonlyArray<Record<string, unknown>>): Array<[string, LiveSession]> {
  const ms = (t: unknown) => Date.parse(String(t).replace(' ', 'T') + 'Z');
  const out: Array<[string, LiveSession]> = [];
  for (const r of rows) {
    const row = { ...r, sign: 1, site_id: Number(r.site_id), user_id: String(r.user_id), session_id: String(r.session_id) } as unknown as SessionRow;
    const lastMs = ms(row.timestamp);
    const startMs = ms(row.start);
    if (!Number.isFinite(lastMs) || !Number.isFinite(startMs)) continue;
    out.push([`${row.site_id}:${row.user_id}`, { row, startMs, lastMs }]);
  }
  return out.sort((a, b) => a[1].lastMs - b[1].lastMs);
}

export function isPageview(name: string): boolean {
  return name === 'pageview';
}

export function newSessionId(): string {
  return randomBytes(8).readBigUInt64LE().toString();
}

/**
 * The first row of a session started by this event (Plausible's rules): a pageview or a non-interactive event
 * opens it as a bounce, an interactive custom event does not; its hostname is the entry page's.
 */
export function startSession(ev: EventRow, sessionId: string, interactive = true): SessionRow {
  const pv = isPageview(ev.name);
  return {
    session_id: sessionId,
    sign: 1,
    site_id: ev.site_id,
    user_id: ev.user_id,
    hostname: pv ? ev.hostname : '',
    timestamp: ev.timestamp,
    start: ev.timestamp,
    is_bounce: pv || !interactive ? 1 : 0,
    entry_page: pv ? ev.pathname : '',
    entry_page_hostname: pv ? ev.hostname : '',
    exit_page: pv ? ev.pathname : '',
    exit_page_hostname: pv ? ev.hostname : '',
    pageviews: pv ? 1 : 0,
    events: 1,
    duration: 0,
    referrer: ev.referrer,
    referrer_source: ev.referrer_source,
    utm_medium: ev.utm_medium,
    utm_source: ev.utm_source,
    utm_campaign: ev.utm_campaign,
    utm_content: ev.utm_content,
    utm_term: ev.utm_term,
    click_id_param: ev.click_id_param,
    country_code: ev.country_code,
    subdivision1_code: ev.subdivision1_code,
    subdivision2_code: ev.subdivision2_code,
    city_geoname_id: ev.city_geoname_id,
    screen_size: ev.screen_size,
    operating_system: ev.operating_system,
    operating_system_version: ev.operating_system_version,
    browser: ev.browser,
    browser_version: ev.browser_version,
    'entry_meta.key': ev['meta.key'],
    'entry_meta.value': ev['meta.value'],
  };
}

/** The session's next row after this (non-engagement) event. */
export function continueSession(prev: SessionRow, ev: EventRow, nowMs: number, startMs: number, interactive: boolean): SessionRow {
  const pv = isPageview(ev.name);
  const next: SessionRow = { ...prev, sign: 1, timestamp: ev.timestamp, events: prev.events + 1 };
  // the exact difference of the stored (whole-second) timestamps
  next.duration = Math.abs(Math.floor(nowMs / 1000) - Math.floor(startMs / 1000));
  if (interactive) next.is_bounce = 0;
  if (pv) {
    next.pageviews = prev.pageviews + 1;
    next.exit_page = ev.pathname;
    next.exit_page_hostname = ev.hostname;
    if (!next.hostname) next.hostname = ev.hostname;
    if (!next.entry_page) {
      next.entry_page = ev.pathname;
      next.entry_page_hostname = ev.hostname;
    }
  }
  return next;
}
