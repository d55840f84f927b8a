import type { SqlBackend } from './backend.js';
import { MIGRATIONS, type Migration } from './schema.js';
import { sqlDateTimeText, sqlIdent, sqlString } from './sql.js';

/** The store was written by a newer Footfall: nothing is changed, and the server does not start on it. */
export class SchemaTooNewError extends Error {
  constructor(readonly storeVersion: number, readonly buildVersion: number) {
    super(
      `the store's schema is version ${storeVersion}, newer than this build's (${buildVersion}): it was written by a newer Footfall. ` +
        `Run that version (or a newer one) on it, or restore a backup taken before the upgrade; this build changes nothing in it.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Brings database `db` to the newest schema version: creates the database and the bookkeeping table
 * when missing, then applies, in order, each migration whose version is not recorded yet, recording
 * each one once all its statements succeeded.
 */
export async function migrate(
  backend: SqlBackend,
  db: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  const d = sqlIdent(db);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) throw new Error('migrations must be in increasing version order');
  }
  await backend.command(`CREATE DATABASE IF NOT EXISTS ${d}`);
  await backend.command(
    `CREATE TABLE IF NOT EXISTS ${d}.schema_migrations (version UInt32, name String, applied_at DateTime('UTC')) ENGINE = MergeTree ORDER BY version`,
  );
  const rows = await backend.queryRows<{ version: number | string }>(`SELECT version FROM ${d}.schema_migrations`);
  const done = new Set(rows.map((r) => Number(r.version)));
  const from = done.size ? Math.max(...done) : 0;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  // a newer build's schema: refuse before changing anything (an older build would misread the new tables)
  if (from > latest) throw new SchemaTooNewError(from, latest);
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const stmt of m.up(d)) await backend.command(stmt);
    await backend.command(
      `INSERT INTO ${d}.schema_migrations (version, name, applied_at) VALUES (${m.version}, ${sqlString(m.name)}, ${sqlString(sqlDateTimeText(new Date()))})`,
    );
    applied.push(m.version);
  }
  const to = Math.max(from, ...applied);
  return { from, to, applied };
}
