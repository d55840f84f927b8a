import type { SqlBackend } from './backend.js';
import { nextId, nextVersion } from './repo.js';
import { IMPORTED_TABLES } from './schema.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

/** Where an import's rows came from. */
export type ImportSource = 'events' | 'plausible_csv' | 'umami';
export type ImportStatus = 'importing' | 'completed' | 'failed';

/** One import into a site: its source, the days it covers, its state and how many rows went to each table. */
export interface ImportRow {
  id: number;
  siteId: number;
  source: ImportSource;
  /** What the user imported (a file name, a database and website id). */
  label: string;
  /** SHA-256 of the input (raw events: the file's bytes), so that the same input is not loaded twice. */
  fingerprint: string;
  /** First and last day (YYYY-MM-DD; '' until known). */
  startDate: string;
  endDate: string;
  status: ImportStatus;
  /** Rows stored per table. */
  rows: Record<string, number>;
  error: string;
  createdAt: string;
}

const DATE = /^\d{4}-\d\d-\d\d$/;

/** The imports registry (a state table: each change a new row with a higher version) and the removal of an import's rows. */
export class ImportsRepo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  async list(siteId?: number): Promise<ImportRow[]> {
    const rows = await this.backend.queryRows<Record<string, string | number>>(
      `SELECT id, argMax(site_id, version) AS s, argMax(source, version) AS src, argMax(label, version) AS l, argMax(fingerprint, version) AS f,
              toString(argMax(start_date, version)) AS sd, toString(argMax(end_date, version)) AS ed, argMax(status, version) AS st,
              argMax(rows, version) AS r, argMax(error, version) AS e, toString(argMax(created_at, version)) AS c, argMax(deleted, version) AS del
       FROM ${this.db}.imports GROUP BY id HAVING del = 0${siteId === undefined ? '' : ` AND s = ${sqlUInt(siteId)}`} ORDER BY id`,
    );
    return rows.map((r) => {
      let counts: Record<string, number> = {};
      try {
        counts = JSON.parse(String(r.r)) as Record<string, number>;
      } catch {
        /* an empty count */
      }
      const day = (v: unknown) => (String(v) === '1970-01-01' || String(v) === '0000-00-00' ? '' : String(v));
      return {
        id: Number(r.id),
        siteId: Number(r.s),
        source: String(r.src) as ImportSource,
        label: String(r.l),
        fingerprint: String(r.f),
        startDate: day(r.sd),
        endDate: day(r.ed),
        status: String(r.st) as ImportStatus,
        rows: counts,
        error: String(r.e),
        createdAt: String(r.c),
      };
    });
  }

  async write(imp: Omit<ImportRow, 'id' | 'createdAt'> & { id?: number; createdAt?: string }, deleted = false): Promise<ImportRow> {
    const row: ImportRow = { ...imp, id: imp.id || (await nextId(this.backend, `${this.db}.imports`)), createdAt: imp.createdAt ?? sqlDateTimeText(new Date()) };
    const date = (d: string) => (DATE.test(d) ? `toDate(${sqlString(d)})` : `toDate(0)`);
    await this.backend.command(
      `INSERT INTO ${this.db}.imports (id, site_id, source, label, fingerprint, start_date, end_date, status, rows, error, created_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlUInt(row.siteId)}, ${sqlString(row.source)}, ${sqlString(row.label)}, ${sqlString(row.fingerprint)}, ${date(row.startDate)}, ${date(row.endDate)}, ${sqlString(row.status)}, ${sqlString(JSON.stringify(row.rows))}, ${sqlString(row.error)}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }

  /**
   * Removes every row an import stored (raw events and sessions, or imported aggregates). A mutation: the rows
   * disappear from answers when it has run (the call waits for it on both backends).
   */
  async deleteRows(siteId: number, importId: number): Promise<void> {
    const where = `site_id = ${sqlUInt(siteId)} AND import_id = ${sqlUInt(importId)}`;
    for (const t of ['events', 'sessions', ...IMPORTED_TABLES.map((x) => x.name)]) {
      const n = await this.backend.queryRows<{ c: string | number }>(`SELECT count() AS c FROM ${this.db}.${t} WHERE ${where}`);
      if (Number(n[0]?.c ?? 0) === 0) continue;
      await this.backend.command(`ALTER TABLE ${this.db}.${t} DELETE WHERE ${where}`);
      await this.waitMutations(t);
    }
  }

  /** Waits until the table's mutations have run (ClickHouse 18.16 has no `mutations_sync`). */
  private async waitMutations(table: string): Promise<void> {
    const db = this.db.replace(/`/g, '');
    for (let i = 0; i < 600; i++) {
      const r = await this.backend.queryRows<{ c: string | number }>(
        `SELECT count() AS c FROM system.mutations WHERE database = ${sqlString(db)} AND table = ${sqlString(table)} AND is_done = 0`,
      );
      if (Number(r[0]?.c ?? 0) === 0) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`the removal of rows from ${table} has not finished after 60 s`);
  }

  /** Rows per table of one import (what is stored now). */
  async countRows(siteId: number, importId: number, tables: readonly string[]): Promise<Record<string, number>> {
    const where = `site_id = ${sqlUInt(siteId)} AND import_id = ${sqlUInt(importId)}`;
    const out: Record<string, number> = {};
    for (const t of tables) {
      const n = await this.backend.queryRows<{ c: string | number }>(`SELECT count() AS c FROM ${this.db}.${t} WHERE ${where}`);
      out[t] = Number(n[0]?.c ?? 0);
    }
    return out;
  }
}
