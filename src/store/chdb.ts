import fs from 'node:fs';
import os from 'node:os';
import { Session } from 'chdb';
import type { SqlBackend } from './backend.js';
import { corruptionError, DiskWatch, emptyParts, PARTS_SQL, spaceError, type PartRow } from './chdb-parts.js';
import type { Logger } from '../util/log.js';
import { sqlString } from './sql.js';

import { StoreLockedError } from './store-locked.js';

export { StoreLockedError };

/**
 * An insert that reported success wrote its rows into a part the full disk left empty; the engine was opened again
 * (which detaches that part), so the rows are not stored: insert them again. Transient by its code.
 */
export class InsertLostError extends Error {
  readonly code = 'FOOTFALL_INSERT_LOST';
}

export interface ChdbOptions {
  /** The engine's memory bound (see `open`). */
  maxMemoryBytes?: number;
  /** Connections for reads. */
  readers?: number;
  /** For the repairs of parts a full disk broke. */
  log?: Logger;
  /** Free bytes under which the disk counts as short of space (default 256 MiB, or 2 % of the disk if more). */
  lowSpaceBytes?: number;
  /** Runs after each insert's success, before the look for broken parts: for tests that break a part there. */
  afterInsert?: (table: string) => Promise<void>;
}

/**
 * The embedded engine: ClickHouse inside this process through chdb, data in one directory.
 * chdb locks the directory, so exactly one process opens it (the server, or the CLI when no server runs).
 * All calls are the async ones, which run off the event loop and never block it.
 *
 * One chdb connection runs one statement at a time, so the store keeps several on the same directory (they share
 * the one embedded engine and its data): inserts and other writes go through the first, reads go to whichever
 * reader has the fewest statements waiting. A dashboard's dozen queries then use every core instead of queueing
 * one behind the other, and an insert never waits behind a long read (nor a read behind an insert).
 */
export class ChdbBackend implements SqlBackend {
  readonly kind = 'chdb';
  /** [0] is the writer; the rest are readers. Empty once closed. */
  private sessions: Session[];
  /** Statements sent and not yet settled, per connection. */
  private readonly pending: number[];
  /** While the engine is opened again, statements wait for this. */
  private gate: Promise<void> | null = null;
  /** The repair running now (one at a time; callers share it). */
  private repairing: Promise<number> | null = null;
  private closed = false;
  private readonly disk: DiskWatch;
  private readonly log: Logger | undefined;
  /** Times the engine was opened again to drop parts a full disk broke. */
  repairs = 0;
  private readonly watchTimer: NodeJS.Timeout;
  private lastConnectAttempt = 0;
  /** Connections to open when opening again failed (0: none lost). */
  private lostSize = 0;

  private constructor(
    sessions: Session[],
    private readonly dir: string,
    private readonly connectionArgs: string[],
    private readonly opts: ChdbOptions,
  ) {
    this.sessions = sessions;
    this.pending = sessions.map(() => 0);
    this.log = opts.log;
    this.disk = new DiskWatch(dir, opts.lowSpaceBytes);
    // Merges break parts too, between inserts: while the disk is short, look every few seconds (a merge's parts
    // stay on disk for minutes after it, so opening again within that time loses nothing).
    this.watchTimer = setInterval(() => {
      void (async () => {
        if (!this.repairing && (await this.disk.troubled())) await this.repair();
      })().catch((err) => this.log?.warn('store: the look for broken parts failed', { err }));
    }, WATCH_MS);
    this.watchTimer.unref();
  }

  /**
   * Opens (creating) the store in `dir`. `maxMemoryBytes` bounds the engine's own memory (its server-wide limit;
   * a query gets at most 3/4 of it and spills GROUP BY to disk beyond 3/8; the mark cache is 64 MiB), so that
   * merges, inserts and queries cannot grow the process without bound. `readers`: connections for reads (the
   * default is the number of cores, at least 2 and at most 4).
   */
  static open(dir: string, opts: ChdbOptions = {}): ChdbBackend {
    const { maxMemoryBytes = 512 * 1024 * 1024, readers = defaultReaders() } = opts;
    fs.mkdirSync(dir, { recursive: true });
    const mem = Math.max(64 * 1024 * 1024, Math.floor(maxMemoryBytes));
    // Quote 64-bit integers in JSON output so ids survive JavaScript's doubles (the ClickHouse server backend
    // sets the same setting per query). Every connection gets the same arguments: the JSON settings are per
    // connection, the memory limits and caches belong to the shared engine.
    const connectionArgs = [
      '--output_format_json_quote_64bit_integers=1',
      '--output_format_json_escape_forward_slashes=0',
      `--max_server_memory_usage=${mem}`,
      `--max_memory_usage=${Math.floor((mem * 3) / 4)}`,
      `--max_bytes_before_external_group_by=${Math.floor((mem * 3) / 8)}`,
      '--mark_cache_size=67108864',
    ];
    const sessions = connect(dir, connectionArgs, 1 + Math.max(1, Math.floor(readers)));
    return new ChdbBackend(sessions, dir, connectionArgs, opts);
  }

  /** Statements in flight per connection, the writer's first (for metrics and tests). */
  inFlight(): number[] {
    return this.sessions.length ? [...this.pending] : [];
  }

  /** Runs `fn` on connection `i` (`-1`: the reader with the fewest statements in flight), counting it as busy. */
  private async on<T>(i: number, fn: (s: Session) => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    if (this.sessions.length === 0 && !this.closed && this.lostSize > 0 && Date.now() - this.lastConnectAttempt >= 1000) {
      // opening again failed earlier (a full disk): try once a second, on demand
      this.lastConnectAttempt = Date.now();
      try {
        this.sessions = connect(this.dir, this.connectionArgs, this.lostSize);
        this.lostSize = 0;
        this.log?.info('store: engine open again');
      } catch (err) {
        this.log?.error('store: cannot open the engine again', { err });
      }
    }
    if (this.sessions.length === 0) throw new Error('store is closed');
    if (i < 0) {
      i = 1;
      for (let j = 2; j < this.sessions.length; j++) if (this.pending[j]! < this.pending[i]!) i = j;
    }
    this.pending[i]!++;
    try {
      return await fn(this.sessions[i]!);
    } finally {
      this.pending[i]!--;
    }
  }

  async command(sql: string): Promise<void> {
    await this.on(0, (s) => s.queryAsync(sql));
  }

  /** A read on the least busy reader, as JSONEachRow text, without the repair on failure. */
  private readText(sql: string): Promise<string> {
    return this.on(-1, async (s) => (await s.queryAsync(sql, { format: 'JSONEachRow' })).text());
  }

  async queryText(sql: string): Promise<string> {
    const run = () => this.readText(sql);
    try {
      return await run();
    } catch (err) {
      // A part the full disk broke fails every read of its table until it is dropped: drop it, then read again.
      if (corruptionError(err) && (await this.repair()) > 0) return run();
      throw err;
    }
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    return parseRows<T>(await this.queryText(sql));
  }

  /**
   * While the disk is short of space, each insert is followed by a look for parts committed empty. Any is dropped by
   * opening the engine again; if one of them holds this insert's rows, InsertLostError asks for them again.
   */
  async insertJSONEachRow(table: string, payload: Buffer): Promise<void> {
    const troubled = await this.disk.troubled();
    const before = troubled ? await this.level0Parts(table) : null;
    try {
      await this.on(0, (s) => s.insert({ table, values: payload, format: 'JSONEachRow' }));
    } catch (err) {
      if (spaceError(err)) this.disk.note();
      throw err;
    }
    await this.opts.afterInsert?.(table);
    if (!troubled && !(await this.disk.troubled())) return;
    const broken = await this.brokenParts();
    if (broken.length === 0) return;
    const [db, tbl] = splitTable(table);
    // this insert's part: a new level-0 part of its table (merges make higher levels); unknown before: any
    const mine = broken.filter((p) => p.database === db && p.table === tbl && Number(p.level) === 0 && !before?.has(p.name));
    await this.repair(broken);
    if (mine.length > 0) throw new InsertLostError(`the insert into ${table} went into a part the full disk left empty (${mine.map((p) => p.name).join(', ')}); it is dropped, insert again`);
  }

  /** Names of the level-0 parts of `table` (all states), for telling which part an insert makes. */
  private async level0Parts(table: string): Promise<Set<string>> {
    const [db, tbl] = splitTable(table);
    const rows = await this.queryRowsRaw<{ name: string }>(`SELECT name FROM system.parts WHERE database = ${sqlString(db)} AND table = ${sqlString(tbl)} AND level = 0`);
    return new Set(rows.map((r) => r.name));
  }

  /** Parts committed empty (all states: an outdated one may come back when the engine opens again). */
  async brokenParts(): Promise<PartRow[]> {
    return emptyParts(await this.queryRowsRaw<PartRow>(PARTS_SQL));
  }

  /**
   * Looks for parts the full disk broke (or takes `found`) and, if any, opens the engine again, which detaches them
   * and brings back what they merged. Returns how many it found. Concurrent callers share one repair.
   */
  async repair(found?: PartRow[]): Promise<number> {
    if (this.repairing) return this.repairing;
    const run = async (): Promise<number> => {
      const broken = found ?? (await this.brokenParts());
      if (broken.length === 0 || this.closed) return 0;
      this.log?.error('store: parts left empty by a full disk; opening the engine again to drop them', {
        parts: broken.map((p) => `${p.database}.${p.table}/${p.name}${Number(p.active) ? '' : ' (outdated)'}`),
      });
      await this.reopen();
      this.repairs++;
      const left = await this.brokenParts().catch(() => []);
      const active = left.filter((p) => Number(p.active));
      if (active.length > 0) this.log?.error('store: broken parts remain after opening again', { parts: active.map((p) => `${p.database}.${p.table}/${p.name}`) });
      else this.log?.info('store: broken parts dropped', { repairs: this.repairs });
      return broken.length;
    };
    this.repairing = run().finally(() => (this.repairing = null));
    return this.repairing;
  }

  /** Closes every connection once the statements in flight settled, and opens them again; statements wait meanwhile. */
  private async reopen(): Promise<void> {
    let release!: () => void;
    while (this.gate) await this.gate;
    this.gate = new Promise((r) => (release = r));
    try {
      while (this.pending.some((n) => n > 0)) await new Promise((r) => setTimeout(r, 5));
      const n = this.sessions.length;
      for (const s of this.sessions.reverse()) s.close();
      this.sessions = [];
      try {
        this.sessions = connect(this.dir, this.connectionArgs, n);
      } catch (err) {
        // (a full disk, say) statements fail as "store is closed" (transient) and try to open it, once a second
        this.lostSize = n;
        this.lastConnectAttempt = Date.now();
        this.log?.error('store: cannot open the engine again; will retry', { err });
        throw err;
      }
    } finally {
      this.gate = null;
      release();
    }
  }

  /** queryRows without the repair-on-read (the repair itself reads system.parts). */
  private async queryRowsRaw<T>(sql: string): Promise<T[]> {
    return parseRows<T>(await this.readText(sql));
  }

  async ping(): Promise<void> {
    await this.on(0, (s) => s.queryAsync('SELECT 1'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchTimer);
    while (this.gate) await this.gate;
    const all = this.sessions;
    this.sessions = [];
    // readers first: the writer's connection was opened first
    for (const s of all.reverse()) s.close();
  }
}

/** JSONEachRow text as its rows. */
function parseRows<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as T);
  return rows;
}

/** How often the disk is looked at (and, while short of space, the parts). */
const WATCH_MS = 5000;

/** Opens `n` connections to the engine in `dir` (the first one starts it). */
function connect(dir: string, connectionArgs: string[], n: number): Session[] {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < n; i++) sessions.push(new Session(dir, { connectionArgs }));
    return sessions;
  } catch (err) {
    for (const s of sessions.reverse()) s.close();
    const msg = err instanceof Error ? err.message : String(err);
    if (/Cannot lock file|already running/i.test(msg) || heldByOtherProcess(dir)) {
      throw new StoreLockedError(`the store in ${dir} is in use by another process (is the server running?)`);
    }
    throw err;
  }
}

/** "db.table" (identifiers possibly backquoted) as its two names. */
function splitTable(table: string): [string, string] {
  const [db = '', tbl = ''] = table.split('.').map((x) => x.replace(/^`|`$/g, ''));
  return tbl ? [db, tbl] : ['default', db];
}

/**
 * Whether another live process holds the store: the engine keeps its process id in `<dir>/status` while it runs
 * (chdb's error then only says that no connection could be made; the engine's reason goes to stderr).
 */
function heldByOtherProcess(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(/^PID: (\d+)$/m.exec(fs.readFileSync(`${dir}/status`, 'utf8'))?.[1]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function defaultReaders(): number {
  return Math.min(4, Math.max(2, os.availableParallelism()));
}
