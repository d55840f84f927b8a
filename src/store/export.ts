import type { SqlBackend } from './backend.js';
import { sqlIdent, sqlString, sqlUInt } from './sql.js';

export type ExportTable = 'events' | 'sessions';

export interface DateRange {
  from: string; // YYYY-MM-DD, inclusive, in the site's time zone
  to: string; // YYYY-MM-DD, inclusive
}

/** Parses `YYYY-MM-DD,YYYY-MM-DD`; returns an error message for anything else. */
export function parseDateRange(raw: string): DateRange | string {
  const m = /^(\d{4}-\d{2}-\d{2}),(\d{4}-\d{2}-\d{2})$/.exec(raw.trim());
  if (!m) return 'date_range must be two dates as YYYY-MM-DD,YYYY-MM-DD';
  const [from, to] = [m[1]!, m[2]!];
  for (const d of [from, to]) {
    const t = new Date(d + 'T00:00:00Z');
    if (Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== d) return `date_range has an invalid date: ${d}`;
  }
  if (from > to) return 'date_range must start on or before its end';
  return { from, to };
}

const PAGE_ROWS = 50_000;

/** Every stored column of a table but the journal's bookkeeping one, in table order, quoted for a SELECT. */
export async function dataColumns(backend: SqlBackend, db: string, table: ExportTable): Promise<string> {
  const described = await backend.queryRows<{ name: string }>(`DESCRIBE TABLE ${sqlIdent(db)}.${table}`);
  return described
    .map((c) => c.name)
    .filter((n) => n !== 'journal_seq')
    .map((n) => '`' + n.replace(/[`\\]/g, (ch) => '\\' + ch) + '`')
    .join(', ');
}

/**
 * Streams every stored row of one site as JSONEachRow text, page by page, oldest first. Pages are disjoint
 * hour ranges sized from a count per hour, so memory stays bounded by one page and no row is repeated or
 * skipped (ORDER BY ties never cross a page). Sessions are exported collapsed: the latest state of each.
 */
export async function* exportRows(
  backend: SqlBackend,
  db: string,
  table: ExportTable,
  siteId: number,
  timezone: string,
  range?: DateRange,
): AsyncGenerator<string> {
  const d = sqlIdent(db);
  const from = table === 'events' ? `${d}.events` : `${d}.sessions FINAL`;
  const ts = table === 'events' ? 'timestamp' : 'start';
  let where = `site_id = ${sqlUInt(siteId)}`;
  if (table === 'sessions') where += ' AND sign = 1';
  if (range) {
    const tz = sqlString(timezone);
    where += ` AND toDate(${ts}, ${tz}) >= toDate(${sqlString(range.from)}) AND toDate(${ts}, ${tz}) <= toDate(${sqlString(range.to)})`;
  }
  const columns = await dataColumns(backend, d, table);
  const hours = await backend.queryRows<{ h: string; c: string | number }>(
    `SELECT toUnixTimestamp(toStartOfHour(${ts})) AS h, count() AS c FROM ${from} WHERE ${where} GROUP BY h ORDER BY h`,
  );
  let i = 0;
  while (i < hours.length) {
    const start = Number(hours[i]!.h);
    let rows = 0;
    let end = start;
    while (i < hours.length && (rows === 0 || rows + Number(hours[i]!.c) <= PAGE_ROWS)) {
      rows += Number(hours[i]!.c);
      end = Number(hours[i]!.h) + 3600;
      i++;
    }
    const text = await backend.queryText(
      `SELECT ${columns} FROM ${from} WHERE ${where} AND ${ts} >= toDateTime(${start}, 'UTC') AND ${ts} < toDateTime(${end}, 'UTC') ORDER BY ${ts}`,
    );
    if (text) yield text.endsWith('\n') ? text : text + '\n';
  }
}
