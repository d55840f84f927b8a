import { ErrorLine } from './ErrorLine';
import type uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import type { MetricValue } from '../api';
import type { Ctx } from '../ctx';
import { dateFormat, formatMetric, METRIC_LABELS, numeric } from '../format';
import { useAsync, useQuery } from '../hooks';

/** The graph library is a chunk of its own, fetched while the first queries run. */
let uplotModule: Promise<typeof uPlot> | null = null;
const loadUPlot = (): Promise<typeof uPlot> => (uplotModule ??= import('uplot').then((m) => m.default));
import { comparisonRange, type Interval } from '../periods';
import { GOAL_LABELS } from './TopStats';

const INTERVALS: Interval[] = ['hour', 'day', 'week', 'month'];

function intervalsFor(ctx: Ctx): Interval[] {
  if (ctx.state.period === 'realtime') return ['minute'];
  const days = (Date.parse(ctx.range.to) - Date.parse(ctx.range.from)) / 86_400_000 + 1;
  return INTERVALS.filter((i) => (i === 'hour' ? days <= 31 : i === 'week' ? days >= 14 : i === 'month' ? days >= 28 : true));
}

function label(l: string, interval: Interval): string {
  const d = new Date(Date.UTC(+l.slice(0, 4), +l.slice(5, 7) - 1, +l.slice(8, 10), +(l.slice(11, 13) || 0), +(l.slice(14, 16) || 0)));
  const o: Intl.DateTimeFormatOptions = { timeZone: 'UTC' };
  if (interval === 'minute') return dateFormat('en-GB', { ...o, hour: '2-digit', minute: '2-digit' }).format(d);
  if (interval === 'hour') return dateFormat('en-GB', { ...o, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d);
  if (interval === 'month') return dateFormat('en-GB', { ...o, month: 'short', year: 'numeric' }).format(d);
  return dateFormat('en-GB', { ...o, day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

const css = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#6366f1';

/** The main graph: the chosen metric per bucket, the comparison period beside it, the unfinished bucket dashed. */
export function Graph({ ctx, metrics }: { ctx: Ctx; metrics: string[] }) {
  const metric = metrics.includes(ctx.state.metric) ? ctx.state.metric : metrics[0]!;
  const options = intervalsFor(ctx);
  const interval = ctx.state.interval && options.includes(ctx.state.interval) ? ctx.state.interval : options.includes(ctx.range.interval) ? ctx.range.interval : options[0]!;
  const realtime = ctx.state.period === 'realtime';
  // Views per visit cannot be broken down by time in the Stats API: it is pageviews / visits of each bucket.
  const asked = metric === 'views_per_visit' ? ['pageviews', 'visits'] : [metric];
  const cur = useQuery(ctx.body({ metrics: asked, dimensions: [`time:${interval}`], include: { time_labels: true } }), realtime ? 10_000 : 0);
  const cmp = ctx.state.comparison && !realtime ? comparisonRange(ctx.range, ctx.state.comparison, [ctx.state.compareFrom, ctx.state.compareTo]) : null;
  const prev = useQuery(cmp ? ctx.body({ metrics: asked, date_range: cmp, dimensions: [`time:${interval}`], include: { time_labels: true } }) : null);
  const valueOf = (m: MetricValue[]): number => (asked.length === 2 ? (numeric(m[1]) ? Math.round((numeric(m[0]) / numeric(m[1])) * 100) / 100 : 0) : numeric(m[0]));
  const title = (ctx.effective.some((f) => f[1] === 'event:goal') ? GOAL_LABELS[metric] : undefined) ?? METRIC_LABELS[metric]!;
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const lib = useAsync('uplot', () => loadUPlot());
  useEffect(() => {
    const data = cur.data;
    const UPlot = lib.data;
    if (cur.error) {
      // no curve of another period under an error
      plot.current?.destroy();
      plot.current = null;
    }
    if (!data || !el.current || !UPlot) return;
    const labels = data.meta.time_labels ?? [];
    const byLabel = new Map(data.results.map((r) => [r.dimensions[0], valueOf(r.metrics)]));
    const values = labels.map((l) => byLabel.get(l) ?? 0);
    const prevLabels = prev.data?.meta.time_labels ?? [];
    const prevBy = new Map((prev.data?.results ?? []).map((r) => [r.dimensions[0], valueOf(r.metrics)]));
    const prevValues = labels.map((_, i) => (i < prevLabels.length ? prevBy.get(prevLabels[i]!) ?? 0 : null));
    // The bucket holding "now" is not over: drawn dashed, apart from the finished ones.
    const live = ctx.range.live && values.length > 0;
    const done = values.map((v, i) => (live && i === values.length - 1 ? null : v));
    const open = values.map((v, i) => (live && i >= values.length - 2 ? v : null));
    const xs = labels.map((_, i) => i);
    const series: uPlot.Series[] = [
      { label: 'Time', value: (_u, v) => (v === null || labels[v] === undefined ? '' : label(labels[v]!, interval)) },
      { label: title, stroke: css('--accent'), width: 2, fill: css('--accent-fill'), value: (_u, v) => formatMetric(metric, v), points: { show: values.length < 40 } },
      { label: 'Not over yet', stroke: css('--accent'), width: 2, dash: [6, 6], value: (_u, v) => formatMetric(metric, v), points: { show: false } },
    ];
    const rows: uPlot.AlignedData = [xs, done, open];
    if (cmp) {
      series.push({ label: 'Comparison', stroke: css('--muted'), width: 1.5, dash: [3, 3], value: (_u, v) => formatMetric(metric, v), points: { show: false } });
      (rows as unknown as Array<Array<number | null>>).push(prevValues);
    }
    const width = el.current.clientWidth || 600;
    plot.current?.destroy();
    const tip = document.createElement('div');
    tip.className = 'graph-tip';
    tip.hidden = true;
    const cmpLabel = cmp ? (ctx.state.comparison === 'year_over_year' ? 'a year before' : ctx.state.comparison === 'custom' ? `${cmp[0]} – ${cmp[1]}` : 'previous period') : '';
    /** A tooltip at the cursor: the bucket, its value and the comparison's (the legend row is hidden). */
    const showTip = (u: uPlot) => {
      const i = u.cursor.idx;
      if (i === null || i === undefined || labels[i] === undefined || u.cursor.left === undefined || u.cursor.left < 0) return void (tip.hidden = true);
      tip.hidden = false;
      tip.replaceChildren();
      const head = document.createElement('strong');
      head.textContent = label(labels[i]!, interval);
      const line = document.createElement('div');
      line.textContent = `${title}: ${formatMetric(metric, values[i] ?? 0)}`;
      tip.append(head, line);
      if (cmp && prevValues[i] !== null && prevValues[i] !== undefined) {
        const p = document.createElement('div');
        p.className = 'muted';
        p.textContent = `${prevLabels[i] ? label(prevLabels[i]!, interval) : cmpLabel}: ${formatMetric(metric, prevValues[i])}`;
        tip.append(p);
      }
      const x = u.cursor.left + u.over.offsetLeft;
      tip.style.left = `${Math.min(x + 12, (el.current?.clientWidth ?? 600) - 180)}px`;
      tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
    };
    const axisColor = css('--muted');
    plot.current = new UPlot(
      {
        width,
        height: 240,
        padding: [8, 44, 0, 0],
        series,
        legend: { show: false },
        hooks: { setCursor: [showTip] },
        cursor: { y: false, points: { size: 7 } },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          {
            stroke: axisColor,
            grid: { show: false },
            values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && labels[t] ? label(labels[t]!, interval) : '')),
            space: 80,
          },
          { stroke: axisColor, grid: { stroke: css('--grid'), width: 1 }, values: (_u, ticks) => ticks.map((t) => formatMetric(metric, t)), size: 60 },
        ],
      },
      rows,
      el.current,
    );
    for (const old of el.current.querySelectorAll('.graph-tip')) old.remove();
    el.current.append(tip);
    const ro = new ResizeObserver(() => el.current && plot.current?.setSize({ width: el.current.clientWidth, height: 240 }));
    ro.observe(el.current);
    return () => ro.disconnect();
  }, [cur.data, prev.data, metric, interval, lib.data]);
  useEffect(() => () => plot.current?.destroy(), []);

  return (
    <section class="card graph" aria-label={`${title} over time`}>
      <div class="graph-head">
        <h2>{title}</h2>
        {options.length > 1 && (
          <label class="interval">
            <span class="sr-only">Interval</span>
            <select value={interval} onChange={(e) => ctx.update({ interval: (e.target as HTMLSelectElement).value as Interval })}>
              {options.map((i) => (
                <option value={i}>{i === 'hour' ? 'Hours' : i === 'day' ? 'Days' : i === 'week' ? 'Weeks' : 'Months'}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ErrorLine q={cur} />
      <div ref={el} class="plot" aria-busy={cur.loading || prev.loading || !lib.data} />
    </section>
  );
}
