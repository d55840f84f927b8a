import { memoryError, retrying, EngineBusyError, type SqlBackend } from './backend.js';
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

/** How an export cuts its pages. */
export interface ExportPaging {
  /** Text of one page, aimed at (the rows of a page are chosen from the bytes a row took so far). */
  pageBytes: number;
  /** Rows of one page at most. */
  maxRows: number;
  /** Rows of the first page (before any row's size is known). */
  firstRows: number;
  /** Memory failures of one page, each retried with a quarter of its rows, before the export gives up (503). */
  memoryRetries: number;
}

export const DEFAULT_PAGING: ExportPaging = { pageBytes: 8 * 1024 * 1024, maxRows: 50_000, firstRows: 2_000, memoryRetries: 6 };

/** Every stored column of a table but the journal's bookkeeping one, in table order, quoted for a SELECT. */
export async function dataColumns(backend: SqlBackend, db: string, table: ExportTable): Promise<string> {
  const described = await backend.queryRows<{ name: string }>(`DESCRIBE TABLE ${sqlIdent(db)}.${table}`);
  return described
    .map((c) => c.name)
    .filter((n) => n !== 'journal_seq')
    .map((n) => '`' + n.replace(/[`\\]/g, (ch) => '\\' + ch) + '`')
    .join(', ');
}

/** A position in the export's order (time, then visitor): rows after it come next. */
interface Cursor {
  /** Unix seconds. */
  ts: number;
  user: bigint;
}

/** The sort key of one JSONEachRow line: its time column and user_id. */
function keyOf(line: string, ts: string): Cursor {
  const r = JSON.parse(line) as Record<string, unknown>;
  return { ts: Date.parse(String(r[ts]).replace(' ', 'T') + 'Z') / 1000, user: BigInt(String(r.user_id)) };
}

const sameKey = (a: Cursor, b: Cursor) => a.ts === b.ts && a.user === b.user;

/** Rows of a JSONEachRow text (each ends with "\n"; the last may not). */
function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/**
 * Streams every stored row of one site as JSONEachRow text, page by page, oldest first (by time, then visitor).
 * A page is bounded by rows and by bytes: its rows are chosen from the bytes a row took on the pages before, it
 * reads one window of hours (sized from a count per hour) and, within the window, continues after the last
 * (time, user_id) of the page before, so an hour that holds more than a page is cut within the hour. The rows of
 * the page's last key are moved to a read of their own (one visitor's rows of one second), so that no row is
 * repeated or skipped whatever ties the order has. A page the engine refuses for memory is read again with a
 * quarter of its rows; only a page of one row refused again and again fails, as EngineBusyError.
 * Sessions are exported collapsed: the latest state of each.
 */
export async function* exportRows(
  backend: SqlBackend,
  db: string,
  table: ExportTable,
  siteId: number,
  timezone: string,
  range?: DateRange,
  paging: ExportPaging = DEFAULT_PAGING,
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
  /**
   * A statement that cannot be made smaller, retried a few times while the engine is short of memory (its bound is
   * shared with merges and inserts, which finish), then EngineBusyError.
   */
  const whenMemory = <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    let failures = 0;
    return retrying(
      fn,
      (err) => memoryError(err) && ++failures <= paging.memoryRetries,
      () => undefined,
      (attempt) => 250 * attempt,
    ).catch((err) => {
      throw memoryError(err) ? new EngineBusyError(`the store has not the memory to export ${what} now`, err) : err;
    });
  };
  const columns = await whenMemory('(reading the columns)', () => dataColumns(backend, d, table));
  const hours = (
    await whenMemory('(counting the rows per hour)', () =>
      backend.queryRows<{ h: string; c: string | number }>(
        `SELECT toUnixTimestamp(toStartOfHour(${ts})) AS h, count() AS c FROM ${from} WHERE ${where} GROUP BY h ORDER BY h`,
      ),
    )
  ).map((r) => ({ h: Number(r.h), c: Number(r.c) }));
  const at = (sec: number) => `toDateTime(${sqlUInt(sec)}, 'UTC')`;
  const select = (cond: string, limit?: number) =>
    `SELECT ${columns} FROM ${from} WHERE ${where} AND ${cond} ORDER BY ${ts}, user_id${limit ? ` LIMIT ${sqlUInt(limit)}` : ''}`;

  let rowsPerPage = Math.max(1, Math.min(paging.firstRows, paging.maxRows));
  /** Reads a page, asking for fewer rows while the engine refuses it for memory. */
  const readPage = async (cond: string): Promise<{ text: string; limit: number }> => {
    for (let failures = 0; ; failures++) {
      try {
        return { text: await backend.queryText(select(cond, rowsPerPage)), limit: rowsPerPage };
      } catch (err) {
        if (!memoryError(err)) throw err;
        if (failures >= paging.memoryRetries) throw new EngineBusyError(`the store has not the memory to export a page of ${rowsPerPage} row(s) now`, err);
        rowsPerPage = Math.max(1, Math.floor(rowsPerPage / 4));
        await new Promise((r) => setTimeout(r, 100 * (failures + 1))); // the bound is shared with merges, which finish
      }
    }
  };
  /** All rows of one key (one visitor's rows of one second). */
  const readKey = (k: Cursor): Promise<string> =>
    whenMemory("one visitor's rows of one second", () => backend.queryText(select(`${ts} = ${at(k.ts)} AND user_id = ${sqlUInt(k.user)}`)));

  let i = 0;
  let cursor: Cursor | null = null;
  while (i < hours.length) {
    // the window: from the cursor (or hour i) through as many whole hours as a page is expected to hold
    let j = i;
    let expected = 0;
    do expected += hours[j++]!.c;
    while (j < hours.length && expected + hours[j]!.c <= rowsPerPage);
    const lo = cursor ? cursor.ts : hours[i]!.h;
    const hi = hours[j - 1]!.h + 3600;
    let cond = `${ts} >= ${at(lo)} AND ${ts} < ${at(hi)}`;
    if (cursor) cond += ` AND (${ts} > ${at(cursor.ts)} OR (${ts} = ${at(cursor.ts)} AND user_id > ${sqlUInt(cursor.user)}))`;
    const { text, limit } = await readPage(cond);
    const rows = countLines(text);
    if (rows < limit) {
      // the window is done
      if (rows > 0) yield text.endsWith('\n') ? text : text + '\n';
      cursor = null;
      i = j;
    } else {
      // more may follow in the window: the page ends before its last key, whose rows are read whole
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      let cut = body.lastIndexOf('\n');
      const last = keyOf(body.slice(cut + 1), ts);
      while (cut >= 0) {
        const prev = body.lastIndexOf('\n', cut - 1);
        if (!sameKey(keyOf(body.slice(prev + 1, cut), ts), last)) break;
        cut = prev;
      }
      if (cut >= 0) yield body.slice(0, cut + 1);
      const tied = await readKey(last);
      if (tied) yield tied.endsWith('\n') ? tied : tied + '\n';
      cursor = last;
      while (i < hours.length && hours[i]!.h + 3600 <= cursor.ts) i++;
    }
    if (rows > 0) {
      // the next page's rows from this page's bytes a row
      const perRow = Math.max(1, text.length / rows);
      const next = Math.floor(paging.pageBytes / perRow);
      rowsPerPage = Math.max(1, Math.min(paging.maxRows, rowsPerPage * 4, next));
    }
  }
}
