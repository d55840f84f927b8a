import type { Ctx } from '../ctx';
import { useQuery } from '../hooks';
import { change, formatMetric, higherIsBetter, METRIC_LABELS } from '../format';
import { comparisonRange } from '../periods';

/** The metrics at the top: a goal filter shows conversions; realtime shows the last 30 minutes. */
export function topMetrics(ctx: Ctx): string[] {
  if (ctx.state.filters.some((f) => f[1] === 'event:goal')) return ['visitors', 'events', 'conversion_rate'];
  if (ctx.state.period === 'realtime') return ['visitors', 'pageviews'];
  return ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
}

export const GOAL_LABELS: Record<string, string> = { visitors: 'Unique conversions', events: 'Total conversions', conversion_rate: 'Conversion rate' };

export function TopStats({ ctx }: { ctx: Ctx }) {
  const metrics = topMetrics(ctx);
  const goal = ctx.state.filters.some((f) => f[1] === 'event:goal');
  const realtime = ctx.state.period === 'realtime';
  const cur = useQuery(ctx.body({ metrics }), realtime ? 10_000 : 0);
  const prevRange = realtime ? null : comparisonRange(ctx.range, ctx.state.comparison === 'year_over_year' ? 'year_over_year' : 'previous_period');
  const prev = useQuery(prevRange ? ctx.body({ metrics, date_range: prevRange }) : null);
  const values = cur.data?.results[0]?.metrics;
  const before = prev.data?.results[0]?.metrics;
  return (
    <section class="top-stats" aria-label="Top stats" aria-busy={cur.loading || prev.loading}>
      {cur.error && <p class="error">{cur.error.message}</p>}
      {metrics.map((m, i) => {
        const ch = values && before ? change(m, values[i], before[i]) : null;
        const good = ch && (ch.value === 0 ? null : ch.value > 0 === higherIsBetter(m));
        const label = goal ? GOAL_LABELS[m]! : realtime ? `${METRIC_LABELS[m]} (last 30 min)` : METRIC_LABELS[m]!;
        return (
          <button
            key={m}
            class={`stat${ctx.state.metric === m ? ' selected' : ''}`}
            aria-pressed={ctx.state.metric === m}
            onClick={() => ctx.update({ metric: m })}
            title={`Show ${label} in the graph`}
          >
            <span class="label">{label}</span>
            <span class="value" data-metric={m} data-value={values ? String(values[i]) : ''}>
              {values ? formatMetric(m, values[i]) : '…'}
            </span>
            {ch && (
              <span class={`change ${good === null ? '' : good ? 'good' : 'bad'}`} aria-label={`change ${ch.value}${ch.unit === '%' ? ' percent' : ' points'}`}>
                {ch.value > 0 ? '↑' : ch.value < 0 ? '↓' : ''}
                {Math.abs(ch.value)}
                {ch.unit === '%' ? '%' : ' pp'}
              </span>
            )}
          </button>
        );
      })}
    </section>
  );
}
