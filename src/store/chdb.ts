import fs from 'node:fs';
import { Session } from 'chdb';
import type { SqlBackend } from './backend.js';

/** Thrown when another process (usually the running server) holds the data directory. */
export class StoreLockedError extends Error {}

/**
 * The embedded engine: ClickHouse inside this process through chdb, data in one directory.
 * chdb locks the directory, so exactly one process opens it (the server, or the CLI when no server runs).
 * All calls are the async ones, which run on libuv's thread pool and never block the event loop.
 */
export class ChdbBackend implements SqlBackend {
  readonly kind = 'chdb';
  private session: Session | null;

  private constructor(session: Session) {
    this.session = session;
  }

  /**
   * Opens (creating) the store in `dir`. `maxMemoryBytes` bounds the engine's own memory (its server-wide limit;
   * a query gets at most 3/4 of it and spills GROUP BY to disk beyond 3/8; the mark cache is 64 MiB), so that
   * merges, inserts and queries cannot grow the process without bound.
   */
  static open(dir: string, maxMemoryBytes = 512 * 1024 * 1024): ChdbBackend {
    fs.mkdirSync(dir, { recursive: true });
    const mem = Math.max(64 * 1024 * 1024, Math.floor(maxMemoryBytes));
    try {
      // Quote 64-bit integers in JSON output so ids survive JavaScript's doubles (the ClickHouse server backend
      // sets the same setting per query).
      return new ChdbBackend(
        new Session(dir, {
          connectionArgs: [
            '--output_format_json_quote_64bit_integers=1',
            '--output_format_json_escape_forward_slashes=0',
            `--max_server_memory_usage=${mem}`,
            `--max_memory_usage=${Math.floor((mem * 3) / 4)}`,
            `--max_bytes_before_external_group_by=${Math.floor((mem * 3) / 8)}`,
            '--mark_cache_size=67108864',
          ],
        }),
      );
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/Cannot lock file|already running/i.test(msg)) {
        throw new StoreLockedError(`the store in ${dir} is in use by another process (is the server running?)`);
      }
      throw err;
    }
  }

  private s(): Session {
    if (!this.session) throw new Error('store is closed');
    return this.session;
  }

  async command(sql: string): Promise<void> {
    await this.s().queryAsync(sql);
  }

  async queryText(sql: string): Promise<string> {
    const r = await this.s().queryAsync(sql, { format: 'JSONEachRow' });
    return r.text();
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    const text = await this.queryText(sql);
    const rows: T[] = [];
    for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as T);
    return rows;
  }

  async insertJSONEachRow(table: string, payload: Buffer): Promise<void> {
    await this.s().insert({ table, values: payload, format: 'JSONEachRow' });
  }

  async ping(): Promise<void> {
    await this.s().queryAsync('SELECT 1');
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    s?.close();
  }
}
