import { ErrorLine } from './ErrorLine';
import type { Ctx } from '../ctx';
import { useQuery } from '../hooks';
import type { QueryResult, SiteView } from '../api';
import { change, formatMetric, higherIsBetter, METRIC_LABELS, numeric } from '../format';
import { comparisonRange } from '../periods';

/** The goals a view's goal filters name (all of them for `contains`). */
export function filteredGoals(ctx: Ctx): SiteView['goals'] {
  const fs = ctx.effective.filter((f) => f[1] === 'event:goal');
  return ctx.site.goals.filter((g) => fs.every((f) => f[2].some((v) => (f[0] === 'contains' ? g.name.toLowerCase().includes(v.toLowerCase()) : g.name === v))));
}

/**
 * The metrics at the top, swapped under a filter as Plausible's dashboard does: a goal filter shows conversions
 * (and revenue for a revenue goal); a page filter time on page and scroll depth instead of views per visit and
 * visit duration (which the Stats API refuses under a page filter); realtime the last 30 minutes.
 */
export function topMetrics(ctx: Ctx): string[] {
  if (ctx.effective.some((f) => f[1] === 'event:goal')) {
    const revenue = filteredGoals(ctx).some((g) => g.currency);
    return ['visitors', 'events', 'conversion_rate', ...(revenue ? ['total_revenue', 'average_revenue'] : [])];
  }
  if (ctx.state.period === 'realtime') return ['visitors', 'pageviews'];
  if (ctx.effective.some((f) => f[1] === 'event:page')) return ['visitors', 'visits', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'];
  return ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
}

export const GOAL_LABELS: Record<string, string> = { visitors: 'Unique conversions', events: 'Total conversions', conversion_rate: 'Conversion rate', total_revenue: 'Revenue', average_revenue: 'Average revenue' };

/**
 * Whether the view includes the site's imported history: a switch once the site has some, and a word when this
 * view cannot include it (a filter and a breakdown of two imported tables, hourly buckets).
 */
function ImportsLine({ ctx, meta }: { ctx: Ctx; meta: QueryResult['meta'] | undefined }) {
  const reason = meta?.imports_skip_reason;
  if (!meta || reason === 'no_imported_data' || (reason === 'out_of_range' && ctx.state.imports)) return null;
  const cannot = ctx.state.imports && (reason === 'unsupported_query' || reason === 'unsupported_interval');
  return (
    <p class="imports-line" data-imports={meta.imports_included ? 'included' : reason ?? 'off'}>
      <label>
        <input type="checkbox" checked={ctx.state.imports} onChange={(e) => ctx.update({ imports: (e.target as HTMLInputElement).checked })} /> Include imported data
      </label>
      {cannot && <span class="muted"> — {reason === 'unsupported_interval' ? 'imported data is daily: not in hourly or minute views' : 'this combination of filters and breakdowns cannot include imported data'}</span>}
    </p>
  );
}

export function TopStats({ ctx }: { ctx: Ctx }) {
  const metrics = topMetrics(ctx);
  const goal = ctx.effective.some((f) => f[1] === 'event:goal');
  const realtime = ctx.state.period === 'realtime';
  const cur = useQuery(ctx.body({ metrics }), realtime ? 10_000 : 0);
  // no comparison for all time (nothing before it)
  const prevRange = realtime || ctx.state.period === 'all' ? null : comparisonRange(ctx.range, ctx.state.comparison || 'previous_period', [ctx.state.compareFrom, ctx.state.compareTo]);
  const prev = useQuery(prevRange ? ctx.body({ metrics, date_range: prevRange }) : null);
  const values = cur.data?.results[0]?.metrics;
  const before = prev.data?.results[0]?.metrics;
  // against a period without visitors a change means nothing: none is shown
  const emptyBefore = !before || numeric(before[0]) === 0;
  return (
    <section class="top-stats" aria-label="Top stats" aria-busy={cur.loading || prev.loading}>
      <ErrorLine q={cur} />
      <ImportsLine ctx={ctx} meta={cur.data?.meta} />
      {metrics.map((m, i) => {
        const ch = values && before && !emptyBefore ? change(m, values[i], before[i]) : null;
        const previous = before && !emptyBefore ? formatMetric(m, before[i]) : null;
        const good = ch && (ch.value === 0 ? null : ch.value > 0 === higherIsBetter(m));
        const label = goal ? GOAL_LABELS[m]! : realtime ? `${METRIC_LABELS[m]} (last 30 min)` : METRIC_LABELS[m]!;
        return (
          <button
            key={m}
            class={`stat${ctx.state.metric === m ? ' selected' : ''}`}
            aria-pressed={ctx.state.metric === m}
            onClick={() => ctx.update({ metric: m })}
            title={`Show ${label} in the graph${previous !== null ? ` (before: ${previous})` : ''}`}
          >
            <span class="label">{label}</span>
            <span class="value" data-metric={m} data-value={values ? String(typeof values[i] === "object" && values[i] !== null ? (values[i] as { value: number }).value : values[i]) : ''}>
              {values ? formatMetric(m, values[i]) : '…'}
            </span>
            {ch && (
              <span class={`change ${good === null ? '' : good ? 'good' : 'bad'}`} aria-label={`change ${ch.value}${ch.unit === '%' ? ' percent' : ' points'}`}>
                {ch.value > 0 ? '↑' : ch.value < 0 ? '↓' : ''}
                {Math.abs(ch.value)}
                {ch.unit === '%' ? '%' : ' pp'}
              </span>
            )}
            {ctx.state.comparison && previous !== null && (
              <span class="prev" data-prev={String(before?.[i] ?? '')}>
                vs {previous}
              </span>
            )}
          </button>
        );
      })}
    </section>
  );
}
