import fs from 'node:fs';
import os from 'node:os';
import { Session } from 'chdb';
import type { SqlBackend } from './backend.js';

/** Thrown when another process (usually the running server) holds the data directory. */
export class StoreLockedError extends Error {}

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

  private constructor(sessions: Session[]) {
    this.sessions = sessions;
    this.pending = sessions.map(() => 0);
  }

  /**
   * Opens (creating) the store in `dir`. `maxMemoryBytes` bounds the engine's own memory (its server-wide limit;
   * a query gets at most 3/4 of it and spills GROUP BY to disk beyond 3/8; the mark cache is 64 MiB), so that
   * merges, inserts and queries cannot grow the process without bound. `readers`: connections for reads (the
   * default is the number of cores, at least 2 and at most 4).
   */
  static open(dir: string, maxMemoryBytes = 512 * 1024 * 1024, readers = defaultReaders()): ChdbBackend {
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
    const sessions: Session[] = [];
    try {
      for (let i = 0; i < 1 + Math.max(1, Math.floor(readers)); i++) sessions.push(new Session(dir, { connectionArgs }));
      return new ChdbBackend(sessions);
    } catch (err) {
      for (const s of sessions) s.close();
      const msg = err instanceof Error ? err.message : String(err);
      if (/Cannot lock file|already running/i.test(msg) || heldByOtherProcess(dir)) {
        throw new StoreLockedError(`the store in ${dir} is in use by another process (is the server running?)`);
      }
      throw err;
    }
  }

  /** Statements in flight per connection, the writer's first (for metrics and tests). */
  inFlight(): number[] {
    return this.sessions.length ? [...this.pending] : [];
  }

  /** Runs `fn` on connection `i` (`-1`: the reader with the fewest statements in flight), counting it as busy. */
  private async on<T>(i: number, fn: (s: Session) => Promise<T>): Promise<T> {
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

  async queryText(sql: string): Promise<string> {
    return this.on(-1, async (s) => (await s.queryAsync(sql, { format: 'JSONEachRow' })).text());
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    const text = await this.queryText(sql);
    const rows: T[] = [];
    for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as T);
    return rows;
  }

  async insertJSONEachRow(table: string, payload: Buffer): Promise<void> {
    await this.on(0, (s) => s.insert({ table, values: payload, format: 'JSONEachRow' }));
  }

  async ping(): Promise<void> {
    await this.on(0, (s) => s.queryAsync('SELECT 1'));
  }

  async close(): Promise<void> {
    const all = this.sessions;
    this.sessions = [];
    // readers first: the writer's connection was opened first
    for (const s of all.reverse()) s.close();
  }
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
