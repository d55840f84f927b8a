import type { Logger } from '../util/log.js';
import fs from 'node:fs';
import path from 'node:path';
import { transient, type SqlBackend } from './backend.js';
import { WriteBuffer } from './buffer.js';
import { collapseSessionRows } from './collapse.js';
import { ImportsRepo } from './imports-repo.js';
import { dataColumns, exportRows, type DateRange, type ExportTable } from './export.js';
import { migrate, type MigrationReport } from './migrate.js';
import { Repo } from './repo.js';
import { AccountSecretsRepo, AccountsRepo } from './accounts-repo.js';
import { SegmentsRepo } from './segments-repo.js';
import { TeamsRepo } from './teams-repo.js';
import { seqOf, type JournalTable } from './journal-format.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

/** Failures of a row inserted alone before it goes to the dead-letter file. */
export const DEAD_LETTER_ATTEMPTS = 3;

/** Appends a refused row, with when and why, as one JSON line to `<dir>/<table>.ndjson` (synced). */
export function writeDeadLetter(dir: string, table: string, line: string, err: unknown): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry = JSON.stringify({ time: new Date().toISOString(), table, error: err instanceof Error ? err.message : String(err), row: line }) + '\n';
  const fd = fs.openSync(path.join(dir, `${table}.ndjson`), 'a', 0o600);
  try {
    fs.writeSync(fd, entry);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The column each journaled table is partitioned by (narrows the lookup of stored seqs). */
const PARTITION_COLUMN: Record<JournalTable, string> = { events: 'timestamp', sessions: 'start' };
const USER_ID = /"user_id":"?(\d+)/;
const DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

export interface StoreOptions {
  db: string;
  flushRows: number;
  flushIntervalMs: number;
  bufferMaxRows: number;
  /** Bytes held by each write buffer at most (default unbounded). */
  bufferMaxBytes?: number;
  /** Bytes of one insert at most (default 16 MiB). */
  batchMaxBytes?: number;
  /**
   * Where rows the store refuses on their own go (`<dir>/<table>.ndjson`) after `DEAD_LETTER_ATTEMPTS` failures,
   * so that they never block the rows behind them. Without it such a row is retried for ever.
   */
  deadLetterDir?: string;
  log: Logger;
  onInsert?: (table: string, seconds: number, rows: number) => void;
}

/**
 * The storage side of Footfall, whatever the engine: schema migrations, the write buffers of the
 * analytics tables, the state tables (sites, keys) and export.
 */
export class Store {
  readonly repo: Repo;
  readonly accounts: AccountsRepo;
  readonly secrets: AccountSecretsRepo;
  readonly teams: TeamsRepo;
  readonly segments: SegmentsRepo;
  readonly imports: ImportsRepo;
  readonly events: WriteBuffer;
  readonly sessions: WriteBuffer;
  readonly db: string;

  constructor(readonly backend: SqlBackend, private readonly opts: StoreOptions) {
    this.db = sqlIdent(opts.db);
    this.repo = new Repo(backend, this.db);
    this.accounts = new AccountsRepo(backend, this.db);
    this.secrets = new AccountSecretsRepo(backend, this.db);
    this.teams = new TeamsRepo(backend, this.db);
    this.segments = new SegmentsRepo(backend, this.db);
    this.imports = new ImportsRepo(backend, this.db);
    const buffer = (table: JournalTable): WriteBuffer =>
      new WriteBuffer({
        name: table,
        flushRows: opts.flushRows,
        intervalMs: opts.flushIntervalMs,
        maxRows: opts.bufferMaxRows,
        log: opts.log,
        maxBytes: opts.bufferMaxBytes,
        maxBatchBytes: opts.batchMaxBytes,
        onInsert: (seconds, rows) => opts.onInsert?.(table, seconds, rows),
        sink: (payload, _rows, retry) => this.insertBatch(table, payload, retry),
        // a session's +1 and -1 rows of one state in one batch cancel out: not inserted (see collapse.ts)
        collapse: table === 'sessions' ? collapseSessionRows : undefined,
        transient,
        deadLetter: opts.deadLetterDir
          ? {
              attempts: DEAD_LETTER_ATTEMPTS,
              storeHealthy: () => backend.ping().then(() => true),
              write: (line, err) => writeDeadLetter(opts.deadLetterDir!, table, line, err),
            }
          : undefined,
      });
    this.events = buffer('events');
    this.sessions = buffer('sessions');
  }

  /**
   * Inserts one batch (JSONEachRow). With `retry` (the previous write of these rows failed, but may have reached
   * the store after all: a timeout, a dropped connection), the journaled rows already stored are skipped, so a
   * retry never stores a row twice.
   */
  async insertBatch(table: JournalTable, payload: Buffer, retry = false): Promise<void> {
    if (retry) {
      const lines = payload.toString('utf8').split('\n');
      const stored = await this.storedSeqs(table, lines);
      if (stored.size > 0) {
        const left = lines.filter((l) => !stored.has(seqOf(l)));
        this.opts.log.warn('retry: rows of the failed insert were stored after all; skipping them', { table, stored: lines.length - left.length });
        if (left.length === 0) return;
        payload = Buffer.from(left.join('\n'), 'utf8');
      }
    }
    await this.backend.insertJSONEachRow(`${this.db}.${table}`, payload);
  }

  /**
   * Which of these journaled rows (serialized, with `journal_seq`) are in the store already: one query per table,
   * narrowed to the rows' partition range and seq range. A row counts as stored when a stored row has its seq and
   * its user_id, so that even another Footfall node writing to the same server with a colliding seq cannot make
   * a missing row look stored.
   */
  async storedSeqs(table: JournalTable, lines: readonly string[]): Promise<Set<number>> {
    const col = PARTITION_COLUMN[table];
    const key = `"${col}":"`;
    const wanted = new Map<number, string>();
    let minSeq = Infinity;
    let maxSeq = 0;
    let minTs = '';
    let maxTs = '';
    for (const l of lines) {
      const seq = seqOf(l);
      if (seq === 0) continue;
      wanted.set(seq, USER_ID.exec(l)?.[1] ?? '');
      if (seq < minSeq) minSeq = seq;
      if (seq > maxSeq) maxSeq = seq;
      const i = l.indexOf(key);
      const ts = i < 0 ? '' : l.slice(i + key.length, i + key.length + 19);
      if (!DATETIME.test(ts)) continue;
      if (!minTs || ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
    }
    if (maxSeq === 0) return new Set();
    let where = `journal_seq >= ${sqlUInt(minSeq)} AND journal_seq <= ${sqlUInt(maxSeq)}`;
    // toDateTime(): ClickHouse 18.16 fails on a sessions.start compared with a bare string literal.
    if (minTs) where += ` AND ${col} >= toDateTime(${sqlString(minTs)}, 'UTC') AND ${col} <= toDateTime(${sqlString(maxTs)}, 'UTC')`;
    const rows = await this.backend.queryRows<{ journal_seq: string | number; user_id: string | number }>(
      `SELECT journal_seq, user_id FROM ${this.db}.${table} WHERE ${where}`,
    );
    const found = new Set<number>();
    for (const r of rows) {
      const seq = Number(r.journal_seq);
      const user = wanted.get(seq);
      if (user !== undefined && (user === '' || user === String(r.user_id))) found.add(seq);
    }
    return found;
  }

  /**
   * The latest state of every session active since `sinceMs` (sign = 1 after collapsing), for rebuilding the live
   * sessions after an unclean stop, in pages of `pageRows` (keyset order), so that no answer is one unbounded
   * string (a session row can hold ~70 KB of props, JSON-escaped up to six-fold). Sessions that started more than
   * `maxAgeMs` before are not looked at (they bound the partitions read).
   */
  async *activeSessions(sinceMs: number, maxAgeMs = 2 * 24 * 3600_000, pageRows = 200): AsyncGenerator<Array<Record<string, unknown>>> {
    const cols = await dataColumns(this.backend, this.db, 'sessions');
    const at = (ms: number) => `toDateTime(${sqlString(sqlDateTimeText(new Date(ms)))}, 'UTC')`;
    const where = `sign = 1 AND start >= ${at(sinceMs - maxAgeMs)} AND timestamp >= ${at(sinceMs)}`;
    let after = '';
    for (;;) {
      const rows = await this.backend.queryRows<Record<string, unknown>>(
        `SELECT ${cols} FROM ${this.db}.sessions FINAL WHERE ${where}${after} ORDER BY site_id, user_id, session_id LIMIT ${sqlUInt(pageRows)}`,
      );
      if (rows.length > 0) yield rows;
      if (rows.length < pageRows) return;
      const last = rows[rows.length - 1]!;
      const [site, user, session] = [sqlUInt(BigInt(String(last.site_id))), sqlUInt(BigInt(String(last.user_id))), sqlUInt(BigInt(String(last.session_id)))];
      after = ` AND (site_id > ${site} OR (site_id = ${site} AND (user_id > ${user} OR (user_id = ${user} AND session_id > ${session}))))`;
    }
  }

  migrate(): Promise<MigrationReport> {
    return migrate(this.backend, this.db);
  }

  exportRows(table: ExportTable, siteId: number, timezone: string, range?: DateRange): AsyncGenerator<string> {
    return exportRows(this.backend, this.db, table, siteId, timezone, range);
  }

  /** Writes out both buffers (retrying until the deadline), then closes the engine. */
  async close(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    try {
      await Promise.all([this.events.close(deadline), this.sessions.close(deadline)]);
    } finally {
      await this.backend.close();
    }
  }
}
