import type { Logger } from '../util/log.js';
import type { SqlBackend } from './backend.js';
import { WriteBuffer } from './buffer.js';
import { exportRows, type DateRange, type ExportTable } from './export.js';
import { migrate, type MigrationReport } from './migrate.js';
import { Repo } from './repo.js';
import { sqlIdent } from './sql.js';

export interface StoreOptions {
  db: string;
  flushRows: number;
  flushIntervalMs: number;
  bufferMaxRows: number;
  log: Logger;
  onInsert?: (table: string, seconds: number, rows: number) => void;
}

/**
 * The storage side of Footfall, whatever the engine: schema migrations, the write buffers of the
 * analytics tables, the state tables (sites, keys) and export.
 */
export class Store {
  readonly repo: Repo;
  readonly events: WriteBuffer;
  readonly sessions: WriteBuffer;
  readonly db: string;

  constructor(readonly backend: SqlBackend, private readonly opts: StoreOptions) {
    this.db = sqlIdent(opts.db);
    this.repo = new Repo(backend, this.db);
    const buffer = (table: string): WriteBuffer =>
      new WriteBuffer({
        name: table,
        flushRows: opts.flushRows,
        intervalMs: opts.flushIntervalMs,
        maxRows: opts.bufferMaxRows,
        log: opts.log,
        onInsert: (seconds, rows) => opts.onInsert?.(table, seconds, rows),
        sink: (payload) => backend.insertJSONEachRow(`${this.db}.${table}`, payload),
      });
    this.events = buffer('events');
    this.sessions = buffer('sessions');
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
