import type { SqlBackend } from './backend.js';
import { nextId, nextVersion } from './repo.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

export interface SegmentRow {
  id: number;
  siteId: number;
  /** The user who made it. */
  ownerId: number;
  /** `personal` (its owner's only) or `site` (every member of the site's team, and its shared links). */
  type: 'personal' | 'site';
  name: string;
  /** The Stats API v2 filter list, as JSON text. */
  filters: string;
  createdAt: string;
  updatedAt: string;
}

/** Saved segments in the store's state tables (each change a new row with a higher version; reads take the newest). */
export class SegmentsRepo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  async list(): Promise<SegmentRow[]> {
    const rows = await this.backend.queryRows<Record<string, string | number>>(
      `SELECT id, argMax(site_id, version) AS s, argMax(owner_id, version) AS o, argMax(type, version) AS t, argMax(name, version) AS n,
              argMax(filters, version) AS f, argMax(created_at, version) AS c, argMax(updated_at, version) AS u, argMax(deleted, version) AS del
       FROM ${this.db}.segments GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      siteId: Number(r.s),
      ownerId: Number(r.o),
      type: r.t === 'site' ? 'site' : 'personal',
      name: String(r.n),
      filters: String(r.f),
      createdAt: String(r.c),
      updatedAt: String(r.u),
    }));
  }

  async write(seg: Omit<SegmentRow, 'id' | 'createdAt' | 'updatedAt'> & { id?: number; createdAt?: string }, deleted: boolean): Promise<SegmentRow> {
    const now = sqlDateTimeText(new Date());
    const row: SegmentRow = { ...seg, id: seg.id || (await nextId(this.backend, `${this.db}.segments`)), createdAt: seg.createdAt ?? now, updatedAt: now };
    await this.backend.command(
      `INSERT INTO ${this.db}.segments (id, site_id, owner_id, type, name, filters, created_at, updated_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlUInt(row.siteId)}, ${sqlUInt(row.ownerId)}, ${sqlString(row.type)}, ${sqlString(row.name)}, ${sqlString(row.filters)}, ${sqlString(row.createdAt)}, ${sqlString(row.updatedAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }
}
