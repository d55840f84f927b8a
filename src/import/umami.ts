import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import pg from 'pg';
import type { GeoInfo } from '../ingest/geo.js';
import type { GeoLookup } from '../ingest/pipeline.js';
import { EMPTY_UA, type UaInfo } from '../ingest/useragent.js';
import type { UaParser } from './events.js';

/**
 * Umami's history as raw events: `website_event` with its `session` (browser, OS, device, place) and `event_data`
 * (properties), read straight from Umami's PostgreSQL (v2 and v3 schemas) or from the same tables as CSV files
 * (Umami Cloud's export, or `COPY … TO … CSV HEADER`). Each Umami event becomes an import line at its own time;
 * Umami keeps no IP or User-Agent, so the visitor is Umami's session id (hashed with the import's salts like any
 * visitor) and the device and place come from Umami's session instead of being derived.
 */

export class UmamiImportError extends Error {}

/** One Umami event with its session's attributes and its data, as the readers give it. */
export interface UmamiRow {
  event_id: string;
  session_id: string;
  created_at: string;
  url_path: string;
  url_query: string | null;
  referrer_domain: string | null;
  referrer_path: string | null;
  referrer_query: string | null;
  hostname: string | null;
  event_type: number;
  event_name: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  country: string | null;
  region: string | null;
  data: Array<[string, string]>;
}

const BROWSERS: Record<string, string> = {
  chrome: 'Chrome',
  crios: 'Chrome',
  'chromium-webview': 'Mobile App',
  firefox: 'Firefox',
  fxios: 'Firefox',
  safari: 'Safari',
  ios: 'Safari',
  'ios-webview': 'Mobile App',
  'edge-chromium': 'Microsoft Edge',
  edge: 'Microsoft Edge',
  'edge-ios': 'Microsoft Edge',
  opera: 'Opera',
  'opera-mini': 'Opera',
  samsung: 'Samsung Browser',
  yandexbrowser: 'Yandex Browser',
  android: 'Android Browser',
  ie: 'Internet Explorer',
  facebook: 'Mobile App',
  instagram: 'Mobile App',
  miui: 'MIUI Browser',
  silk: 'Amazon Silk',
  brave: 'Brave',
  vivaldi: 'Vivaldi',
};
const DEVICES: Record<string, string> = { desktop: 'Desktop', laptop: 'Laptop', mobile: 'Mobile', tablet: 'Tablet' };

/** Umami's session attributes (detect-browser's names) → what Footfall stores. */
export function umamiUa(browser: string, os: string, device: string): UaInfo {
  const b = BROWSERS[browser.toLowerCase()] ?? (browser ? browser.charAt(0).toUpperCase() + browser.slice(1) : '');
  let osName = os;
  let osVersion = '';
  const win = /^Windows\s+(.+)$/i.exec(os);
  if (win) {
    osName = 'Windows';
    osVersion = win[1]!;
  } else if (/^Mac OS/i.test(os)) osName = 'Mac';
  else if (/^Android/i.test(os)) osName = 'Android';
  else if (/^Linux$/i.test(os)) osName = 'GNU/Linux';
  return { ...EMPTY_UA, browser: b, operating_system: osName, operating_system_version: osVersion, screen_size: DEVICES[device.toLowerCase()] ?? '' };
}

/** The import line of an Umami event (null: a performance sample, which has no Plausible counterpart). */
export function umamiLine(r: UmamiRow, siteDomain: string): Record<string, unknown> | null {
  if (Number(r.event_type) === 5) return null;
  const host = r.hostname || siteDomain;
  const url = `https://${host}${r.url_path.startsWith('/') ? '' : '/'}${r.url_path}${r.url_query ? `?${r.url_query}` : ''}`;
  const referrer = r.referrer_domain ? `https://${r.referrer_domain}${r.referrer_path ?? ''}${r.referrer_query ? `?${r.referrer_query}` : ''}` : '';
  const name = Number(r.event_type) === 2 && r.event_name ? r.event_name : 'pageview';
  // the visitor and its attributes travel in the line's ip and user_agent (read back by the lookups below)
  const place = [r.country ?? '', r.region ?? ''].join('|');
  const device = [r.browser ?? '', r.os ?? '', r.device ?? ''].join('|');
  return { name, url, referrer, props: Object.fromEntries(r.data.slice(0, 30)), timestamp: r.created_at, ip: `umami:${place}`, user_agent: `umami:${r.session_id}|${device}` };
}

/** Device attributes from an Umami line's user_agent. */
export const umamiUaParser: UaParser = {
  resolve(ua: string): UaInfo {
    const [, browser = '', os = '', device = ''] = ua.slice('umami:'.length).split('|');
    return umamiUa(browser, os, device);
  },
};

/** The place from an Umami line's ip. */
export const umamiGeo: GeoLookup = {
  lookup(ip: string): GeoInfo {
    const [country = '', region = ''] = ip.slice('umami:'.length).split('|');
    const cc = /^[A-Z]{2}$/i.test(country) ? country.toUpperCase() : '';
    // region: ISO 3166-2 (`US-CA`) since Umami 2.18; older rows hold the subdivision code alone
    const sub = !cc || !region ? '' : region.includes('-') ? region.toUpperCase() : `${cc}-${region.toUpperCase()}`;
    return { country_code: cc, subdivision1_code: sub, subdivision2_code: '', city_geoname_id: 0 };
  },
};

/** The fingerprint of an Umami website's import (the same website twice stores nothing twice). */
export function umamiFingerprint(website: string): string {
  return createHash('sha256').update(`umami:${website.toLowerCase()}`).digest('hex');
}

/** Umami's events of `website` from its PostgreSQL, oldest first, in pages (keyset on time and event id). */
export async function* fromPostgres(url: string, website: string, pageSize = 5000): AsyncGenerator<UmamiRow> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new UmamiImportError(`cannot connect to ${url.replace(/\/\/[^@/]*@/, '//…@')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const cols = async (table: string) => new Set((await client.query<{ c: string }>('SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1', [table])).rows.map((r) => r.c));
    const ev = await cols('website_event');
    const se = await cols('session');
    if (!ev.has('event_id') || !ev.has('url_path')) throw new UmamiImportError("no Umami website_event table in this database (Umami v2 or v3's schema is expected)");
    const hasData = (await cols('event_data')).has('website_event_id');
    // hostname moved from session to website_event, subdivision1 became region (Umami 2.18)
    const hostname = ev.has('hostname') ? 'e.hostname' : se.has('hostname') ? 's.hostname' : 'NULL';
    const region = se.has('region') ? 's.region' : se.has('subdivision1') ? 's.subdivision1' : 'NULL';
    const sCol = (c: string) => (se.has(c) ? `s.${c}` : 'NULL');
    const data = hasData
      ? `(SELECT coalesce(json_agg(json_build_array(d.data_key, coalesce(d.string_value, trim(trailing '.' from trim(trailing '0' from d.number_value::text)), d.date_value::text))), '[]') FROM event_data d WHERE d.website_event_id = e.event_id)`
      : `'[]'::json`;
    const sql = `SELECT e.event_id::text AS event_id, e.session_id::text AS session_id, e.created_at::text AS ts,
        to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        e.url_path, e.url_query, e.referrer_domain, e.referrer_path, e.referrer_query, ${hostname} AS hostname, e.event_type, e.event_name,
        ${sCol('browser')} AS browser, ${sCol('os')} AS os, ${sCol('device')} AS device, ${sCol('country')} AS country, ${region} AS region, ${data} AS data
      FROM website_event e LEFT JOIN session s ON s.session_id = e.session_id
      WHERE e.website_id = $1 AND (e.created_at, e.event_id) > ($2::timestamptz, $3::uuid)
      ORDER BY e.created_at, e.event_id LIMIT ${pageSize}`;
    let after: [string, string] = ['-infinity', '00000000-0000-0000-0000-000000000000'];
    for (;;) {
      const { rows } = await client.query<UmamiRow & { ts: string; data: Array<[string, unknown]> }>(sql, [website, ...after]);
      for (const r of rows) yield { ...r, data: (r.data ?? []).map(([k, v]) => [String(k), String(v ?? '')] as [string, string]) };
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = [last.ts, last.event_id];
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function* csvRecords(file: string): AsyncGenerator<Record<string, string>> {
  const parser = fs.createReadStream(file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }));
  try {
    for await (const rec of parser as AsyncIterable<Record<string, string>>) yield rec;
  } catch (err) {
    const e = err as { code?: string; lines?: number; message?: string };
    if (e.code && String(e.code).startsWith('CSV_')) throw new UmamiImportError(`${path.basename(file)}: line ${e.lines ?? 0}: not valid CSV (${e.message ?? e.code})`);
    throw err;
  }
}

/** A decimal as Umami shows it: `3.5000` → `3.5`, `10.0000` → `10`. */
function plainNumber(v: string): string {
  return v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
}

/** `COPY`'s and Umami Cloud's timestamps (`2024-05-01 12:00:00.123+00`, or ISO) → ISO 8601. */
function isoTime(v: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(v.trim());
  if (!m) return v;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d\d$/.test(zone)) zone += ':00';
  return `${m[1]}T${m[2]}${zone}`;
}

/**
 * Umami's tables as CSV files in `dir`: website_event.csv (required; in time order, as `COPY (SELECT … ORDER BY
 * created_at)` writes it), session.csv and event_data.csv (optional), with their column names in the header.
 */
export async function* fromCsv(dir: string, website: string): AsyncGenerator<UmamiRow> {
  const file = (name: string) => [path.join(dir, `${name}.csv`)].find((f) => fs.existsSync(f));
  const events = file('website_event');
  if (!events) throw new UmamiImportError(`no website_event.csv in ${dir}`);
  const sessions = new Map<string, Record<string, string>>();
  const sf = file('session');
  if (sf) for await (const s of csvRecords(sf)) if (!s.website_id || s.website_id === website) sessions.set(s.session_id ?? '', s);
  const data = new Map<string, Array<[string, string]>>();
  const df = file('event_data');
  if (df) {
    for await (const d of csvRecords(df)) {
      if (d.website_id && d.website_id !== website) continue;
      const id = d.website_event_id ?? '';
      const v = d.string_value || (d.number_value ? plainNumber(d.number_value) : '') || d.date_value || '';
      const list = data.get(id) ?? [];
      list.push([d.data_key ?? '', v]);
      data.set(id, list);
    }
  }
  for await (const e of csvRecords(events)) {
    if (e.website_id !== website) continue;
    const s = sessions.get(e.session_id ?? '') ?? {};
    yield {
      event_id: e.event_id ?? '',
      session_id: e.session_id ?? '',
      created_at: isoTime(e.created_at ?? ''),
      url_path: e.url_path ?? '/',
      url_query: e.url_query || null,
      referrer_domain: e.referrer_domain || null,
      referrer_path: e.referrer_path || null,
      referrer_query: e.referrer_query || null,
      hostname: e.hostname || s.hostname || null,
      event_type: Number(e.event_type || 1),
      event_name: e.event_name || null,
      // Umami Cloud's website_event.csv carries the session's attributes itself
      browser: e.browser || s.browser || null,
      os: e.os || s.os || null,
      device: e.device || s.device || null,
      country: e.country || s.country || null,
      region: e.region || s.region || s.subdivision1 || null,
      data: data.get(e.event_id ?? '') ?? [],
    };
  }
}
