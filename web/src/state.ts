import type { Filter, FilterOp } from './api';
import { isDate, type Interval, type Period } from './periods';

/** Everything a view shows, kept in the URL's query string so that any view can be bookmarked and shared. */
export interface ViewState {
  period: Period;
  date?: string;
  from?: string;
  to?: string;
  filters: Filter[];
  comparison: '' | 'previous_period' | 'year_over_year' | 'custom';
  /** The custom comparison's dates. */
  compareFrom?: string;
  compareTo?: string;
  metric: string;
  interval?: Interval;
  /** Imported history (Plausible's export) included where a view can include it (default on). */
  imports: boolean;
}

const PERIOD_SET = new Set<Period>(['realtime', 'day', '7d', '28d', '30d', '91d', 'month', '12mo', 'year', 'all', 'custom']);
const OPS = new Set<FilterOp>(['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not']);
const INTERVALS = new Set<Interval>(['minute', 'hour', 'day', 'week', 'month']);

function parseFilters(raw: string | null): Filter[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter(
      (f): f is Filter => Array.isArray(f) && f.length === 3 && OPS.has(f[0]) && typeof f[1] === 'string' && Array.isArray(f[2]) && f[2].every((x: unknown) => typeof x === 'string'),
    );
  } catch {
    return [];
  }
}

const customComparison = (p: URLSearchParams) => isDate(p.get('compare_from')) && isDate(p.get('compare_to')) && p.get('compare_from')! <= p.get('compare_to')!;

export function parseState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const period = p.get('period') as Period;
  const cmp = p.get('comparison');
  const interval = p.get('interval') as Interval;
  return {
    period: PERIOD_SET.has(period) ? period : '30d',
    date: isDate(p.get('date')) ? (p.get('date') as string) : undefined,
    from: isDate(p.get('from')) ? (p.get('from') as string) : undefined,
    to: isDate(p.get('to')) ? (p.get('to') as string) : undefined,
    filters: parseFilters(p.get('filters')),
    comparison: cmp === 'previous_period' || cmp === 'year_over_year' ? cmp : cmp === 'custom' && customComparison(p) ? 'custom' : '',
    compareFrom: cmp === 'custom' && customComparison(p) ? (p.get('compare_from') as string) : undefined,
    compareTo: cmp === 'custom' && customComparison(p) ? (p.get('compare_to') as string) : undefined,
    metric: p.get('metric') || 'visitors',
    interval: INTERVALS.has(interval) ? interval : undefined,
    imports: p.get('imports') !== 'false',
  };
}

export function toSearch(s: ViewState, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (s.period !== '30d') p.set('period', s.period);
  if (s.date && s.period !== 'realtime' && s.period !== 'all' && s.period !== 'custom') p.set('date', s.date);
  if (s.period === 'custom' && s.from && s.to) {
    p.set('from', s.from);
    p.set('to', s.to);
  }
  if (s.filters.length) p.set('filters', JSON.stringify(s.filters));
  if (s.comparison) p.set('comparison', s.comparison);
  if (s.comparison === 'custom' && s.compareFrom && s.compareTo) {
    p.set('compare_from', s.compareFrom);
    p.set('compare_to', s.compareTo);
  }
  if (s.metric !== 'visitors') p.set('metric', s.metric);
  if (s.interval) p.set('interval', s.interval);
  if (!s.imports) p.set('imports', 'false');
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const q = p.toString();
  return q ? `?${q}` : '';
}
