import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import type { EventRow, VisitFields } from './event.js';
import { sqlDateTimeText } from '../store/sql.js';
import { isLatin1, oneByte } from '../util/strings.js';

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

/** Live sessions by visitor id (`user_id`, which is per site). An interface so that Redis can back it for several ingest nodes. */
export interface SessionStore {
  /** The live session, if it was active within the timeout (a copy: change it, then `set` it). */
  get(key: string, nowMs: number): LiveSession | undefined;
  set(key: string, s: LiveSession): void;
  /** Marks the live session active at `nowMs` (an engagement event), its row unchanged. */
  touch(key: string, nowMs: number): void;
  delete(key: string): void;
  readonly size: number;
}

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** Lines of the saved-sessions file are written in chunks of about this many characters. */
const SAVE_CHUNK_CHARS = 1 << 20;

/**
 * A live session packs, in this order: last activity (ms after the start), start (ms), the row's timestamp (s
 * after the start's second), pageviews, events, is_bounce, duration, site_id, the user_id when it is not the key
 * (else empty), then the session id and the columns that never change after the first row, then the hostname, entry
 * and exit page (and the pages' hostnames when they differ from the hostname).
 */
const HEAD = 9;

/**
 * Heap bytes of one live session besides its two strings (key and packed value): its Map entry.
 * `bench/sessions` checks the estimate against the heap.
 */
const ENTRY_BYTES = 32;
/** A string's header in V8's heap. */
const STRING_BYTES = 16;
function stringBytes(s: string): number {
  return STRING_BYTES + 8 * Math.ceil(((isLatin1(s) ? 1 : 2) * s.length) / 8);
}

let lastParsed = '';
let lastParsedSec = NaN;
/** Whole seconds of a stored 'YYYY-MM-DD hh:mm:ss' time (the last one cached). */
function secondsOf(t: string): number {
  if (t === lastParsed) return lastParsedSec;
  lastParsed = t;
  return (lastParsedSec = Date.UTC(+t.slice(0, 4), +t.slice(5, 7) - 1, +t.slice(8, 10), +t.slice(11, 13), +t.slice(14, 16), +t.slice(17, 19)) / 1000);
}

const textCache = new Map<number, string>();
/** 'YYYY-MM-DD hh:mm:ss' of whole seconds since the epoch (recent ones cached: events arrive many per second). */
function textOf(sec: number): string {
  let t = textCache.get(sec);
  if (t === undefined) {
    if (textCache.size >= 64) textCache.delete(textCache.keys().next().value as number);
    t = sqlDateTimeText(new Date(sec * 1000));
    textCache.set(sec, t);
  }
  return t;
}

/** Separates a packed session's values; a value that holds it (or starts with `JSON_MARK`) is stored as JSON. */
const SEP = '\x1f';
const JSON_MARK = '\x1e';

function enc(v: string): string {
  return v.includes(SEP) || v.charCodeAt(0) === 0x1e ? JSON_MARK + JSON.stringify(v) : v; // JSON escapes both
}

function dec(v: string): string {
  return v.charCodeAt(0) === 0x1e ? (JSON.parse(v.slice(1)) as string) : v;
}

/**
 * A live session as one string: its values (see `HEAD`) joined by `SEP`, props as JSON arrays. Not JSON for all
 * of it: its quotes and commas would cost a third of the bytes. Copied whole by `oneByte`, so it is one flat, tight string
 * (a concatenation is a rope of pieces; `JSON.stringify`'s result keeps spare capacity).
 */
function pack(key: string, s: LiveSession, fixed?: string): string {
  const row = s.row;
  const startSec = Math.floor(s.startMs / 1000);
  const h = row.hostname;
  // (written out, not looped over column names: this runs for every event of a session)
  const a: Array<string | number> = [
    s.lastMs - s.startMs, s.startMs, secondsOf(row.timestamp) - startSec, row.pageviews, row.events, row.is_bounce, row.duration, row.site_id,
    key === row.user_id ? '' : JSON_MARK + JSON.stringify(row.user_id),
  ];
  if (fixed !== undefined) a.push(fixed);
  else {
    a.push(
      enc(row.session_id), enc(row.referrer), enc(row.referrer_source), enc(row.utm_medium), enc(row.utm_source), enc(row.utm_campaign),
      enc(row.utm_content), enc(row.utm_term), enc(row.click_id_param), enc(row.country_code), enc(row.subdivision1_code),
      enc(row.subdivision2_code), row.city_geoname_id, enc(row.screen_size), enc(row.operating_system), enc(row.operating_system_version),
      enc(row.browser), enc(row.browser_version), JSON.stringify(row['entry_meta.key']), JSON.stringify(row['entry_meta.value']),
    );
  }
  a.push(enc(h), enc(row.entry_page), enc(row.exit_page));
  // the hostnames of the pages are the session's in almost every session: then not repeated
  if (row.entry_page_hostname !== h || row.exit_page_hostname !== h) a.push(enc(row.entry_page_hostname), enc(row.exit_page_hostname));
  // one flat string of one byte a character whenever its text allows (see `oneByte`), as `stringBytes` counts it
  return oneByte(a.join(SEP));
}

/** The packed values that never change after a session's first row (session_id … entry_meta.value), in order. */
const FIXED_KEYS = [
  'session_id', 'referrer', 'referrer_source', 'utm_medium', 'utm_source', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_param',
  'country_code', 'subdivision1_code', 'subdivision2_code', 'city_geoname_id', 'screen_size', 'operating_system', 'operating_system_version',
  'browser', 'browser_version', 'entry_meta.key', 'entry_meta.value',
] as const satisfies ReadonlyArray<keyof SessionRow>;

/** The text of the fixed values in a packed session split into `a`: they follow the HEAD values. */
function fixedText(packed: string, a: readonly string[]): string {
  let start = HEAD;
  for (let j = 0; j < HEAD; j++) start += a[j]!.length;
  let end = start + FIXED_KEYS.length - 1;
  for (let j = HEAD; j < HEAD + FIXED_KEYS.length; j++) end += a[j]!.length;
  return packed.slice(start, end);
}

/** Whether a row's fixed values are those packed in `a` (compared with the packed text, so a row changed in place
 *  after it was read, arrays included, is never taken for the one that was read). */
function sameFixed(row: SessionRow, a: readonly string[]): boolean {
  for (let j = 0; j < FIXED_KEYS.length; j++) {
    const k = FIXED_KEYS[j]!;
    const packed = a[HEAD + j]!;
    const v = row[k];
    if (typeof v === 'string') {
      if (v !== (packed.charCodeAt(0) === 0x1e ? dec(packed) : packed)) return false;
    } else if (typeof v === 'number') {
      if (String(v) !== packed) return false;
    } else if (JSON.stringify(v) !== packed) return false;
  }
  return true;
}

function unpack(key: string, packed: string): LiveSession {
  return fromParts(key, packed.split(SEP));
}

/** A live session from its packed values (`pack`'s, split at `SEP`). */
function fromParts(key: string, a: readonly string[]): LiveSession {
  const startMs = Number(a[1]);
  const startSec = Math.floor(startMs / 1000);
  const i = HEAD;
  const host = dec(a[i + 20]!);
  const row: SessionRow = {
    session_id: dec(a[i]!),
    sign: 1,
    site_id: Number(a[7]),
    user_id: a[8] === '' ? key : dec(a[8]!),
    hostname: host,
    timestamp: textOf(startSec + Number(a[2])),
    start: textOf(startSec),
    is_bounce: Number(a[5]),
    entry_page: dec(a[i + 21]!),
    entry_page_hostname: a.length > i + 23 ? dec(a[i + 23]!) : host,
    exit_page: dec(a[i + 22]!),
    exit_page_hostname: a.length > i + 23 ? dec(a[i + 24]!) : host,
    pageviews: Number(a[3]),
    events: Number(a[4]),
    duration: Number(a[6]),
    referrer: dec(a[i + 1]!),
    referrer_source: dec(a[i + 2]!),
    utm_medium: dec(a[i + 3]!),
    utm_source: dec(a[i + 4]!),
    utm_campaign: dec(a[i + 5]!),
    utm_content: dec(a[i + 6]!),
    utm_term: dec(a[i + 7]!),
    click_id_param: dec(a[i + 8]!),
    country_code: dec(a[i + 9]!),
    subdivision1_code: dec(a[i + 10]!),
    subdivision2_code: dec(a[i + 11]!),
    city_geoname_id: Number(a[i + 12]),
    screen_size: dec(a[i + 13]!),
    operating_system: dec(a[i + 14]!),
    operating_system_version: dec(a[i + 15]!),
    browser: dec(a[i + 16]!),
    browser_version: dec(a[i + 17]!),
    'entry_meta.key': JSON.parse(a[i + 18]!) as string[],
    'entry_meta.value': JSON.parse(a[i + 19]!) as string[],
  };
  return { row, startMs, lastMs: startMs + Number(a[0]) };
}

/** Last activity of a packed session (its first value, ms after the start, then the start): read without splitting. */
function lastMsOf(packed: string): number {
  const s1 = packed.indexOf(SEP);
  return Number(packed.slice(0, s1)) + Number(packed.slice(s1 + 1, packed.indexOf(SEP, s1 + 1)));
}

/**
 * An estimate of a live session's heap bytes in `MemorySessionStore`. Props are at most 30 pairs of 300 + 2,000
 * characters, so one session can hold ~70 KB (twice that in non-Latin-1 text): the store is bounded in these
 * bytes, not only in count.
 */
export function liveSessionBytes(key: string, s: LiveSession): number {
  return ENTRY_BYTES + stringBytes(key) + stringBytes(pack(key, s));
}

/**
 * Live sessions in memory: a Map kept in order of last activity (an update moves the entry to the end), so
 * expired sessions and, beyond `maxSize` sessions or `maxBytes` (estimated heap), the least recently active ones
 * are dropped from the front. A dropped session is simply not continued: the visitor's next event starts a new one.
 * Keys are visitor ids (`user_id`: the visitor hash includes the site's domain, so a visitor has a key per site);
 * each session is held as one packed string (`pack`; ≈ 270 bytes for a typical session with its key and entry).
 */
export class MemorySessionStore implements SessionStore {
  private readonly map = new Map<string, string>();
  private heldBytes = 0;
  /**
   * The session last read, as its packed text and values: when it is set again with its fixed values unchanged (a
   * continued session: only counts, times and pages move), their packed text is reused, not encoded again.
   */
  private recentKey = '';
  private recentPacked = '';
  private recentValues: string[] | null = null;
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

  /** The estimated heap bytes of the live sessions. */
  get bytes(): number {
    return this.heldBytes;
  }

  get(key: string, nowMs: number): LiveSession | undefined {
    const packed = this.map.get(key);
    if (packed === undefined) return undefined;
    if (nowMs - lastMsOf(packed) >= this.timeoutMs) {
      this.delete(key);
      return undefined;
    }
    const values = packed.split(SEP);
    this.recentKey = key;
    this.recentPacked = packed;
    this.recentValues = values;
    return fromParts(key, values);
  }

  /**
   * Keeps a session's state. `row.start` must be the whole second of `startMs` (as the session stage and the
   * store's rows make them): the start is kept once, as `startMs`.
   */
  set(key: string, s: LiveSession): void {
    const values = this.recentValues;
    this.recentValues = null;
    const fixed = values !== null && this.recentKey === key && sameFixed(s.row, values) ? fixedText(this.recentPacked, values) : undefined;
    this.put(key, pack(key, s, fixed));
  }

  touch(key: string, nowMs: number): void {
    const packed = this.map.get(key);
    if (packed === undefined) return;
    const s1 = packed.indexOf(SEP);
    const startMs = Number(packed.slice(s1 + 1, packed.indexOf(SEP, s1 + 1)));
    this.put(key, [nowMs - startMs, packed.slice(s1)].join(''));
  }

  delete(key: string): void {
    if (this.recentKey === key) this.recentValues = null;
    const packed = this.map.get(key);
    if (packed === undefined) return;
    this.map.delete(key);
    this.heldBytes -= ENTRY_BYTES + stringBytes(key) + stringBytes(packed);
  }

  private put(key: string, packed: string): void {
    this.delete(key);
    this.map.set(key, packed);
    this.heldBytes += ENTRY_BYTES + stringBytes(key) + stringBytes(packed);
    while (this.map.size > this.maxSize || (this.heldBytes > this.maxBytes && this.map.size > 1)) {
      this.delete(this.map.keys().next().value as string);
      this.evicted++;
    }
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
    for (const [k, packed] of this.map) {
      if (nowMs - lastMsOf(packed) < this.timeoutMs) break;
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
      for (const [k, packed] of this.map) {
        const line = JSON.stringify([k, unpack(k, packed)]) + '\n';
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
        const row = entry[1].row;
        // files saved before 0.2 keyed sessions by `${site_id}:${user_id}`
        this.set(entry[0] === `${row.site_id}:${row.user_id}` ? row.user_id : entry[0], entry[1]);
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
    out.push([row.user_id, { row, startMs, lastMs }]);
  }
  return out.sort((a, b) => a[1].lastMs - b[1].lastMs);
}

export function isPageview(name: string): boolean {
  return name === 'pageview';
}

/** Random bytes for session ids, drawn 8 at a time from a pool (one system call per 512 sessions, not one each). */
const idPool = Buffer.alloc(4096);
let idOffset = idPool.length;

/** A random 64-bit session id, as a decimal string. */
export function newSessionId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.readBigUInt64LE(idOffset);
  idOffset += 8;
  return id.toString();
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
  // Plausible's rule: the bounce ends with a second pageview, or an interactive event that is not a pageview (a
  // non-interactive event and one pageview stay a bounce)
  if (pv ? next.pageviews >= 2 : interactive) next.is_bounce = 0;
  return next;
}
