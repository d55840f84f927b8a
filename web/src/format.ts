import type { MetricValue } from './api';

export const METRIC_LABELS: Record<string, string> = {
  visitors: 'Unique visitors',
  visits: 'Total visits',
  pageviews: 'Total pageviews',
  views_per_visit: 'Views per visit',
  bounce_rate: 'Bounce rate',
  visit_duration: 'Visit duration',
  events: 'Total conversions',
  conversion_rate: 'Conversion rate',
  group_conversion_rate: 'Conversion rate',
  time_on_page: 'Time on page',
  scroll_depth: 'Scroll depth',
  percentage: '%',
  total_revenue: 'Revenue',
  average_revenue: 'Average revenue',
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * One `Intl` formatter per locale and options, made once: `toLocaleString(locale, options)` builds a new formatter
 * on every call, which showed as ≈ 30–40 ms of the dashboard's first load in a profile.
 */
export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}
let wholeNumbers: Intl.NumberFormat | undefined;
let fractions: Intl.NumberFormat | undefined;

/** Whole numbers are shown in full up to 99,999 (so the shown figure is the exact one), then as 123k or 1.2M. */
export function formatNumber(n: number): string {
  if (Math.abs(n) < 100_000) {
    if (Math.round(n) === n) return (wholeNumbers ??= new Intl.NumberFormat('en-US')).format(n);
    return (fractions ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })).format(n);
  }
  if (Math.abs(n) < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}

export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h ${m}m ${r}s`;
  if (m) return `${m}m ${r}s`;
  return `${r}s`;
}

export function formatMetric(metric: string, v: MetricValue | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return v.short;
  switch (metric) {
    case 'bounce_rate':
    case 'conversion_rate':
    case 'group_conversion_rate':
    case 'percentage':
    case 'scroll_depth':
      return `${v}%`;
    case 'visit_duration':
    case 'time_on_page':
      return formatDuration(v);
    case 'views_per_visit':
      return v.toFixed(2);
    default:
      return formatNumber(v);
  }
}

export const numeric = (v: MetricValue | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'object' ? v.value : v);

/** Change against the comparison: points for rates, else percent (null when there is nothing to compare). */
export function change(metric: string, cur: MetricValue | undefined, prev: MetricValue | undefined): { value: number; unit: '%' | 'pp' } | null {
  if (prev === undefined) return null;
  const a = numeric(cur);
  const b = numeric(prev);
  if (metric === 'bounce_rate' || metric === 'conversion_rate') return { value: Math.round((a - b) * 10) / 10, unit: 'pp' };
  if (b === 0) return a === 0 ? { value: 0, unit: '%' } : null;
  return { value: Math.round(((a - b) / b) * 100), unit: '%' };
}

/** Whether a higher value of the metric is good (bounce rate is not). */
export const higherIsBetter = (metric: string): boolean => metric !== 'bounce_rate';

let countryCodes: Map<string, string> | null = null;

/** A country's flag (regional indicator letters, drawn by the system's emoji font) from its English name; '' if unknown. */
export function flagOf(countryName: string): string {
  if (!countryCodes) {
    countryCodes = new Map();
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        try {
          const n = names.of(code);
          if (n && n !== code) countryCodes.set(n, code);
        } catch {
          // not a region code
        }
      }
    }
  }
  const code = countryCodes.get(countryName);
  return code ? String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65)) : '';
}
