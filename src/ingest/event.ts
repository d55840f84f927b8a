import { sqlDateTimeText } from '../store/sql.js';
import type { EventRequest } from './request.js';
import type { UrlInfo } from './url.js';

/** Where the visit came from and what it ran on: columns that events and sessions share. */
export interface VisitFields {
  referrer: string;
  referrer_source: string;
  utm_medium: string;
  utm_source: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  click_id_param: string;
  country_code: string;
  subdivision1_code: string;
  subdivision2_code: string;
  city_geoname_id: number;
  screen_size: string;
  operating_system: string;
  operating_system_version: string;
  browser: string;
  browser_version: string;
}

/** One row of the `events` table, with its stored column names. UInt64 values are decimal strings. */
export interface EventRow extends VisitFields {
  timestamp: string;
  name: string;
  site_id: number;
  user_id: string;
  session_id: string;
  hostname: string;
  pathname: string;
  'meta.key': string[];
  'meta.value': string[];
  /** Decimal64(3), sent as a JSON number (3 decimals, ≤ 15 significant digits: exact). */
  revenue_source_amount: number | null;
  revenue_source_currency: string;
  revenue_reporting_amount: number | null;
  revenue_reporting_currency: string;
  interactive: number;
  scroll_depth: number;
  engagement_time: number;
  tracker_script_version: number;
}

/** Plausible's system goals whose events get the page as a `path` prop when they have none. */
const PATH_PROP_EVENTS = new Set(['404', 'Form: Submission', 'WP Form Completions']);
const MAX_PROPS = 30;

/** The request's props, with `path` = the pathname put first for the events above (so it survives the 30-prop cut). */
export function eventProps(req: EventRequest, pathname: string): ReadonlyArray<readonly [string, string]> {
  if (!PATH_PROP_EVENTS.has(req.name) || req.props.some(([k]) => k === 'path')) return req.props;
  return [['path', pathname] as const, ...req.props].slice(0, MAX_PROPS);
}

/** The row as far as the request and its url determine it; later stages fill in the rest. */
export function baseEventRow(siteId: number, req: EventRequest, url: UrlInfo, now: Date): EventRow {
  const props = eventProps(req, url.pathname);
  return {
    timestamp: sqlDateTimeText(now),
    name: req.name,
    site_id: siteId,
    user_id: '0',
    session_id: '0',
    hostname: url.hostname,
    pathname: url.pathname,
    referrer: '',
    referrer_source: '',
    utm_medium: url.utm_medium,
    utm_source: url.taggedSource,
    utm_campaign: url.utm_campaign,
    utm_content: url.utm_content,
    utm_term: url.utm_term,
    click_id_param: url.click_id_param,
    country_code: '',
    subdivision1_code: '',
    subdivision2_code: '',
    city_geoname_id: 0,
    screen_size: '',
    operating_system: '',
    operating_system_version: '',
    browser: '',
    browser_version: '',
    'meta.key': props.map(([k]) => k),
    'meta.value': props.map(([, v]) => v),
    // No currency conversion: the reporting amount is the amount sent.
    revenue_source_amount: req.revenue ? Number(req.revenue.amount) : null,
    revenue_source_currency: req.revenue?.currency ?? '',
    revenue_reporting_amount: req.revenue ? Number(req.revenue.amount) : null,
    revenue_reporting_currency: req.revenue?.currency ?? '',
    interactive: req.interactive ? 1 : 0,
    scroll_depth: req.scrollDepth ?? 0,
    engagement_time: req.engagementTime ?? 0,
    tracker_script_version: req.trackerVersion,
  };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces unpaired UTF-16 surrogates (valid in JSON, refused by ClickHouse) with U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}

/** Props arrays at least this large (characters) are serialized once per request and shared by its rows. */
const LARGE_PROPS_CHARS = 4096;
/** The JSON of the last large props arrays: an event row, its session's +1 row and the -1 row of the previous state
 *  hold the same array objects, so a maximal event pays for its props' escaping once, not three times. */
const recentArrays: Array<[readonly unknown[], string]> = [];

/** Characters a JSON string cannot hold as they are (quote, backslash, controls) and surrogates (maybe lone). */
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;

/** A string as JSON text: most values need no escaping and are quoted as they are; lone surrogates become U+FFFD. */
function stringJson(s: string): string {
  if (!NEEDS_CARE.test(s)) return `"${s}"`;
  return JSON.stringify(SURROGATE.test(s) ? wellFormed(s) : s);
}

function valueJson(v: unknown): string {
  if (typeof v === 'string') return stringJson(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return arrayJson(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? wellFormed(x) : x));
}

function arrayJson(a: readonly unknown[]): string {
  let chars = 0;
  for (const x of a) chars += typeof x === 'string' ? x.length : 8;
  const large = chars >= LARGE_PROPS_CHARS;
  if (large) for (const [arr, json] of recentArrays) if (arr === a) return json;
  let json = '[';
  for (let i = 0; i < a.length; i++) json += (i === 0 ? '' : ',') + valueJson(a[i]);
  json += ']';
  if (large) {
    recentArrays.unshift([a, json]);
    if (recentArrays.length > 4) recentArrays.pop();
  }
  return json;
}

/** `"key":` of each column name seen (column names need no escaping, but they go through JSON once to be sure). */
const keyTexts = new Map<string, string>();

/** A field the stored row does not need: its column's default (every column of events and sessions defaults to
 *  the type's zero: `""`, `0`, `[]`, NULL), which the store fills in for an omitted field. */
function isDefault(v: unknown): boolean {
  return v === '' || v === 0 || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/**
 * One JSONEachRow line, without the fields that hold their column's default (an event row is about half as long,
 * and the store parses less). Lone surrogates would make ClickHouse refuse the whole batch, so they are replaced
 * with U+FFFD. Large props (`meta` or `entry_meta`) are serialized once and reused across the rows of one request.
 */
export function serializeRow(row: object): string {
  const r = row as Record<string, unknown>;
  let out = '';
  for (const k in r) {
    const v = r[k];
    if (isDefault(v)) continue;
    let key = keyTexts.get(k);
    if (key === undefined) {
      key = `${JSON.stringify(k)}:`;
      if (keyTexts.size < 1000) keyTexts.set(k, key);
    }
    out += (out === '' ? '{' : ',') + key + valueJson(v);
  }
  return out === '' ? '{}' : `${out}}`;
}
