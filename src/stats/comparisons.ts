import { timeLabels } from './dates.js';
import type { StatsResult } from './engine.js';
import { isTimeDimension, type Metric, type Query } from './query.js';

/**
 * `include.comparisons`, as a stage after the engine: the query runs for its own range and for the comparison's, and
 * each result row gets the other period's row (`comparison: {dimensions, metrics, change}`). Rows are matched by their
 * dimension values; over time, bucket by bucket in order (the first day with the first day), and every bucket of the
 * range is answered, empty ones included.
 */

type Value = StatsResult['results'][number]['metrics'][number];
type Row = StatsResult['results'][number] & { comparison?: { dimensions: Array<string | number>; metrics: Value[]; change: Array<number | null> } };

/** A metric's value in a group with no data (as Plausible's empty rows show it). */
export function emptyValue(m: Metric): Value {
  return m === 'visit_duration' || m === 'time_on_page' || m === 'scroll_depth' || m === 'exit_rate' || m === 'total_revenue' || m === 'average_revenue' ? null : 0;
}

const RATES: ReadonlySet<Metric> = new Set(['bounce_rate', 'conversion_rate', 'group_conversion_rate', 'exit_rate']);
const numberOf = (v: Value): number | null => (v === null ? null : typeof v === 'number' ? v : v.value);

/** The change from the comparison's value: points for rates, else a percentage (100 from nothing, null from no value). */
export function change(m: Metric, current: Value, previous: Value): number | null {
  const a = numberOf(current);
  const b = numberOf(previous);
  if (a === null || b === null) return null;
  if (RATES.has(m)) return Math.round((a - b) * 10) / 10;
  if (b === 0) return a > 0 ? 100 : 0;
  return Math.round(((a - b) / b) * 100);
}

/** The query for the comparison period: the same, over the comparison's range, every group (no pagination). */
export function comparisonQuery(q: Query): Query {
  return { ...q, range: q.comparison!.range, comparison: null, pagination: { limit: 10_000, offset: 0 }, include: { ...q.include, total_rows: false } };
}

/** The main query when comparing: over time, every bucket comes back before pagination. */
export function mainQuery(q: Query): Query {
  return q.interval ? { ...q, comparison: null, pagination: { limit: 10_000, offset: 0 } } : { ...q, comparison: null };
}

/** Both periods' results → the main result with a comparison in each row. */
export function mergeComparison(q: Query, main: StatsResult, other: StatsResult): StatsResult {
  const dims = q.dimensions;
  const t = dims.findIndex(isTimeDimension);
  const empty = () => q.metrics.map(emptyValue);
  const key = (d: Array<string | number>) => JSON.stringify(d);
  let rows: Row[];
  let partner: (r: Row) => { dimensions: Array<string | number>; metrics: Value[] } | null;
  if (t < 0 || !q.interval) {
    const byKey = new Map(other.results.map((r) => [key(r.dimensions), r]));
    rows = main.results;
    partner = (r) => ({ dimensions: r.dimensions, metrics: byKey.get(key(r.dimensions))?.metrics ?? empty() });
  } else {
    // every bucket of both ranges, paired by position; other dimensions (if any) paired by value
    const labels = timeLabels(q.interval, q.range.fromMs, q.range.toMs, q.site.timezone);
    const cmpLabels = timeLabels(q.interval, q.comparison!.range.fromMs, q.comparison!.range.toMs, q.site.timezone);
    const pos = new Map(labels.map((l, i) => [l, i]));
    const rest = (d: Array<string | number>) => key(d.filter((_, i) => i !== t));
    const mainBy = new Map(main.results.map((r) => [key(r.dimensions), r]));
    const otherBy = new Map(other.results.map((r) => [key(r.dimensions), r]));
    const groups = new Map<string, Array<string | number>>();
    for (const r of [...main.results, ...other.results]) groups.set(rest(r.dimensions), r.dimensions);
    if (groups.size === 0 && dims.length === 1) groups.set('[]', ['']);
    rows = [];
    for (const [, sample] of groups) {
      for (const label of labels) {
        const d = sample.map((v, i) => (i === t ? label : v));
        rows.push(mainBy.get(key(d)) ?? { dimensions: d, metrics: empty() });
      }
    }
    rows.sort((a, b) => (pos.get(String(a.dimensions[t]))! - pos.get(String(b.dimensions[t]))!) || (rest(a.dimensions) < rest(b.dimensions) ? -1 : 1));
    partner = (r) => {
      const label = cmpLabels[pos.get(String(r.dimensions[t]))!];
      if (label === undefined) return null;
      const d = r.dimensions.map((v, i) => (i === t ? label : v));
      return { dimensions: d, metrics: otherBy.get(key(d))?.metrics ?? empty() };
    };
    rows = rows.slice(q.pagination.offset, q.pagination.offset + q.pagination.limit);
  }
  const results = rows.map((r): Row => {
    const p = partner(r);
    if (!p) return r;
    return { ...r, comparison: { dimensions: p.dimensions, metrics: p.metrics, change: q.metrics.map((m, i) => change(m, r.metrics[i]!, p.metrics[i]!)) } };
  });
  return { ...main, results, query: { ...main.query, pagination: q.pagination } };
}
