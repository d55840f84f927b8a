import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newKey, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { SEED_DOMAIN, seedDashboard } from '../helpers/seed.js';

/**
 * Every query the dashboard makes for a view, under one filter of every kind and operator and a few combined:
 * each must answer 200 (never a 4xx the page caused, never a 5xx). The page's own choice of metrics under a
 * filter (as Plausible's dashboard swaps them) is restated here: topMetrics in web/src/components/TopStats.tsx.
 */
let srv: TestServer;
let key: string;

before(async () => {
  const dir = tempDir();
  await seedDashboard(dir);
  srv = await startServer({ dataDir: dir });
  key = await newKey(dir);
});
after(async () => {
  await srv?.stop();
});

type Filter = [string, string, string[]];

async function query(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: SEED_DOMAIN, ...body }) });
  return { status: res.status, body: await res.json() };
}

const VISIT = ['visitors', 'visits', 'bounce_rate', 'visit_duration'];
/** The panels' tabs: dimension, list metric, details metrics, the tab's own filters. */
const TABS: Array<{ dim: string; details: string[]; filters?: Filter[] }> = [
  { dim: 'visit:channel', details: VISIT },
  { dim: 'visit:source', details: VISIT },
  { dim: 'visit:utm_medium', details: VISIT },
  { dim: 'visit:utm_campaign', details: VISIT },
  { dim: 'event:page', details: ['visitors', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'], filters: [['is', 'event:name', ['pageview']]] },
  { dim: 'visit:entry_page', details: VISIT },
  { dim: 'visit:exit_page', details: ['visitors', 'visits'] },
  { dim: 'visit:country', details: ['visitors'] },
  { dim: 'visit:country_name', details: ['visitors', 'percentage'] },
  { dim: 'visit:region_name', details: ['visitors', 'percentage'] },
  { dim: 'visit:city_name', details: ['visitors', 'percentage'] },
  { dim: 'visit:browser', details: ['visitors', 'percentage'] },
  { dim: 'visit:os', details: ['visitors', 'percentage'] },
  { dim: 'visit:device', details: ['visitors', 'percentage'] },
  { dim: 'event:goal', details: ['visitors', 'events', 'conversion_rate'] },
  { dim: 'event:props:plan', details: ['visitors', 'events', 'percentage'] },
];

const FILTER_DIMS = ['event:page', 'visit:entry_page', 'visit:exit_page', 'event:hostname', 'visit:channel', 'visit:source', 'visit:referrer', 'visit:utm_medium', 'visit:utm_source', 'visit:utm_campaign', 'visit:country', 'visit:region', 'visit:city', 'visit:country_name', 'visit:region_name', 'visit:city_name', 'visit:browser', 'visit:browser_version', 'visit:os', 'visit:os_version', 'visit:device', 'event:goal', 'event:name', 'event:props:plan'];

function topMetrics(filters: Filter[]): string[] {
  if (filters.some((f) => f[1] === 'event:goal')) return ['visitors', 'events', 'conversion_rate'];
  if (filters.some((f) => f[1] === 'event:page')) return ['visitors', 'visits', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'];
  return ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
}

/** The tab's own filters under the view's: Top pages counts pageviews, except under a goal filter (conversions). */
function tabFilters(tab: (typeof TABS)[number], view: Filter[]): Filter[] {
  if (view.some((f) => f[1] === 'event:goal')) return view;
  return [...view, ...(tab.filters ?? [])];
}

test('every panel, tab, top stat and graph answers under every filter kind and operator', async () => {
  const range = '30d';
  const values: Record<string, string> = {};
  for (const dim of FILTER_DIMS) {
    const r = await query({ metrics: ['visitors'], date_range: range, dimensions: [dim], pagination: { limit: 1, offset: 0 } });
    assert.equal(r.status, 200, `${dim}: ${JSON.stringify(r.body)}`);
    values[dim] = String(r.body.results[0]?.dimensions[0] ?? 'none');
  }
  const views: Filter[][] = [[]];
  for (const dim of FILTER_DIMS) {
    for (const op of ['is', 'is_not', 'contains', 'contains_not']) {
      if (dim === 'event:goal' && op.endsWith('_not')) continue; // goals take is and contains (web/src/dims.ts operatorsFor)
      const v = op.startsWith('contains') ? values[dim]!.slice(0, 3) : values[dim]!;
      views.push([[op, dim, [v]]]);
    }
  }
  views.push([['is', 'event:page', [values['event:page']!]], ['is', 'visit:source', [values['visit:source']!]]]);
  views.push([['is', 'event:goal', [values['event:goal']!]], ['is', 'visit:country', [values['visit:country']!]]]);
  views.push([['is', 'event:goal', [values['event:goal']!]], ['is', 'event:page', [values['event:page']!]]]);
  views.push([['is', 'visit:entry_page', [values['visit:entry_page']!]], ['is', 'visit:browser', [values['visit:browser']!]], ['contains', 'event:props:plan', ['pr']]]);
  const failures: string[] = [];
  for (const view of views) {
    const bodies: Array<Record<string, unknown>> = [
      { metrics: topMetrics(view), date_range: range, filters: view },
      { metrics: [topMetrics(view)[0]], date_range: range, filters: view, dimensions: ['time:day'] },
    ];
    for (const tab of TABS) {
      const filters = tabFilters(tab, view);
      bodies.push({ metrics: ['visitors'], date_range: range, filters, dimensions: [tab.dim], pagination: { limit: 9, offset: 0 } });
      bodies.push({ metrics: tab.details, date_range: range, filters, dimensions: [tab.dim], pagination: { limit: 100, offset: 0 } });
    }
    for (const b of bodies) {
      const r = await query(b);
      if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)} for ${JSON.stringify({ metrics: b.metrics, dimensions: b.dimensions, filters: b.filters })}`);
    }
  }
  assert.deepEqual(failures, []);
});
