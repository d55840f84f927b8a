import { strToU8, zipSync } from 'fflate';
import { runQuery, type MetricValue, type QueryBody } from './api';
import type { Ctx } from './ctx';
import { topMetrics } from './components/TopStats';

function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? String((v as { value: number }).value) : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`; // no formulas when opened in a spreadsheet
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (header: string[], rows: unknown[][]): string => [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

/** The current view as CSV files, one per panel and the time series, in one zip file. */
export async function downloadCsv(ctx: Ctx): Promise<void> {
  const tops = topMetrics(ctx);
  const interval = ctx.state.period === 'realtime' ? 'minute' : ctx.state.interval ?? ctx.range.interval;
  const parts: Array<[string, string, QueryBody]> = [
    ['visitors.csv', 'date', ctx.body({ metrics: tops.filter((m) => m !== 'views_per_visit'), dimensions: [`time:${interval}`] })],
    ['sources.csv', 'source', ctx.body({ metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'], dimensions: ['visit:source'], pagination: { limit: 10_000, offset: 0 } })],
    ['pages.csv', 'page', ctx.body({ metrics: ['visitors', 'pageviews', 'bounce_rate'], dimensions: ['event:page'], pagination: { limit: 10_000, offset: 0 } })],
    ['locations.csv', 'country', ctx.body({ metrics: ['visitors', 'percentage'], dimensions: ['visit:country_name'], pagination: { limit: 10_000, offset: 0 } })],
    ['devices.csv', 'browser', ctx.body({ metrics: ['visitors', 'percentage'], dimensions: ['visit:browser'], pagination: { limit: 10_000, offset: 0 } })],
  ];
  if (ctx.site.goals.length) parts.push(['goals.csv', 'goal', ctx.body({ metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'], pagination: { limit: 10_000, offset: 0 } })]);
  const files: Record<string, Uint8Array> = {};
  await Promise.all(
    parts.map(async ([name, dimName, body]) => {
      const r = await runQuery(body);
      const header = [dimName, ...body.metrics];
      let rows = r.results.map((x) => [...x.dimensions, ...x.metrics.map((m: MetricValue) => m)]);
      if (name === 'visitors.csv' && tops.includes('views_per_visit')) {
        // not a time-series metric of the Stats API: pageviews / visits of each bucket
        const p = body.metrics.indexOf('pageviews') + 1;
        const v = body.metrics.indexOf('visits') + 1;
        header.push('views_per_visit');
        rows = rows.map((row) => [...row, Number(row[v]) ? Math.round((Number(row[p]) / Number(row[v])) * 100) / 100 : 0]);
      }
      files[name] = strToU8(csv(header, rows));
    }),
  );
  const zip = zipSync(files);
  const url = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `Footfall export ${ctx.site.domain} ${ctx.range.from} ${ctx.range.to}.zip`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
