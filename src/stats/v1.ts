import { addDays, addMonths, isDate, localDate, startOfMonth } from './dates.js';
import { QueryError } from './query.js';

/**
 * Stats API v1 (`/api/v1/stats/*`, GET with query parameters) as thin adapters: each request becomes a v2 query
 * body for the same engine, and the v2 result is reshaped into v1's answer.
 */

const V1_METRICS = new Set(['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration', 'events', 'conversion_rate', 'time_on_page', 'total_revenue', 'average_revenue', 'scroll_depth', 'percentage']);

export function v1Metrics(raw: string | null): string[] {
  const metrics = (raw ?? 'visitors').split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of metrics) if (!V1_METRICS.has(m)) throw new QueryError(`The metric \`${m}\` is not recognized. Find valid metrics from the documentation: https://plausible.io/docs/stats-api#metrics`);
  if (metrics.length === 0) throw new QueryError('The metrics parameter is empty.');
  return metrics;
}

/** v1 `period` + `date` → a v2 date range of inclusive dates (site time zone). */
export function v1DateRange(period: string | null, date: string | null, nowMs: number, tz: string): [string, string] {
  const p = period ?? '30d';
  if (p === 'custom') {
    const [a, b] = (date ?? '').split(',');
    if (!isDate(a) || !isDate(b) || b < a) throw new QueryError('Invalid date. For a custom period, date must be YYYY-MM-DD,YYYY-MM-DD.');
    return [a, b];
  }
  if (date !== null && !isDate(date)) throw new QueryError(`Failed to parse 'date' argument. Only ISO 8601 dates are allowed, e.g. \`2019-09-07\`, \`2020-01-01\``);
  const d = date ?? localDate(nowMs, tz);
  switch (p) {
    case 'day':
      return [d, d];
    case '7d':
      return [addDays(d, -6), d];
    case '30d':
      return [addDays(d, -29), d];
    case 'month':
      return [startOfMonth(d), addDays(addMonths(startOfMonth(d), 1), -1)];
    case '6mo':
    case '12mo': {
      const n = p === '6mo' ? 6 : 12;
      return [addMonths(startOfMonth(d), -(n - 1)), addDays(addMonths(startOfMonth(d), 1), -1)];
    }
    default:
      throw new QueryError(`Error parsing \`period\` parameter: invalid period \`${p}\`. Please find accepted values in our docs: https://plausible.io/docs/stats-api#time-periods`);
  }
}

/** The same length immediately before (for `compare=previous_period`). */
export function previousRange([a, b]: [string, string]): [string, string] {
  const days = Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000) + 1;
  return [addDays(a, -days), addDays(a, -1)];
}

const wildcardRegex = (v: string) => '^' + v.split('*').map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('.*') + '$';

/** A v1 property name (`visit:source`, `event:page`, `event:props:author`) → its v2 dimension. */
function dimension(prop: string): string {
  if (prop === 'visit:os') return 'visit:os';
  return prop;
}

/** The v1 `filters` string (`a==x|y;b!=z*`) → v2 filters. */
export function v1Filters(raw: string | null): unknown[] {
  if (!raw) return [];
  const out: unknown[] = [];
  for (const part of raw.split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_:]+(?::[^=!~]+)?)\s*(==|!=|~|!~)\s*(.*)$/s.exec(part);
    if (!m) throw new QueryError(`Invalid filter expression: ${part}`);
    const [, prop, op, rawValue] = m as unknown as [string, string, string, string];
    const values = rawValue.split(/(?<!\\)\|/).map((v) => v.replace(/\\\|/g, '|').trim());
    const neg = op === '!=' || op === '!~';
    if (op === '~' || op === '!~') out.push([neg ? 'contains_not' : 'contains', dimension(prop), values]);
    else if (values.some((v) => v.includes('*'))) out.push([neg ? 'matches_not' : 'matches', dimension(prop), values.map(wildcardRegex)]);
    else out.push([neg ? 'is_not' : 'is', dimension(prop), prop === 'visit:city' ? values.map(Number) : values]);
  }
  return out;
}

/** The key a v1 breakdown row names its property by: the part after the last `:` (`visit:source` → `source`). */
export function breakdownKey(property: string): string {
  if (property.startsWith('event:props:')) return property.slice(12);
  return property.slice(property.lastIndexOf(':') + 1);
}
