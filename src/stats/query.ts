import { RE2JS } from 're2js';
import type { Goal, Site } from '../store/repo.js';
import { addDays, addMonths, daysBetween, isDate, isoInZone, localDate, parseDateTime, startOfMonth, zonedToUtc, type Interval } from './dates.js';
import { goalDisplayName, pagePatternRegex } from './goals.js';

/**
 * Stage 1 of the Stats API: the request body (JSON) → a typed, validated `Query`, with Plausible's error
 * messages. Nothing here touches SQL.
 */

export class QueryError extends Error {}

export const METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'percentage',
  'conversion_rate',
  'group_conversion_rate',
  'scroll_depth',
  'time_on_page',
  'total_revenue',
  'average_revenue',
  'exit_rate',
] as const;
export type Metric = (typeof METRICS)[number];

/** Metrics read from the sessions table only. */
export const SESSION_METRICS: ReadonlySet<Metric> = new Set(['bounce_rate', 'visit_duration', 'views_per_visit']);
/** Metrics read from the events table only. */
export const EVENT_METRICS: ReadonlySet<Metric> = new Set(['events', 'conversion_rate', 'group_conversion_rate', 'scroll_depth', 'time_on_page', 'total_revenue', 'average_revenue']);

export const VISIT_DIMENSIONS = [
  'visit:source',
  'visit:channel',
  'visit:referrer',
  'visit:utm_medium',
  'visit:utm_source',
  'visit:utm_campaign',
  'visit:utm_content',
  'visit:utm_term',
  'visit:device',
  'visit:screen',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:country',
  'visit:region',
  'visit:city',
  'visit:country_name',
  'visit:region_name',
  'visit:city_name',
  'visit:entry_page',
  'visit:exit_page',
  'visit:entry_page_hostname',
  'visit:exit_page_hostname',
] as const;
/** Visit dimensions that only the sessions table has. */
export const SESSION_ONLY_DIMENSIONS: ReadonlySet<string> = new Set(['visit:entry_page', 'visit:exit_page', 'visit:entry_page_hostname', 'visit:exit_page_hostname']);
export const EVENT_DIMENSIONS = ['event:name', 'event:page', 'event:hostname', 'event:goal'] as const;
export const TIME_DIMENSIONS = ['time', 'time:hour', 'time:day', 'time:week', 'time:month'] as const;

export const isEventDimension = (d: string): boolean => d.startsWith('event:');
export const isTimeDimension = (d: string): boolean => d === 'time' || d.startsWith('time:');
export const propKey = (d: string): string | null => (d.startsWith('event:props:') ? d.slice('event:props:'.length) : null);

export function validDimension(d: unknown): d is string {
  if (typeof d !== 'string') return false;
  if ((VISIT_DIMENSIONS as readonly string[]).includes(d) || (EVENT_DIMENSIONS as readonly string[]).includes(d) || (TIME_DIMENSIONS as readonly string[]).includes(d)) return true;
  const k = propKey(d);
  return k !== null && k.length > 0 && k.length <= 300;
}

export type FilterOp = 'is' | 'is_not' | 'contains' | 'contains_not' | 'matches' | 'matches_not';
const OPS: readonly FilterOp[] = ['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not'];

export type Filter =
  | { kind: 'leaf'; op: FilterOp; dim: string; clauses: Array<string | number>; caseSensitive: boolean }
  | { kind: 'and' | 'or'; children: Filter[] }
  | { kind: 'not'; child: Filter }
  | { kind: 'has_done' | 'has_not_done'; child: Filter };

export interface Include {
  imports: boolean;
  time_labels: boolean;
  total_rows: boolean;
  trim_relative_date_range: boolean;
}

export interface Query {
  site: Site;
  goals: Goal[];
  metrics: Metric[];
  /** Dimensions as asked (`time` resolved to its interval). */
  dimensions: string[];
  filters: Filter[];
  /** Raw filters, echoed back. */
  rawFilters: unknown[];
  orderBy: Array<[string, 'asc' | 'desc']>;
  include: Include;
  pagination: { limit: number; offset: number };
  /** The instants `[from, to)`, the range echoed back (inclusive end, site time zone) and, for whole days, the dates. */
  range: DateRange;
  /** `include.comparisons`: the period to compare with (null: none). */
  comparison: Comparison | null;
  /** The time dimension's interval, if any. */
  interval: Interval | null;
  /** Asked through Stats API v1 (see Clock.legacy). */
  legacy?: boolean;
}

export interface DateRange {
  fromMs: number;
  toMs: number;
  echo: [string, string];
  /** The first and last local date, when the range is whole days. */
  days?: [string, string];
}

/** What `include.comparisons` asks: a mode and the range it makes of the query's. */
export interface Comparison {
  mode: 'previous_period' | 'year_over_year' | 'custom';
  matchDayOfWeek: boolean;
  range: DateRange;
}

/** Where the date range's relative forms count from: now, and the site's first day with data (for "all"). */
export interface Clock {
  nowMs: number;
  /** The site's first stats date (`YYYY-MM-DD` in its zone), or null when it has no data. */
  statsStart: string | null;
  /** The dashboard's realtime graph buckets by minute (`time:minute`); the public API does not offer it. */
  minuteBuckets?: boolean;
  /** Stats API v1 (checked by its own rules first): views per visit in a time series. */
  legacy?: boolean;
}

const TOP_KEYS = new Set(['site_id', 'metrics', 'date_range', 'date', 'dimensions', 'filters', 'order_by', 'include', 'pagination']);
const INCLUDE_KEYS = new Set(['imports', 'time_labels', 'total_rows', 'trim_relative_date_range', 'comparisons']);

const fail = (msg: string): never => {
  throw new QueryError(msg);
};

/**
 * Inclusive local dates → the range: from the first day's midnight (its later occurrence when clocks went back over
 * it) to the last day's 23:59:59 (its earlier occurrence), as Plausible bounds a day.
 */
function dateRange(from: string, to: string, tz: string): DateRange {
  const fromMs = zonedToUtc(from, tz, '00:00:00', 'later');
  const toMs = zonedToUtc(to, tz, '23:59:59', 'earlier') + 1000;
  return { fromMs, toMs, echo: [isoInZone(fromMs, tz), isoInZone(toMs - 1000, tz)], days: [from, to] };
}

const minusYear = (d: string) => {
  const y: string = `${String(Number(d.slice(0, 4)) - 1).padStart(4, '0')}${d.slice(4)}`;
  return isDate(y) ? y : `${String(Number(d.slice(0, 4)) - 1).padStart(4, "0")}-02-28`; // 29 February → 28 February
};

/**
 * `include.comparisons` → the period to compare with: the same number of days just before (moved back to whole
 * weeks with `match_day_of_week`), the same dates a year before, or a custom range of dates.
 */
function parseComparison(raw: unknown, range: DateRange, tz: string): Comparison | null {
  if (raw === undefined || raw === null || raw === false) return null;
  const bad = (why: string) => fail(`#/include/comparisons: ${why}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) return bad('Type mismatch. Expected Object.');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'mode' && k !== 'date_range' && k !== 'match_day_of_week') bad(`Schema does not allow additional properties (${k}).`);
  const mode = o.mode;
  if (mode !== 'previous_period' && mode !== 'year_over_year' && mode !== 'custom') return bad('Expected mode previous_period, year_over_year or custom.');
  if (o.match_day_of_week !== undefined && typeof o.match_day_of_week !== 'boolean') bad('Expected match_day_of_week to be a boolean.');
  const matchDayOfWeek = o.match_day_of_week === true;
  if (mode === 'custom') {
    const d = o.date_range;
    if (!Array.isArray(d) || d.length !== 2 || !isDate(d[0]) || !isDate(d[1]) || d[1] < d[0]) return bad('A custom comparison needs date_range: two dates (YYYY-MM-DD), the first not after the second.');
    return { mode, matchDayOfWeek, range: dateRange(d[0], d[1], tz) };
  }
  if (o.date_range !== undefined) bad('date_range is for the custom mode only.');
  if (!range.days) {
    // a range of instants: the same length just before, or a year before
    const len = range.toMs - range.fromMs;
    const fromMs = mode === 'previous_period' ? range.fromMs - len : range.fromMs - 365 * 86_400_000;
    return { mode, matchDayOfWeek, range: { fromMs, toMs: fromMs + len, echo: [isoInZone(fromMs, tz), isoInZone(fromMs + len - 1000, tz)] } };
  }
  const [a, b] = range.days;
  if (mode === 'year_over_year') {
    if (matchDayOfWeek) return { mode, matchDayOfWeek, range: dateRange(addDays(a, -364), addDays(b, -364), tz) };
    return { mode, matchDayOfWeek, range: dateRange(minusYear(a), minusYear(b), tz) };
  }
  const n = daysBetween(a, b) + 1;
  const shift = matchDayOfWeek ? Math.ceil(n / 7) * 7 : n;
  return { mode, matchDayOfWeek, range: dateRange(addDays(a, -shift), addDays(b, -shift), tz) };
}

/** `date_range` in any of its forms → instants, in the site's time zone. */
export function parseDateRange(raw: unknown, tz: string, clock: Clock, trim: boolean): DateRange {
  const bad = () => fail(`#/date_range: Invalid date range ${JSON.stringify(raw)}`);
  const today = localDate(clock.nowMs, tz);
  if (typeof raw === 'string') {
    if (raw === 'day') return dateRange(today, today, tz);
    if (raw === 'month' || raw === 'year') {
      const first = raw === 'month' ? startOfMonth(today) : `${today.slice(0, 4)}-01-01`;
      const last = trim ? today : addDays(addMonths(first, raw === 'month' ? 1 : 12), -1);
      return dateRange(first, last, tz);
    }
    if (raw === 'all') {
      const start = clock.statsStart && clock.statsStart < today ? clock.statsStart : today;
      return dateRange(start, today, tz);
    }
    let m = /^(\d+)d$/.exec(raw);
    if (m) {
      const n = Number(m[1]);
      if (n < 1 || n > 5000) return bad();
      return dateRange(addDays(today, -n), addDays(today, -1), tz);
    }
    m = /^(\d+)mo$/.exec(raw);
    if (m) {
      const n = Number(m[1]);
      if (n < 1 || n > 100) return bad();
      const cur = startOfMonth(today);
      return dateRange(addMonths(cur, -n), addDays(cur, -1), tz);
    }
    return bad();
  }
  if (Array.isArray(raw) && raw.length === 2) {
    if (isDate(raw[0]) && isDate(raw[1])) {
      if (raw[1] < raw[0] || daysBetween(raw[0], raw[1]) > 366 * 100) return bad();
      return dateRange(raw[0], raw[1], tz);
    }
    const a = parseDateTime(raw[0]);
    const b = parseDateTime(raw[1]);
    if (a !== null && b !== null && b >= a) {
      const toMs = Math.floor(b / 1000) * 1000 + 1000;
      return { fromMs: a, toMs, echo: [isoInZone(a, tz), isoInZone(toMs - 1000, tz)] };
    }
  }
  return bad();
}

/** `time` → the interval Plausible picks for the range's length. */
export function autoInterval(fromMs: number, toMs: number): Interval {
  const hours = (toMs - fromMs) / 3_600_000;
  if (hours <= 48) return 'hour';
  if (hours <= 40 * 24 + 1) return 'day';
  if (hours <= 52 * 7 * 24 + 1) return 'week';
  return 'month';
}

/** Levels of `and`/`or`/`not`/`has_done` a filter may nest (the engine's AST depth is bounded; the dashboard uses 3). */
export const MAX_FILTER_DEPTH = 20;

/** A value as Plausible's messages print it (lists with `, ` between items, strings quoted). */
function inspect(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inspect).join(', ')}]`;
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function parseFilter(raw: unknown, path: string, depth: number): Filter {
  if (depth > MAX_FILTER_DEPTH) fail(`${path}: Invalid filters. Filters nest at most ${MAX_FILTER_DEPTH} levels deep.`);
  const bad = () => fail(`${path}: Invalid filter ${inspect(raw)}`);
  if (!Array.isArray(raw) || raw.length < 2) return bad();
  const [op, a, b, mod] = raw as unknown[];
  if (op === 'and' || op === 'or') {
    if (raw.length !== 2 || !Array.isArray(a) || a.length === 0) return bad();
    return { kind: op, children: (a as unknown[]).map((f, i) => parseFilter(f, `${path}/1/${i}`, depth + 1)) };
  }
  if (op === 'not') {
    if (raw.length !== 2) return bad();
    return { kind: 'not', child: parseFilter(a, `${path}/1`, depth + 1) };
  }
  if (op === 'has_done' || op === 'has_not_done') {
    if (raw.length !== 2) return bad();
    return { kind: op, child: parseFilter(a, `${path}/1`, depth + 1) };
  }
  const wildcard = op === 'matches_wildcard' || op === 'matches_wildcard_not';
  if (typeof op !== 'string' || (!wildcard && !(OPS as readonly string[]).includes(op)) || raw.length < 3 || raw.length > 4) return bad();
  // saved segments are a dashboard feature: Plausible's public API refuses them as any unknown dimension
  if (!validDimension(a) || isTimeDimension(a)) return bad();
  if (!Array.isArray(b) || b.length === 0) return bad();
  const city = a === 'visit:city';
  for (const c of b as unknown[]) {
    if (city ? !(Number.isInteger(c) || (typeof c === 'string' && /^\d+$/.test(c))) : typeof c !== 'string') return bad();
    if (typeof c === 'string' && c.length > 10_000) return bad();
  }
  if (b.length > 1000) return bad();
  let caseSensitive = true;
  if (mod !== undefined) {
    if (typeof mod !== 'object' || mod === null || Array.isArray(mod)) return bad();
    const keys = Object.keys(mod);
    if (keys.some((k) => k !== 'case_sensitive') || typeof (mod as { case_sensitive?: unknown }).case_sensitive !== 'boolean') return bad();
    if (op === 'matches' || op === 'matches_not') {
      fail(`Invalid filters. The case_sensitive modifier is not allowed with pattern operators (${JSON.stringify(raw)})`);
    }
    caseSensitive = (mod as { case_sensitive: boolean }).case_sensitive;
  }
  if (wildcard) {
    // `*` and `**` wildcards, as in page goals, as an anchored pattern (`**` any text, `*` any text without `/`)
    const patterns = (b as unknown[]).map((c) => `${caseSensitive ? '' : '(?i)'}${pagePatternRegex(String(c))}`);
    return { kind: 'leaf', op: op === 'matches_wildcard' ? 'matches' : 'matches_not', dim: a, clauses: patterns, caseSensitive: true };
  }
  return { kind: 'leaf', op: op as FilterOp, dim: a, clauses: (b as Array<string | number>).map((c) => (city ? Number(c) : c)), caseSensitive };
}

/** Every leaf of a filter tree, with whether it sits at the top level (only `and`s above it). */
export function leaves(filters: readonly Filter[]): Array<{ leaf: Extract<Filter, { kind: 'leaf' }>; top: boolean; behavioral: boolean }> {
  const out: Array<{ leaf: Extract<Filter, { kind: 'leaf' }>; top: boolean; behavioral: boolean }> = [];
  const walk = (f: Filter, top: boolean, behavioral: boolean): void => {
    if (f.kind === 'leaf') out.push({ leaf: f, top, behavioral });
    else if (f.kind === 'and') f.children.forEach((c) => walk(c, top, behavioral));
    else if (f.kind === 'or') f.children.forEach((c) => walk(c, false, behavioral));
    else if (f.kind === 'not') walk(f.child, false, behavioral);
    // a behavioural filter's own leaves are as top-level as it is (a goal may be asked there)
    else if (f.kind === 'has_done' || f.kind === 'has_not_done') walk(f.child, top, true);
  };
  filters.forEach((f) => walk(f, true, false));
  return out;
}

function checkBehavioral(f: Filter, inside: boolean): void {
  if (f.kind === 'has_done' || f.kind === 'has_not_done') {
    if (inside) fail('Invalid filters. Behavioral filters (has_done, has_not_done) cannot be nested.');
    for (const l of leaves([f.child])) {
      if (!isEventDimension(l.leaf.dim)) fail('Invalid filters. Behavioral filters (has_done, has_not_done) can only be used with event dimension filters.');
    }
    checkBehavioral(f.child, true);
  } else if (f.kind === 'and' || f.kind === 'or') f.children.forEach((c) => checkBehavioral(c, inside));
  else if (f.kind === 'not') checkBehavioral(f.child, inside);
}

const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ');

/** Parses and validates a Stats API v2 body for a site whose id the caller resolved already. */
export function parseQuery(body: Record<string, unknown>, site: Site, goals: Goal[], clock: Clock): Query {
  for (const k of Object.keys(body)) if (!TOP_KEYS.has(k)) fail(`#/${k}: Schema does not allow additional properties.`);
  for (const k of ['metrics', 'date_range']) if (body[k] === undefined) fail(`#: Required property ${k} was not present.`);

  const rawMetrics = body.metrics;
  if (!Array.isArray(rawMetrics) || rawMetrics.length === 0) fail('#/metrics: Expected a non-empty array of metrics.');
  const metricsIn = rawMetrics as unknown[];
  metricsIn.forEach((m, i) => {
    if (typeof m !== 'string' || !(METRICS as readonly string[]).includes(m)) fail(`#/metrics/${i}: Invalid metric ${JSON.stringify(m)}`);
  });
  if (new Set(metricsIn).size !== metricsIn.length) fail('#/metrics: Expected items to be unique but they were not.');
  const metrics = metricsIn as Metric[];

  const rawDims = body.dimensions ?? [];
  if (!Array.isArray(rawDims)) fail('#/dimensions: Type mismatch. Expected Array but got ' + typeof rawDims + '.');
  (rawDims as unknown[]).forEach((d, i) => {
    if (!validDimension(d) && !(d === 'time:minute' && clock.minuteBuckets)) fail(`#/dimensions/${i}: Invalid dimension ${JSON.stringify(d)}`);
  });
  const dimsIn = rawDims as string[];
  if (new Set(dimsIn).size !== dimsIn.length) fail('#/dimensions: Expected items to be unique but they were not.');
  if (dimsIn.filter(isTimeDimension).length > 1) fail('#/dimensions: Only one time dimension can be queried.');

  const rawInclude = body.include ?? {};
  if (typeof rawInclude !== 'object' || rawInclude === null || Array.isArray(rawInclude)) fail('#/include: Type mismatch. Expected Object.');
  const include: Include = { imports: false, time_labels: false, total_rows: false, trim_relative_date_range: false };
  for (const [k, v] of Object.entries(rawInclude as Record<string, unknown>)) {
    if (!INCLUDE_KEYS.has(k)) fail(`#/include/${k}: Schema does not allow additional properties.`);
    if (k === 'comparisons') continue;
    if (typeof v !== 'boolean') fail(`#/include/${k}: Type mismatch. Expected Boolean but got ${typeof v}.`);
    include[k as keyof Include] = v as boolean;
  }

  const rawPage = body.pagination ?? {};
  if (typeof rawPage !== 'object' || rawPage === null || Array.isArray(rawPage)) fail('#/pagination: Type mismatch. Expected Object.');
  const pagination = { limit: 10_000, offset: 0 };
  for (const [k, v] of Object.entries(rawPage as Record<string, unknown>)) {
    if (k === 'limit') {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 10_000) fail('#/pagination/limit: Expected an integer from 1 to 10000.');
      pagination.limit = v as number;
    } else if (k === 'offset') {
      if (!Number.isInteger(v) || (v as number) < 0) fail('#/pagination/offset: Expected an integer of 0 or more.');
      pagination.offset = v as number;
    } else fail(`#/pagination/${k}: Schema does not allow additional properties.`);
  }

  // `date`: the day relative ranges count from (today by default), as Plausible's dashboard sends it
  if (body.date !== undefined && !isDate(body.date)) fail('#/date: Expected a date (YYYY-MM-DD).');
  const at: Clock = body.date !== undefined ? { ...clock, nowMs: zonedToUtc(body.date as string, site.timezone, '12:00:00') } : clock;
  const range = parseDateRange(body.date_range, site.timezone, at, include.trim_relative_date_range);
  const comparison = parseComparison((rawInclude as Record<string, unknown>).comparisons, range, site.timezone);

  const rawFilters = body.filters ?? [];
  if (!Array.isArray(rawFilters)) fail('#/filters: Type mismatch. Expected Array.');
  const filters = (rawFilters as unknown[]).map((f, i) => parseFilter(f, `#/filters/${i}`, 0));

  let interval: Interval | null = null;
  const dimensions = dimsIn.map((d) => {
    if (!isTimeDimension(d)) return d;
    interval = d === 'time' ? autoInterval(range.fromMs, range.toMs) : (d.slice(5) as Interval);
    return `time:${interval}`;
  });

  // order_by: each entry a queried metric or dimension.
  const rawOrder = body.order_by;
  let orderBy: Array<[string, 'asc' | 'desc']>;
  if (rawOrder === undefined) {
    orderBy = [];
    const t = dimensions.find(isTimeDimension);
    if (t) orderBy.push([t, 'asc']);
    orderBy.push([metrics[0]!, 'desc']);
  } else {
    if (!Array.isArray(rawOrder)) fail('#/order_by: Type mismatch. Expected Array.');
    orderBy = (rawOrder as unknown[]).map((e, i) => {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || (e[1] !== 'asc' && e[1] !== 'desc')) fail(`#/order_by/${i}: Invalid value in order_by ${JSON.stringify(e)}`);
      const [name, dir] = e as [string, 'asc' | 'desc'];
      const resolved = name === 'time' ? dimensions.find(isTimeDimension) ?? name : name;
      if (!(metrics as string[]).includes(resolved) && !dimensions.includes(resolved)) {
        fail(`Invalid order_by entry '${JSON.stringify(e)}'. Entry is not a queried metric or dimension.`);
      }
      return [resolved, dir] as [string, 'asc' | 'desc'];
    });
  }

  const q: Query = { site, goals, metrics, dimensions, filters, rawFilters: rawFilters as unknown[], orderBy, include, pagination, range, comparison, interval, legacy: clock.legacy === true };
  validateSemantics(q);
  return extendHostnameFilters(q);
}

/** The visit dimensions whose rows a hostname filter also limits, and the session column it then applies to. */
const HOSTNAME_OF_DIMENSION: Record<string, string> = {
  'visit:source': 'visit:entry_page_hostname',
  'visit:referrer': 'visit:entry_page_hostname',
  'visit:entry_page': 'visit:entry_page_hostname',
  'visit:utm_medium': 'visit:entry_page_hostname',
  'visit:utm_source': 'visit:entry_page_hostname',
  'visit:utm_campaign': 'visit:entry_page_hostname',
  'visit:utm_content': 'visit:entry_page_hostname',
  'visit:utm_term': 'visit:entry_page_hostname',
  'visit:exit_page': 'visit:exit_page_hostname',
};

/**
 * A breakdown by where visits came from (or entered, or left) under an `event:hostname` filter counts only the
 * visits that entered (left) on that hostname, as Plausible does: a visit that came from an ad to one hostname and
 * went on to another is not the other's ad traffic. The added filters are not echoed back.
 */
function extendHostnameFilters(q: Query): Query {
  const hostLeaves = q.filters.filter((f): f is Extract<Filter, { kind: 'leaf' }> => f.kind === 'leaf' && f.dim === 'event:hostname');
  if (!hostLeaves.length) return q;
  const extra = [...new Set(q.dimensions.map((d) => HOSTNAME_OF_DIMENSION[d]).filter((d): d is string => d !== undefined))];
  if (!extra.length) return q;
  return { ...q, filters: [...q.filters, ...extra.flatMap((dim) => hostLeaves.map((l) => ({ ...l, dim })))] };
}

/** The checks of Plausible's query builder and table decider. */
function validateSemantics(q: Query): void {
  const { metrics, dimensions, filters } = q;
  for (const f of filters) checkBehavioral(f, false);
  const all = leaves(filters);
  for (const { leaf, top } of all) {
    if ((leaf.dim === 'event:goal' || leaf.dim === 'event:hostname') && !top) fail(`Invalid filters. Dimension \`${leaf.dim}\` can only be filtered at the top level.`);
    if (leaf.dim === 'event:goal') {
      if (leaf.op !== 'is' && leaf.op !== 'contains') fail(`Invalid filters. Dimension \`event:goal\` can only be filtered with the operators \`is\` and \`contains\`.`);
      if (leaf.op === 'is') {
        const names = new Set(q.goals.map(goalDisplayName).map((n) => (leaf.caseSensitive ? n : n.toLowerCase())));
        for (const c of leaf.clauses) {
          if (!names.has(leaf.caseSensitive ? String(c) : String(c).toLowerCase())) {
            fail(`Invalid filters. The goal \`${String(c)}\` is not configured for this site. Find out how to configure goals here: https://plausible.io/docs/stats-api#filtering-by-goals`);
          }
        }
      }
    }
    if (leaf.dim === 'visit:country' && (leaf.op === 'is' || leaf.op === 'is_not') && leaf.clauses.some((c) => !/^[A-Za-z]{2}$/.test(String(c)))) {
      fail('Invalid visit:country filter, visit:country needs to be a valid 2-letter country code.');
    }
    if ((leaf.op === 'matches' || leaf.op === 'matches_not')) {
      for (const c of leaf.clauses) {
        try {
          RE2JS.compile(String(c)); // the engine's syntax (RE2), not JavaScript's
        } catch {
          fail(`Invalid filters. The regular expression ${JSON.stringify(c)} is not valid.`);
        }
      }
    }
    if ((metrics.includes('conversion_rate') || metrics.includes('group_conversion_rate')) && propKey(leaf.dim) !== null && !top) {
      fail('Invalid filters. When `conversion_rate` or `group_conversion_rate` metrics are used, custom property filters can only be used on top level.');
    }
  }
  // Plausible checks views_per_visit before the table decider
  if (metrics.includes('views_per_visit')) {
    if (all.some((l) => l.leaf.dim === 'event:page')) fail('Metric `views_per_visit` cannot be queried with a filter on `event:page`.');
    if (dimensions.length > 0 && !(q.legacy && dimensions.every(isTimeDimension))) fail('Metric `views_per_visit` cannot be queried with `dimensions`.');
  }
  const eventDims = dimensions.filter((d) => isEventDimension(d) && d !== 'event:page');
  const sessionMetrics = metrics.filter((m) => SESSION_METRICS.has(m));
  if (sessionMetrics.length > 0 && eventDims.length > 0) {
    fail(`Session metric(s) ${list(sessionMetrics)} cannot be queried along with event dimension(s) ${list(eventDims)}`);
  }
  const sessionDims = dimensions.filter((d) => SESSION_ONLY_DIMENSIONS.has(d));
  const eventMetrics = metrics.filter((m) => EVENT_METRICS.has(m));
  if (eventMetrics.length > 0 && sessionDims.length > 0) {
    fail(`Event metric(s) ${list(eventMetrics)} cannot be queried along with session dimension(s) ${list(sessionDims)}`);
  }
  const hasGoal = dimensions.includes('event:goal') || all.some((l) => l.leaf.dim === 'event:goal' && !l.behavioral);
  const hasPage = dimensions.includes('event:page') || all.some((l) => l.leaf.dim === 'event:page');
  for (const m of ['conversion_rate', 'group_conversion_rate'] as const) {
    if (metrics.includes(m) && !hasGoal) fail(`Metric \`${m}\` can only be queried with event:goal filters or dimensions.`);
  }
  for (const m of ['scroll_depth', 'time_on_page'] as const) {
    if (metrics.includes(m) && !hasPage) fail(`Metric \`${m}\` can only be queried with event:page filters or dimensions.`);
  }
  if (metrics.includes('exit_rate') && (dimensions.length !== 1 || dimensions[0] !== 'visit:exit_page')) {
    fail('Metric `exit_rate` requires a `"visit:exit_page"` dimension. No other dimensions are allowed.');
  }
  if (q.include.time_labels && q.interval === null) fail('Invalid include.time_labels: requires a time dimension.');
}
