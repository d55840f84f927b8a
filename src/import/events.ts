import { randomBytes } from 'node:crypto';
import { Pipeline, defaultStages, type DropReason, type GeoLookup, type ShieldLookup } from '../ingest/pipeline.js';
import { ReferrerDatabase } from '../ingest/referrers.js';
import { SpamList } from '../ingest/spam.js';
import type { Salt, SaltSource } from '../ingest/salts.js';
import { SESSION_TIMEOUT_MS, type LiveSession, type SessionRow, type SessionStore } from '../ingest/session.js';
import { serializeRow } from '../ingest/event.js';
import { parseEventObject } from '../ingest/request.js';
import { sipKey } from '../ingest/visitor.js';
import type { UaInfo } from '../ingest/useragent.js';
import type { Site } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { ImportRow } from '../store/imports-repo.js';
import { MinHeap } from '../util/heap.js';

/**
 * Raw history at its own timestamps: NDJSON lines, each a Plausible Events API body plus `timestamp` (ISO 8601, or
 * Unix seconds), `ip` and `user_agent`. Every line goes through the ingestion pipeline's stages (bots, spam,
 * shields, source, device, geo, visitor id, sessions) at its own time, into the site's events and sessions with
 * the import's id.
 *
 * - Sessions are stitched in time order in a session store of the import's own, apart from the live ones.
 * - Visitor ids are hashed with salts made for the import, one per day, held in memory only and dropped as the
 *   import moves past their day (and all at its end): raw IPs and User-Agents never reach disk, and imported
 *   visitors cannot be linked to live ones.
 * - Lines need not be sorted: a window of `reorderWindow` lines is put in time order; a line older than what has
 *   been loaded already is refused with its number (sort the file).
 * - Idempotent: the input's SHA-256 is recorded; the same input again stores nothing. An import that did not finish
 *   (a crash, an error) is removed before it is loaded again.
 */

export interface ImportLineError {
  line: number;
  message: string;
}

export interface EventImportResult {
  /** The import's id (that of the earlier import when this input was loaded already). */
  importId: number;
  /** Set when the same input had been imported before: nothing was stored. */
  alreadyImported: boolean;
  lines: number;
  events: number;
  sessions: number;
  dropped: Partial<Record<DropReason, number>>;
  /** The first errors (at most 100), and how many lines had one. */
  errors: ImportLineError[];
  errorCount: number;
  startDate: string;
  endDate: string;
  seconds: number;
}

export interface EventImportProgress {
  lines: number;
  events: number;
  errors: number;
  seconds: number;
}

export interface UaParser {
  /** The parsed User-Agent, at once or later (asked for when a line enters the reorder window). */
  resolve(ua: string): UaInfo | Promise<UaInfo>;
}

export interface EventImportDeps {
  store: Store;
  shields: ShieldLookup;
  geo: GeoLookup;
  ua: UaParser;
  /** The current time (lines after it are refused). */
  now?: () => number;
  onProgress?: (p: EventImportProgress) => void;
  /** Lines put in time order before loading (default 10,000). */
  reorderWindow?: number;
  /** Event rows per insert (default 50,000). */
  batchRows?: number;
}

const MAX_ERRORS_KEPT = 100;

/** Salts made for one import: random per UTC day, in memory only; those older than the day before the import's current time are dropped. */
export class ImportSalts implements SaltSource {
  private readonly salts = new Map<string, Salt>();

  private saltOf(day: string): Salt {
    let s = this.salts.get(day);
    if (!s) {
      const key = randomBytes(16);
      s = { day, key, words: sipKey(key) };
      this.salts.set(day, s);
      const keep = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
      for (const [d, old] of this.salts) {
        if (d >= keep) continue;
        old.key.fill(0); // destroyed, not only forgotten
        old.words.fill(0);
        this.salts.delete(d);
      }
    }
    return s;
  }

  current(now: Date): Salt {
    return this.saltOf(now.toISOString().slice(0, 10));
  }

  previous(now: Date): Salt | undefined {
    return this.salts.get(new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10));
  }

  /** Destroys every salt (the end of the import). */
  clear(): void {
    for (const s of this.salts.values()) {
      s.key.fill(0);
      s.words.fill(0);
    }
    this.salts.clear();
  }

  get size(): number {
    return this.salts.size;
  }
}

/**
 * Live sessions of an import, as plain objects in a Map kept in order of last activity (an update moves its entry
 * to the end), so that sessions idle beyond the timeout are swept from the front.
 */
export class ImportSessionStore implements SessionStore {
  private readonly map = new Map<string, LiveSession>();

  get(key: string, nowMs: number): LiveSession | undefined {
    const s = this.map.get(key);
    if (!s) return undefined;
    if (nowMs - s.lastMs >= SESSION_TIMEOUT_MS) {
      this.map.delete(key);
      return undefined;
    }
    return s;
  }

  set(key: string, s: LiveSession): void {
    this.map.delete(key);
    this.map.set(key, s);
  }

  touch(key: string, nowMs: number): void {
    const s = this.map.get(key);
    if (s) this.set(key, { ...s, lastMs: nowMs });
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Drops the sessions idle for the timeout at `nowMs`. */
  sweep(nowMs: number): void {
    for (const [k, s] of this.map) {
      if (nowMs - s.lastMs < SESSION_TIMEOUT_MS) break;
      this.map.delete(k);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * The session rows of an import: every change of a session emits its old state (-1) and its new one (+1); as long
 * as no state of a session was written, only its newest state matters. A session's state is written once, when it
 * ended (idle for the timeout at the import's time) or at the end of the import.
 */
class FinalSessions {
  private readonly latest = new Map<string, { row: SessionRow; lastMs: number }>();

  add(rows: readonly SessionRow[], atMs: number): void {
    for (const r of rows) {
      if (r.sign !== 1) continue; // cancels a state that was never written
      this.latest.delete(r.session_id);
      this.latest.set(r.session_id, { row: r, lastMs: atMs });
    }
  }

  /** The sessions ended at `nowMs` (all with Infinity), removed. */
  *ended(nowMs: number): Generator<SessionRow> {
    for (const [id, s] of this.latest) {
      if (nowMs - s.lastMs < SESSION_TIMEOUT_MS) break;
      this.latest.delete(id);
      yield s.row;
    }
  }
}

interface Pending {
  ms: number;
  line: number;
  body: Record<string, unknown>;
  ip: string;
  userAgent: string;
  ua: UaInfo | Promise<UaInfo>;
}

/** `timestamp` → ms since the epoch, or an error text. */
export function parseTimestamp(v: unknown): number | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return 'timestamp must be an ISO 8601 date-time or Unix seconds';
    return Math.floor(v * 1000);
  }
  if (typeof v !== 'string' || v === '') return 'timestamp is required (ISO 8601, e.g. 2024-05-01T12:00:00Z)';
  // a date-time without a zone is UTC (Plausible's exports and ClickHouse's DateTime text are UTC)
  const text = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v;
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/i.test(text)) return `timestamp ${JSON.stringify(v.slice(0, 40))} is not an ISO 8601 date-time`;
  const ms = Date.parse(text.replace(' ', 'T'));
  if (!Number.isFinite(ms)) return `timestamp ${JSON.stringify(v.slice(0, 40))} is not a valid date-time`;
  return ms;
}

function firstError(errors: Record<string, string[]>): string {
  return Object.entries(errors)
    .map(([k, v]) => `${k}: ${v.join('; ')}`)
    .join(', ');
}

/** Loads raw events into `site`. `lines` yields the input's lines in order; `fingerprint` is the input's SHA-256. */
export async function importEvents(
  lines: AsyncIterable<string | Record<string, unknown>> | Iterable<string | Record<string, unknown>>,
  site: Site,
  input: { label: string; fingerprint: string; source?: 'events' | 'umami' },
  deps: EventImportDeps,
): Promise<EventImportResult> {
  const t0 = performance.now();
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const source = input.source ?? 'events';
  const earlier = (await store.imports.list(site.id)).filter((i) => i.source === source && i.fingerprint === input.fingerprint);
  const done = earlier.find((i) => i.status === 'completed');
  if (done) {
    return { importId: done.id, alreadyImported: true, lines: 0, events: 0, sessions: 0, dropped: {}, errors: [], errorCount: 0, startDate: done.startDate, endDate: done.endDate, seconds: 0 };
  }
  for (const e of earlier) await removeImport(store, e);

  let imp: ImportRow = await store.imports.write({ siteId: site.id, source, label: input.label, fingerprint: input.fingerprint, startDate: '', endDate: '', status: 'importing', rows: {}, error: '' });
  const importId = imp.id;
  const salts = new ImportSalts();
  const sessions = new ImportSessionStore();
  const finals = new FinalSessions();
  const pipeline = new Pipeline(
    { byDomain: (d) => (d === site.domain ? site : undefined) },
    defaultStages({ referrers: ReferrerDatabase.load(), shields: deps.shields, geo: deps.geo, spam: SpamList.load(), salts, sessions }),
  );
  const result: EventImportResult = { importId, alreadyImported: false, lines: 0, events: 0, sessions: 0, dropped: {}, errors: [], errorCount: 0, startDate: '', endDate: '', seconds: 0 };
  const fail = (line: number, message: string) => {
    result.errorCount++;
    if (result.errors.length < MAX_ERRORS_KEPT) result.errors.push({ line, message });
  };

  const batchRows = deps.batchRows ?? 50_000;
  const db = store.db;
  let eventRows: string[] = [];
  let sessionRows: string[] = [];
  let inflight: Promise<void> = Promise.resolve();
  const suffix = `,"import_id":${importId}}`;
  const withImport = (json: string) => json.slice(0, -1) + suffix;
  const insert = async (table: 'events' | 'sessions', rows: string[]) => {
    if (rows.length === 0) return;
    const payload = Buffer.from(rows.join('\n'), 'utf8');
    await inflight;
    inflight = store.backend.insertJSONEachRow(`${db}.${table}`, payload);
    // an insert failure surfaces at the next await of `inflight`
    inflight.catch(() => undefined);
  };
  const emitSessions = (rows: Iterable<SessionRow>) => {
    for (const r of rows) {
      sessionRows.push(withImport(serializeRow(r)));
      result.sessions++;
    }
  };

  const window = deps.reorderWindow ?? 10_000;
  const heap = new MinHeap<Pending>((a, b) => a.ms - b.ms || a.line - b.line);
  let loadedUpTo = -Infinity;
  let minMs = Infinity;
  let maxMs = -Infinity;
  let lastProgress = performance.now();
  let sinceYield = 0;

  const processOne = async (p: Pending) => {
    loadedUpTo = p.ms;
    p.body.domain = site.domain; // the site's, whatever the line says
    const parsed = parseEventObject(p.body);
    if (!parsed.ok) return fail(p.line, firstError(parsed.errors));
    const at = new Date(p.ms);
    const ua = p.ua instanceof Promise ? await p.ua : p.ua;
    const out = pipeline.process(parsed.request, { ip: p.ip, userAgent: p.userAgent, ua, now: at });
    for (const d of out.dropped) result.dropped[d] = (result.dropped[d] ?? 0) + 1;
    for (const row of out.rows) eventRows.push(withImport(serializeRow(row)));
    result.events += out.rows.length;
    if (out.rows.length) {
      if (p.ms < minMs) minMs = p.ms;
      if (p.ms > maxMs) maxMs = p.ms;
    }
    finals.add(out.sessionRows, p.ms);
    if (eventRows.length >= batchRows) {
      sessions.sweep(p.ms);
      emitSessions(finals.ended(p.ms));
      const e = eventRows;
      eventRows = [];
      await insert('events', e);
      if (sessionRows.length >= batchRows / 4) {
        const s = sessionRows;
        sessionRows = [];
        await insert('sessions', s);
      }
    }
  };

  try {
    const nowMs = now();
    for await (const raw of lines) {
      const line = ++result.lines;
      let obj: unknown = raw;
      if (typeof raw === 'string') {
        if (raw.trim() === '') continue;
        if (raw.length > 1_000_000) {
          fail(line, 'line longer than 1,000,000 characters');
          continue;
        }
        try {
          obj = JSON.parse(raw);
        } catch {
          fail(line, 'not valid JSON');
          continue;
        }
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        fail(line, 'not a JSON object');
        continue;
      }
      const body = obj as Record<string, unknown>;
      const ms = parseTimestamp(body.timestamp);
      if (typeof ms === 'string') {
        fail(line, ms);
        continue;
      }
      if (ms > nowMs) {
        fail(line, `timestamp ${String(body.timestamp)} is in the future`);
        continue;
      }
      if (ms < loadedUpTo) {
        fail(line, `timestamp ${String(body.timestamp)} is earlier than events already loaded (more than ${window.toLocaleString('en')} lines out of order): sort the file by timestamp`);
        continue;
      }
      const ip = body.ip === undefined || body.ip === null ? '' : body.ip;
      const userAgent = body.user_agent === undefined || body.user_agent === null ? '' : body.user_agent;
      if (typeof ip !== 'string') {
        fail(line, 'ip must be a string');
        continue;
      }
      if (typeof userAgent !== 'string') {
        fail(line, 'user_agent must be a string');
        continue;
      }
      heap.push({ ms, line, body, ip, userAgent, ua: deps.ua.resolve(userAgent) });
      if (heap.size > window) await processOne(heap.pop()!);
      if (++sinceYield >= 2_000) {
        sinceYield = 0;
        // a server importing keeps answering its live traffic
        await new Promise((r) => setImmediate(r));
        if (deps.onProgress && performance.now() - lastProgress >= 1000) {
          lastProgress = performance.now();
          deps.onProgress({ lines: result.lines, events: result.events, errors: result.errorCount, seconds: (lastProgress - t0) / 1000 });
        }
      }
    }
    while (heap.size > 0) await processOne(heap.pop()!);
    emitSessions(finals.ended(Infinity));
    await insert('events', eventRows);
    eventRows = [];
    await insert('sessions', sessionRows);
    sessionRows = [];
    await inflight;
    salts.clear();
    const day = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '');
    result.startDate = day(minMs);
    result.endDate = day(maxMs);
    imp = await store.imports.write({ ...imp, status: 'completed', startDate: result.startDate, endDate: result.endDate, rows: { events: result.events, sessions: result.sessions } });
  } catch (err) {
    salts.clear();
    await inflight.catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    // nothing half-imported stays
    await store.imports.deleteRows(site.id, importId).catch(() => undefined);
    await store.imports.write({ ...imp, status: 'failed', error: message.slice(0, 2000) }).catch(() => undefined);
    throw err;
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** Removes an import: its rows, then its entry. */
export async function removeImport(store: Store, imp: ImportRow): Promise<void> {
  await store.imports.deleteRows(imp.siteId, imp.id);
  await store.imports.write(imp, true);
}
