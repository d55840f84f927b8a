import { dateFormat } from './format';

/** Date ranges of the dashboard's periods, computed in the site's time zone. Dates are `YYYY-MM-DD` strings. */
export type Period = 'realtime' | 'day' | '7d' | '28d' | '30d' | '91d' | 'month' | '12mo' | 'year' | 'all' | 'custom';
export type Interval = 'minute' | 'hour' | 'day' | 'week' | 'month';

export const PERIODS: Array<{ period: Period; label: string; key?: string; yesterday?: boolean; lastMonth?: boolean }> = [
  { period: 'day', label: 'Today', key: 'd' },
  { period: 'day', label: 'Yesterday', key: 'e', yesterday: true },
  { period: 'realtime', label: 'Realtime', key: 'r' },
  { period: '7d', label: 'Last 7 days', key: 'w' },
  { period: '28d', label: 'Last 28 days', key: 'f' },
  { period: '30d', label: 'Last 30 days', key: 't' },
  { period: '91d', label: 'Last 91 days', key: 'n' },
  { period: 'month', label: 'Month to date', key: 'm' },
  { period: 'month', label: 'Last month', key: 'l', lastMonth: true },
  { period: 'year', label: 'Year to date', key: 'y' },
  { period: '12mo', label: 'Last 12 months', key: 'x' },
  { period: 'all', label: 'All time', key: 'a' },
  { period: 'custom', label: 'Custom range', key: 'c' },
];

export function todayIn(tz: string, now = Date.now()): string {
  const parts = dateFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(now));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const toMs = (d: string): number => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10));
const fromMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const addDays = (d: string, n: number): string => fromMs(toMs(d) + n * 86_400_000);
export const daysBetween = (a: string, b: string): number => Math.round((toMs(b) - toMs(a)) / 86_400_000);
export function addMonths(d: string, n: number): string {
  const y = +d.slice(0, 4);
  const m = +d.slice(5, 7) - 1 + n;
  const first = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return fromMs(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(+d.slice(8, 10), last)));
}
export const startOfMonth = (d: string): string => d.slice(0, 8) + '01';
export const endOfMonth = (d: string): string => addDays(addMonths(startOfMonth(d), 1), -1);
export const isDate = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(toMs(s)) && fromMs(toMs(s)) === s;

export interface Range {
  /** The Stats API's date_range: a pair of dates, or 'realtime' / 'all'. */
  dateRange: 'realtime' | 'all' | [string, string];
  from: string;
  to: string;
  interval: Interval;
  label: string;
  /** True when the range reaches today (its last bucket is not over yet). */
  live: boolean;
}

export function autoInterval(from: string, to: string): Interval {
  const days = daysBetween(from, to) + 1;
  if (days <= 1) return 'hour';
  if (days <= 100) return 'day';
  if (days <= 400) return 'month';
  return 'month';
}

const fmtDate = (d: string, opts: Intl.DateTimeFormatOptions) => dateFormat('en-GB', { timeZone: 'UTC', ...opts }).format(new Date(toMs(d)));

/** The range a period covers, anchored at `date` (default today in the zone). */
export function rangeOf(period: Period, date: string | undefined, from: string | undefined, to: string | undefined, tz: string, statsStart?: string | null): Range {
  const today = todayIn(tz);
  const anchor = isDate(date) && date <= today ? date : today;
  const mk = (a: string, b: string, label: string): Range => ({ dateRange: [a, b], from: a, to: b, interval: autoInterval(a, b), label, live: b >= today });
  switch (period) {
    case 'realtime':
      return { dateRange: 'realtime', from: today, to: today, interval: 'minute', label: 'Realtime', live: true };
    case 'day':
      return mk(anchor, anchor, anchor === today ? 'Today' : anchor === addDays(today, -1) ? 'Yesterday' : fmtDate(anchor, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }));
    case '7d':
    case '28d':
    case '30d':
    case '91d': {
      const n = parseInt(period, 10);
      return mk(addDays(anchor, -(n - 1)), anchor, anchor === today ? `Last ${n} days` : `${n} days to ${fmtDate(anchor, { day: 'numeric', month: 'short' })}`);
    }
    case 'month': {
      const first = startOfMonth(anchor);
      const last = endOfMonth(anchor) < today ? endOfMonth(anchor) : today;
      return mk(first, last, first === startOfMonth(today) ? 'Month to date' : fmtDate(first, { month: 'long', year: 'numeric' }));
    }
    case 'year': {
      const first = anchor.slice(0, 4) + '-01-01';
      const end = anchor.slice(0, 4) + '-12-31';
      return mk(first, end < today ? end : today, anchor.slice(0, 4) === today.slice(0, 4) ? 'Year to date' : anchor.slice(0, 4));
    }
    case '12mo': {
      const first = startOfMonth(addMonths(anchor, -11));
      return { ...mk(first, anchor, anchor === today ? 'Last 12 months' : `12 months to ${fmtDate(anchor, { month: 'short', year: 'numeric' })}`), interval: 'month' };
    }
    case 'all': {
      // from the first day with data; buckets by length: days up to ~3 months, weeks up to ~13 months, then months
      const first = statsStart && statsStart < today ? statsStart : today;
      const days = daysBetween(first, today) + 1;
      return { ...mk(first, today, 'All time'), interval: days <= 1 ? 'hour' : days <= 100 ? 'day' : days <= 400 ? 'week' : 'month' };
    }
    case 'custom': {
      if (isDate(from) && isDate(to) && from <= to) return mk(from, to, `${fmtDate(from, { day: 'numeric', month: 'short', year: 'numeric' })} – ${fmtDate(to, { day: 'numeric', month: 'short', year: 'numeric' })}`);
      return mk(addDays(today, -29), today, 'Last 30 days');
    }
  }
}

/** The comparison range: the same number of days just before, the same dates a year earlier, or chosen dates. */
export function comparisonRange(r: Range, mode: 'previous_period' | 'year_over_year' | 'custom', custom?: [string | undefined, string | undefined]): [string, string] {
  if (mode === 'custom' && custom && isDate(custom[0]) && isDate(custom[1])) return [custom[0], custom[1]];
  if (mode === 'year_over_year') return [addMonths(r.from, -12), addMonths(r.to, -12)];
  const days = daysBetween(r.from, r.to) + 1;
  if (r.from === startOfMonth(r.from) && r.to === endOfMonth(r.to) && r.from.slice(0, 7) === r.to.slice(0, 7)) {
    const prev = addMonths(r.from, -1);
    return [prev, endOfMonth(prev)];
  }
  return [addDays(r.from, -days), addDays(r.from, -1)];
}

/** The anchor date one step earlier (-1) or later (+1) for the arrow keys; null when the period cannot move. */
export function shiftAnchor(period: Period, date: string | undefined, tz: string, dir: -1 | 1): string | null {
  const today = todayIn(tz);
  const anchor = isDate(date) && date <= today ? date : today;
  let next: string;
  if (period === 'day') next = addDays(anchor, dir);
  else if (period === 'month') next = dir < 0 ? endOfMonth(addMonths(startOfMonth(anchor), -1)) : endOfMonth(addMonths(startOfMonth(anchor), 1));
  else if (period === 'year') next = `${+anchor.slice(0, 4) + dir}-12-31`;
  else if (period === '7d' || period === '28d' || period === '30d' || period === '91d') next = addDays(anchor, dir * parseInt(period, 10));
  else if (period === '12mo') next = addMonths(anchor, dir * 12);
  else return null;
  if (next > today) next = today;
  return next === anchor ? null : next;
}
