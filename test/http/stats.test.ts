import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, newKey, postEvent, serverForFile, startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let key: string;
serverForFile((s, k) => {
  srv = s;
  key = k;
});

const query = async (body: unknown, auth: string | null = `Bearer ${key}`) => {
  const res = await fetch(`${srv.url}/api/v2/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const v1 = async (path: string) => {
  const res = await fetch(`${srv.url}/api/v1/stats/${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
};

/** Waits until the query's first metric reaches `n` (rows are written by the buffer within its flush interval). */
async function until(body: unknown, n: number): Promise<any> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await query(body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (r.body.results[0]?.metrics[0] >= n) return r.body;
    assert.ok(Date.now() < deadline, `still ${JSON.stringify(r.body.results)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('auth answers of the Stats API, in Plausible’s words', async () => {
  assert.equal((await cli(srv.dataDir, ['sites', 'add', 'auth.example'])).code, 0);
  const body = { site_id: 'auth.example', metrics: ['visitors'], date_range: 'day' };
  assert.deepEqual(await query(body, null), { status: 401, body: { error: 'Missing API key. Please use a valid Plausible API key as a Bearer Token.' } });
  assert.deepEqual(await query(body, 'Basic abc'), { status: 401, body: { error: 'Missing API key. Please use a valid Plausible API key as a Bearer Token.' } });
  const invalid = "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested.";
  assert.deepEqual(await query(body, 'Bearer nope'), { status: 401, body: { error: invalid } });
  assert.deepEqual(await query({ ...body, site_id: 'other.example' }), { status: 401, body: { error: invalid } });
  assert.deepEqual(await query({ ...body, site_id: "x' OR 1=1 --" }), { status: 401, body: { error: invalid } });
  assert.deepEqual(await query({ metrics: ['visitors'], date_range: 'day' }), { status: 400, body: { error: 'Missing site ID. Please provide the required site_id parameter with your request.' } });
  assert.equal((await query('{not json')).status, 400);
  assert.deepEqual(await query({ ...body, metrics: ['nope'] }), { status: 400, body: { error: '#/metrics/0: Invalid metric "nope"' } });
  assert.equal((await query(body)).status, 200);
  const res = await fetch(`${srv.url}/api/v2/query`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 405);
});

test('the API key rate limit answers 429 with Plausible’s message', async () => {
  const limited = await startServer({ env: { FOOTFALL_API_RATE_LIMIT_PER_HOUR: '3' } });
  try {
    const k = await newKey(limited.dataDir);
    assert.equal((await cli(limited.dataDir, ['sites', 'add', 'limit.example'])).code, 0);
    const ask = () => fetch(`${limited.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${k}` }, body: JSON.stringify({ site_id: 'limit.example', metrics: ['visitors'], date_range: 'day' }) });
    for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
    const r = await ask();
    assert.equal(r.status, 429);
    assert.deepEqual(await r.json(), { error: 'Too many API requests. Your API key is limited to 3 requests per hour. Please contact us to request more capacity.' });
  } finally {
    await limited.stop();
  }
});

test('events in, numbers out: v2 aggregate, breakdown and time series, and v1 on the same data', async () => {
  assert.equal((await cli(srv.dataDir, ['sites', 'add', 'read.example'])).code, 0);
  const send = (ip: string, body: Record<string, unknown>) => postEvent(srv.url, { d: 'read.example', ...body }, { 'x-forwarded-for': ip });
  for (const [ip, page, ref] of [['10.0.0.1', '/', 'https://www.google.com/'], ['10.0.0.1', '/pricing', ''], ['10.0.0.2', '/', ''], ['10.0.0.3', '/blog', 'https://news.ycombinator.com/']]) {
    assert.equal((await send(ip!, { n: 'pageview', u: `https://read.example${page}`, r: ref })).status, 202);
  }
  assert.equal((await send('10.0.0.2', { n: 'Signup', u: 'https://read.example/' })).status, 202);
  // (events and sessions are inserted separately: wait for the figures of both tables, not only the events')
  const aggBody = { site_id: 'read.example', metrics: ['pageviews', 'visitors', 'visits', 'bounce_rate', 'events'], date_range: 'day' };
  await until(aggBody, 4);
  let agg = (await query(aggBody)).body;
  for (const deadline = Date.now() + 15_000; JSON.stringify(agg.results) !== JSON.stringify([{ metrics: [4, 3, 3, 33, 5], dimensions: [] }]) && Date.now() < deadline; ) {
    await new Promise((res) => setTimeout(res, 50));
    agg = (await query(aggBody)).body;
  }
  assert.deepEqual(agg.results, [{ metrics: [4, 3, 3, 33, 5], dimensions: [] }]);
  const pages = await query({ site_id: 'read.example', metrics: ['visitors'], date_range: 'day', dimensions: ['event:page'], include: { total_rows: true } });
  assert.deepEqual(pages.body.results, [{ metrics: [2], dimensions: ['/'] }, { metrics: [1], dimensions: ['/blog'] }, { metrics: [1], dimensions: ['/pricing'] }]);
  assert.deepEqual(pages.body.meta, { total_rows: 3 });
  const hours = await query({ site_id: 'read.example', metrics: ['pageviews'], date_range: 'day', dimensions: ['time:hour'], include: { time_labels: true } });
  assert.equal(hours.body.meta.time_labels.length, 24);
  assert.equal(hours.body.results.length, 1);

  // goals through the CLI, then goal conversions
  assert.equal((await cli(srv.dataDir, ['goals', 'add', 'read.example', '--event', 'Signup', '--currency', 'eur'])).code, 0);
  assert.equal((await cli(srv.dataDir, ['goals', 'add', 'read.example', '--page', '/blog*'])).code, 0);
  const goals = await query({ site_id: 'read.example', metrics: ['visitors', 'conversion_rate'], date_range: 'day', dimensions: ['event:goal'] });
  assert.deepEqual(goals.body.results, [{ metrics: [1, 33.33], dimensions: ['Signup'] }, { metrics: [1, 33.33], dimensions: ['Visit /blog*'] }]);

  // v1
  const realtime = await v1('realtime/visitors?site_id=read.example');
  assert.deepEqual(realtime, { status: 200, body: 3 });
  const aggregate = await v1('aggregate?site_id=read.example&period=day&metrics=visitors,pageviews,bounce_rate&compare=previous_period');
  // against an empty previous day: counts change by 100 %, a rate has no change (Plausible's v1)
  assert.deepEqual(aggregate.body, {
    results: { visitors: { value: 3, change: 100, comparison_value: 0 }, pageviews: { value: 4, change: 100, comparison_value: 0 }, bounce_rate: { value: 33, change: null, comparison_value: 0 } },
  });
  // 30d: the thirty days before today and today
  const ts = await v1('timeseries?site_id=read.example&period=30d&metrics=visitors');
  assert.equal(ts.body.results.length, 31);
  assert.deepEqual(ts.body.results[30].visitors, 3);
  assert.deepEqual(ts.body.results[0], { date: ts.body.results[0].date, visitors: 0 });
  const bd = await v1('breakdown?site_id=read.example&period=day&property=visit:source&metrics=visitors,bounce_rate');
  assert.deepEqual(bd.body.results, [
    { source: 'Direct / None', visitors: 1, bounce_rate: 0 },
    { source: 'Google', visitors: 1, bounce_rate: 0 },
    { source: 'Hacker News', visitors: 1, bounce_rate: 100 },
  ]);
  const filtered = await v1('aggregate?site_id=read.example&period=day&metrics=pageviews&filters=' + encodeURIComponent('event:page==/|/blog*'));
  assert.deepEqual(filtered.body, { results: { pageviews: { value: 3 } } });
  const goalFiltered = await v1('aggregate?site_id=read.example&period=day&metrics=visitors,conversion_rate&filters=' + encodeURIComponent('event:goal==Signup'));
  assert.deepEqual(goalFiltered.body, { results: { visitors: { value: 1 }, conversion_rate: { value: 33.33 } } });
  assert.equal((await v1('aggregate?site_id=read.example&period=forever')).status, 400);
  assert.equal((await v1('breakdown?site_id=read.example&period=day')).status, 400);
});

test('goals CLI: add, list, remove, and its refusals', async () => {
  assert.equal((await cli(srv.dataDir, ['sites', 'add', 'goals.example'])).code, 0);
  const add = await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--event', 'Purchase', '--currency', 'USD']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /added goal Purchase \(revenue in USD\)/);
  assert.equal((await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--page', '/pricing*'])).code, 0);
  const list = await cli(srv.dataDir, ['goals', 'list', 'goals.example', '--json']);
  assert.deepEqual(JSON.parse(list.stdout).map((g: any) => [g.name, g.currency]), [['Purchase', 'USD'], ['Visit /pricing*', '']]);
  assert.match((await cli(srv.dataDir, ['goals', 'list', 'goals.example'])).stdout, /Visit \/pricing\*/);
  const dup = await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--event', 'Purchase']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already has the goal Purchase/);
  assert.match((await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--event', 'X', '--currency', 'XYZW'])).stderr, /unknown currency/);
  assert.match((await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--page', 'no-slash'])).stderr, /starts with \//);
  assert.equal((await cli(srv.dataDir, ['goals', 'add', 'goals.example'])).code, 2);
  const rm = await cli(srv.dataDir, ['goals', 'remove', 'goals.example', 'Visit /pricing*']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(JSON.parse((await cli(srv.dataDir, ['goals', 'list', 'goals.example', '--json'])).stdout).map((g: any) => g.name), ['Purchase']);
  assert.equal((await cli(srv.dataDir, ['goals', 'remove', 'goals.example', 'nope'])).code, 1);
  // a display name with property conditions; a scroll-depth goal; what the Stats API then answers for them
  const pro = await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--event', 'Purchase', '--prop', 'plan=pro', '--prop', 'tier=1', '--display-name', 'Pro purchase']);
  assert.equal(pro.code, 0, pro.stderr);
  assert.match(pro.stdout, /added goal Pro purchase/);
  assert.match((await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--page', '/docs/**', '--scroll', '75'])).stdout, /added goal Scroll 75% on \/docs\/\*\*/);
  assert.match((await cli(srv.dataDir, ['goals', 'add', 'goals.example', '--event', 'Y', '--prop', 'novalue'])).stderr, /--prop takes key=value/);
  const goals = JSON.parse((await cli(srv.dataDir, ['goals', 'list', 'goals.example', '--json'])).stdout) as Array<{ name: string; props: unknown; scrollThreshold: number }>;
  assert.deepEqual(goals.map((g) => [g.name, g.props, g.scrollThreshold]), [['Purchase', [], -1], ['Pro purchase', [['plan', 'pro'], ['tier', '1']], -1], ['Scroll 75% on /docs/**', [], 75]]);
  // a removed goal is gone for the Stats API too
  const r = await query({ site_id: 'goals.example', metrics: ['visitors'], date_range: 'day', filters: [['is', 'event:goal', ['Visit /pricing*']]] });
  assert.equal(r.status, 400);
});
