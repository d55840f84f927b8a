import type { Goal } from '../store/repo.js';
import { addDays, addMonths, isDate, localDate, startOfMonth } from './dates.js';
import { goalDisplayName } from './goals.js';
import { propKey, QueryError, validDimension } from './query.js';

/**
 * Stats API v1 (`/api/v1/stats/*`, GET with query parameters) as thin adapters: each request becomes v2 query
 * bodies for the same engine (checked first with v1's own rules and words), and the v2 results are reshaped into
 * v1's answer. Pure functions; the HTTP handler runs the queries.
 */

const V1_METRICS = new Set(['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events', 'conversion_rate', 'time_on_page', 'total_revenue', 'average_revenue', 'percentage']);
const SESSION_METRICS = new Set(['bounce_rate', 'visit_duration', 'views_per_visit']);
const DOCS = 'https://plausible.io/docs/stats-api';

export function v1Metrics(raw: string | null): string[] {
  const metrics = (raw ?? 'visitors').split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of metrics) if (!V1_METRICS.has(m)) throw new QueryError(`The metric \`${m}\` is not recognized. Find valid metrics from the documentation: ${DOCS}#metrics`);
  if (metrics.length === 0) throw new QueryError('The metrics parameter is empty.');
  if (new Set(metrics).size !== metrics.length) throw new QueryError('Metrics cannot be queried multiple times.');
  return metrics;
}

/** v1 `period` + `date` → a v2 date range of inclusive dates (site time zone): `7d` the seven days before `date`, `30d` the thirty before and `date` itself (as Plausible's v1 answers). */
export function v1DateRange(period: string | null, date: string | null, nowMs: number, tz: string): [string, string] {
  const p = period ?? '30d';
  if (p === 'custom') {
    if (date === null || date === '') throw new QueryError(`The \`date\` parameter is required when using a custom period. See ${DOCS}#time-periods`);
    const [a, b, more] = date.split(',').map((x) => x.trim());
    if (more !== undefined || !isDate(a) || !isDate(b) || b < a) {
      throw new QueryError(`Invalid format for \`date\` parameter. When using a custom period, please include two ISO-8601 formatted dates joined by a comma. See ${DOCS}#time-periods`);
    }
    return [a, b];
  }
  if (date !== null && !isDate(date)) throw new QueryError('Error parsing `date` parameter: invalid_format. Please specify a valid date in ISO-8601 format.');
  const d = date ?? localDate(nowMs, tz);
  switch (p) {
    case 'day':
      return [d, d];
    case '7d':
      return [addDays(d, -7), addDays(d, -1)];
    case '30d':
      return [addDays(d, -30), d];
    case 'month':
      return [startOfMonth(d), addDays(addMonths(startOfMonth(d), 1), -1)];
    case '6mo':
    case '12mo': {
      const n = p === '6mo' ? 6 : 12;
      return [addMonths(startOfMonth(d), -(n - 1)), addDays(addMonths(startOfMonth(d), 1), -1)];
    }
    default:
      throw new QueryError(`Error parsing \`period\` parameter: invalid period \`${p}\`. Please find accepted values in our docs: ${DOCS}#time-periods`);
  }
}

/** The same length immediately before (for `compare=previous_period`). */
export function previousRange([a, b]: [string, string]): [string, string] {
  const days = Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000) + 1;
  return [addDays(a, -days), addDays(a, -1)];
}

/** The timeseries bucket: `interval`, else hours for a day, months for 6 and 12 months, days otherwise. */
export function v1Interval(raw: string | null, period: string | null): 'hour' | 'day' | 'week' | 'month' {
  if (raw === null || raw === '') return period === 'day' ? 'hour' : period === '6mo' || period === '12mo' ? 'month' : 'day';
  if (raw === 'date') return 'day'; // the legacy name of `day`
  if (raw === 'hour' || raw === 'day' || raw === 'week' || raw === 'month') return raw;
  throw new QueryError(`Error parsing \`interval\` parameter: invalid interval \`${raw}\`. Valid intervals are \`day\`, \`month\``);
}

const invalidFilterProperty = (prop: string) => new QueryError(`Invalid filter property '${prop}'. Please provide a valid filter property: ${DOCS}#properties`);

/** One v1 filter property → its v2 dimension (v1 names are v2's), or a v1 error. */
function filterDimension(prop: string): string {
  if (!validDimension(prop) || prop.startsWith('time')) throw invalidFilterProperty(prop);
  return prop;
}

/**
 * The v1 `filters` parameter → v2 filters: a JSON list of v2 filters, or the legacy string `a==x|y;b!=z*;c~w`
 * (`*` a wildcard on pages and properties; goal names are taken literally).
 */
export function v1Filters(raw: string | null): unknown[] {
  if (!raw) return [];
  if (raw.trimStart().startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch {
      throw new QueryError('Invalid filters: the filters parameter is not valid JSON.');
    }
    if (!Array.isArray(list)) throw new QueryError('Invalid filters: expected a list of filters.');
    for (const f of list) if (Array.isArray(f) && typeof f[1] === 'string' && !validDimension(f[1])) throw invalidFilterProperty(f[1]);
    return list;
  }
  const out: unknown[] = [];
  for (const part of raw.split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=!~]+?)\s*(==|!=|~|!~)\s*(.*)$/s.exec(part);
    if (!m) throw new QueryError(`Invalid filter expression: ${part}`);
    const [, prop, op, rawValue] = m as unknown as [string, string, string, string];
    const dim = filterDimension(prop.trim());
    const values = rawValue.split(/(?<!\\)\|/).map((v) => v.replace(/\\\|/g, '|').trim());
    const neg = op === '!=' || op === '!~';
    if (op === '~' || op === '!~') out.push([neg ? 'contains_not' : 'contains', dim, values]);
    else if (dim !== 'event:goal' && values.some((v) => v.includes('*'))) out.push([neg ? 'matches_wildcard_not' : 'matches_wildcard', dim, values]);
    else out.push([neg ? 'is_not' : 'is', dim, dim === 'visit:city' ? values.map(Number) : values]);
  }
  return out;
}

type Leaf = [string, string, unknown[]];
const leavesOf = (filters: unknown[]): Leaf[] => filters.filter((f): f is Leaf => Array.isArray(f) && typeof f[0] === 'string' && typeof f[1] === 'string' && Array.isArray(f[2]));

/** What a v1 request asks, for its checks. */
export interface V1Request {
  endpoint: 'aggregate' | 'timeseries' | 'breakdown';
  metrics: string[];
  filters: unknown[];
  property?: string;
  goals: readonly Goal[];
}

/** v1's own refusals, in its words, before any query runs. */
export function v1Check(r: V1Request): void {
  const leaves = leavesOf(r.filters);
  const dims = new Set(leaves.map((l) => l[1]));
  const eventOnly = leaves.map((l) => l[1]).find((d) => d === 'event:name' || d === 'event:goal' || propKey(d) !== null);
  for (const [op, dim, clauses] of leaves) {
    if (dim !== 'event:goal' || (op !== 'is' && op !== 'is_not')) continue;
    for (const c of clauses) {
      const name = String(c);
      if (r.goals.some((g) => goalDisplayName(g) === name)) continue;
      if (name.startsWith('Visit ')) throw new QueryError(`The pageview goal for the pathname \`${name.slice(6)}\` is not configured for this site. Find out how to configure goals here: ${DOCS}#filtering-by-goals`);
      throw new QueryError(`The goal \`${name}\` is not configured for this site. Find out how to configure goals here: ${DOCS}#filtering-by-goals`);
    }
  }
  const prop = r.property;
  if (r.endpoint === 'breakdown') {
    if (!prop) throw new QueryError('The `property` parameter is required. Please provide at least one property to show a breakdown by.');
    if (prop === 'event:hostname') throw new QueryError(`Property 'event:hostname' is currently not supported for breakdowns.  Please provide a valid property for the breakdown endpoint: ${DOCS}#properties`);
    if (!validDimension(prop) || prop.startsWith('time') || prop === 'event:props:') throw new QueryError(`Invalid property '${prop}'. Please provide a valid property for the breakdown endpoint: ${DOCS}#properties`);
  }
  for (const m of r.metrics) {
    if (SESSION_METRICS.has(m)) {
      if (prop && (prop === 'event:name' || propKey(prop) !== null)) throw new QueryError(`Session metric \`${m}\` cannot be queried for breakdown by \`${prop}\`.`);
      if (m === 'views_per_visit' && dims.has('event:page')) throw new QueryError('Metric `views_per_visit` cannot be queried with a filter on `event:page`.');
      if (eventOnly) throw new QueryError(`Session metric \`${m}\` cannot be queried when using a filter on \`${eventOnly}\`.`);
    }
    if (m === 'conversion_rate' && !dims.has('event:goal') && prop !== 'event:goal') {
      throw new QueryError('Metric `conversion_rate` can only be queried in a goal breakdown or with a goal filter');
    }
    if (m === 'time_on_page') {
      if (r.endpoint === 'breakdown' && prop !== 'event:page') throw new QueryError('Metric `time_on_page` is not supported in breakdown queries (except `event:page` breakdown)');
      if (dims.has('event:goal')) throw new QueryError('Metric `time_on_page` cannot be queried when filtering by `event:goal`');
      if (dims.has('event:name')) throw new QueryError('Metric `time_on_page` cannot be queried when filtering by `event:name`');
      if (r.endpoint !== 'breakdown' && !dims.has('event:page')) throw new QueryError('Metric `time_on_page` can only be queried in a page breakdown or with a page filter.');
    }
  }
}

/**
 * The change against the previous period as v1 reports it: percentage points for rates (null without a previous
 * rate), else a percentage of the previous value (100 from nothing, null when either side is null).
 */
export function v1Change(metric: string, value: unknown, previous: unknown): number | null {
  if (typeof value !== 'number' || typeof previous !== 'number') return null;
  if (metric === 'bounce_rate') return previous > 0 ? value - previous : null;
  if (metric === 'conversion_rate') return Math.round((value - previous) * 10) / 10;
  if (previous === 0) return value > 0 ? 100 : 0;
  return Math.round(((value - previous) / previous) * 100);
}

/**
 * A v1 breakdown property → the v2 dimensions it groups by and extra filters: versions come with their browser or
 * OS (v1 rows name both), UTM breakdowns leave out visits without the tag.
 */
export function v1Breakdown(property: string): { dimensions: string[]; filters: unknown[] } {
  if (property === 'visit:os_version') return { dimensions: ['visit:os', 'visit:os_version'], filters: [] };
  if (property === 'visit:browser_version') return { dimensions: ['visit:browser', 'visit:browser_version'], filters: [] };
  if (property.startsWith('visit:utm_')) return { dimensions: [property], filters: [['is_not', property, ['(not set)']]] };
  return { dimensions: [property], filters: [] };
}

/** The key a v1 breakdown row names a dimension by: the part after the last `:` (`visit:source` → `source`). */
export function breakdownKey(property: string): string {
  if (property.startsWith('event:props:')) return property.slice(12);
  return property.slice(property.lastIndexOf(':') + 1);
}
