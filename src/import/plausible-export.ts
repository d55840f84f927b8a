import { Zip, ZipPassThrough } from 'fflate';
import type { Site } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { sqlString, sqlUInt } from '../store/sql.js';

/**
 * A site's native data as Plausible's CSV export: a zip (stored, not compressed) of the ten
 * `imported_<table>_<first>_<last>.csv` files, CSVWithNames, one row per local date and dimension values, with the
 * columns in the order Plausible's exporter writes them. Plausible CE and `footfall import plausible` read it.
 */

const GOALS_WITH_URL = ['Outbound Link: Click', 'Cloaked Link: Click', 'File Download'];
const GOALS_WITH_PATH = ['404', 'WP Form Completions'];

interface ExportQuery {
  table: string;
  columns: string[];
  sql: (w: Where) => string;
}

interface Where {
  db: string;
  site: string;
  tz: string;
}

const sessionMetrics = 'uniq(user_id) AS visitors, sum(sign) AS visits, sum(sign * duration) AS visit_duration, sum(sign * is_bounce) AS bounces, sum(sign * pageviews) AS pageviews';
const sessionsBy = (w: Where, dims: string, where = '') =>
  `SELECT toDate(timestamp, ${w.tz}) AS date, ${dims}, ${sessionMetrics} FROM ${w.db}.sessions WHERE site_id = ${w.site}${where} GROUP BY date, ${dims.split(',').map((d) => d.trim().split(' AS ').pop()).join(', ')} HAVING visits > 0 ORDER BY date`;

const QUERIES: ExportQuery[] = [
  {
    table: 'imported_visitors',
    columns: ['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'],
    // visitors and pageviews from the day's events, visits, bounces and durations from the sessions ending that day
    // (subqueries with aliases, as recent ClickHouse requires, but no qualified names, which 18.16 does not resolve)
    sql: (w) => `SELECT date, e_visitors AS visitors, e_pageviews AS pageviews, s_bounces AS bounces, s_visits AS visits, s_duration AS visit_duration
      FROM (SELECT toDate(timestamp, ${w.tz}) AS date, uniq(user_id) AS e_visitors, countIf(name = 'pageview') AS e_pageviews FROM ${w.db}.events WHERE site_id = ${w.site} AND name != 'engagement' GROUP BY date) AS e
      ANY LEFT JOIN (SELECT toDate(timestamp, ${w.tz}) AS date, sum(sign) AS s_visits, sum(sign * is_bounce) AS s_bounces, sum(sign * duration) AS s_duration FROM ${w.db}.sessions WHERE site_id = ${w.site} GROUP BY date) AS s USING (date)
      ORDER BY date`,
  },
  {
    table: 'imported_sources',
    columns: ['date', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'pageviews', 'visitors', 'visits', 'visit_duration', 'bounces'],
    sql: (w) => sessionsBy(w, 'referrer_source AS source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term'),
  },
  {
    table: 'imported_pages',
    columns: ['date', 'hostname', 'page', 'visits', 'visitors', 'pageviews', 'total_scroll_depth', 'total_scroll_depth_visits', 'total_time_on_page', 'total_time_on_page_visits'],
    sql: (w) => `SELECT date, hostname, page, p_visits AS visits, p_visitors AS visitors, p_pageviews AS pageviews,
        e_sd AS total_scroll_depth, e_sd_visits AS total_scroll_depth_visits, e_top AS total_time_on_page, e_top_visits AS total_time_on_page_visits
      FROM (SELECT toDate(timestamp, ${w.tz}) AS date, pathname AS page, any(hostname) AS hostname, uniq(session_id) AS p_visits, uniq(user_id) AS p_visitors, count() AS p_pageviews
            FROM ${w.db}.events WHERE site_id = ${w.site} AND name = 'pageview' GROUP BY date, page) AS p
      ANY LEFT JOIN (SELECT date, page, sum(msd) AS e_sd, countIf(msd > 0) AS e_sd_visits, toUInt64(round(sum(et) / 1000)) AS e_top, countIf(et > 0) AS e_top_visits
            FROM (SELECT toDate(timestamp, ${w.tz}) AS date, pathname AS page, session_id, max(scroll_depth) AS msd, sum(engagement_time) AS et
                  FROM ${w.db}.events WHERE site_id = ${w.site} AND name = 'engagement' GROUP BY date, page, session_id)
            GROUP BY date, page) AS e USING (date, page)
      ORDER BY date, page`,
  },
  {
    table: 'imported_entry_pages',
    columns: ['date', 'entry_page', 'visitors', 'entrances', 'visit_duration', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'entry_page').replace('sum(sign) AS visits', 'sum(sign) AS entrances').replace('HAVING visits > 0', 'HAVING entrances > 0'),
  },
  {
    table: 'imported_exit_pages',
    columns: ['date', 'exit_page', 'visitors', 'visit_duration', 'exits', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'exit_page').replace('sum(sign) AS visits', 'sum(sign) AS exits').replace('HAVING visits > 0', 'HAVING exits > 0'),
  },
  {
    table: 'imported_custom_events',
    columns: ['date', 'name', 'link_url', 'path', 'visitors', 'events'],
    sql: (w) => {
      const prop = (key: string, goals: string[]) => `if(name IN (${goals.map(sqlString).join(', ')}) AND has(meta.key, '${key}'), meta.value[indexOf(meta.key, '${key}')], '')`;
      return `SELECT toDate(timestamp, ${w.tz}) AS date, name, ${prop('url', GOALS_WITH_URL)} AS link_url, ${prop('path', GOALS_WITH_PATH)} AS path, uniq(user_id) AS visitors, count() AS events
        FROM ${w.db}.events WHERE site_id = ${w.site} AND name != 'pageview' GROUP BY date, name, link_url, path ORDER BY date, name`;
    },
  },
  {
    table: 'imported_locations',
    columns: ['date', 'country', 'region', 'city', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'country_code AS country, subdivision1_code AS region, city_geoname_id AS city', " AND country_code NOT IN ('', 'ZZ')"),
  },
  {
    table: 'imported_devices',
    columns: ['date', 'device', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'screen_size AS device'),
  },
  {
    table: 'imported_browsers',
    columns: ['date', 'browser', 'browser_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'browser, browser_version'),
  },
  {
    table: 'imported_operating_systems',
    columns: ['date', 'operating_system', 'operating_system_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'],
    sql: (w) => sessionsBy(w, 'operating_system, operating_system_version'),
  },
];

/** One CSV cell as ClickHouse's CSVWithNames writes it: numbers bare, text and dates in double quotes. */
function csvCell(v: unknown, numeric: boolean): string {
  if (numeric) return String(v ?? 0);
  return `"${String(v ?? '').replace(/"/g, '""')}"`;
}

const TEXT = new Set(['date', 'hostname', 'page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'entry_page', 'exit_page', 'name', 'link_url', 'path', 'country', 'region', 'device', 'browser', 'browser_version', 'operating_system', 'operating_system_version']);

/** The zip name Plausible gives an export: the domain with `_` for `.`, the date (YYYYMMDD), `.zip`. */
export function exportFileName(site: Site, now = Date.now()): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: site.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now).replace(/-/g, '');
  return `${site.domain.replace(/\./g, '_')}_${day}.zip`;
}

export class NoDataError extends Error {}

/**
 * Writes the export of `site` as zip bytes to `write` (awaited: the caller's backpressure). Refused with NoDataError
 * when the site has no events (as Plausible refuses).
 */
export async function exportPlausible(store: Store, site: Site, write: (chunk: Uint8Array) => Promise<void>): Promise<{ files: Record<string, number> }> {
  const w: Where = { db: store.db, site: sqlUInt(site.id), tz: sqlString(site.timezone) };
  await Promise.allSettled([store.events.flush(), store.sessions.flush()]);
  const [range] = await store.backend.queryRows<{ a: string; b: string; n: string }>(
    `SELECT toString(toDate(min(timestamp), ${w.tz})) AS a, toString(toDate(max(timestamp), ${w.tz})) AS b, count() AS n FROM ${w.db}.events WHERE site_id = ${w.site}`,
  );
  if (!range || Number(range.n) === 0) throw new NoDataError(`${site.domain} has no events to export`);
  const suffix = `${range.a.replace(/-/g, '')}_${range.b.replace(/-/g, '')}`;
  // fflate's zip is push-based: its output is collected and written between files (a file's CSV at a time)
  const out: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failed = err;
    else out.push(data);
  });
  const drain = async () => {
    while (out.length) await write(out.shift()!);
    if (failed) throw failed;
  };
  const files: Record<string, number> = {};
  for (const q of QUERIES) {
    const rows = await store.backend.queryRows<Record<string, unknown>>(q.sql(w));
    const entry = new ZipPassThrough(`${q.table}_${suffix}.csv`);
    zip.add(entry);
    entry.push(new TextEncoder().encode(q.columns.map((c) => `"${c}"`).join(',') + '\n'));
    const enc = new TextEncoder();
    for (let i = 0; i < rows.length; i += 10_000) {
      const text = rows
        .slice(i, i + 10_000)
        .map((r) => q.columns.map((c) => csvCell(r[c], !TEXT.has(c))).join(',') + '\n')
        .join('');
      entry.push(enc.encode(text));
      await drain();
    }
    entry.push(new Uint8Array(0), true);
    files[q.table] = rows.length;
    await drain();
  }
  zip.end();
  await drain();
  return { files };
}
