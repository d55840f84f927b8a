import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GeoIp } from '../../src/ingest/geo.js';
import { EMPTY_UA, type UaInfo } from '../../src/ingest/useragent.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { Backfill } from '../../src/store/backfill.js';
import { ChdbBackend } from '../../src/store/chdb.js';
import { ClickHouseBackend } from '../../src/store/clickhouse.js';
import type { Goal, Site } from '../../src/store/repo.js';
import { Store } from '../../src/store/store.js';
import { channelExpression, channelOf } from '../../src/stats/channel.js';
import { sqlString } from '../../src/store/sql.js';
import { StatsEngine } from '../../src/stats/engine.js';
import { parseQuery, QueryError } from '../../src/stats/query.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/server.js';

/**
 * The Stats API's query engine on every backend, over a hand-made data set whose every figure is worked out
 * by hand below (see the comments next to the events).
 */
const backends: Array<{ name: string; open(): Promise<SqlBackend> }> = [{ name: 'chdb', open: async () => ChdbBackend.open(path.join(tempDir(), 'chdb')) }];
if (process.env.FOOTFALL_TEST_CLICKHOUSE_URL) {
  backends.push({ name: 'clickhouse server', open: async () => new ClickHouseBackend({ url: process.env.FOOTFALL_TEST_CLICKHOUSE_URL! }) });
}

const log = createLogger('error', () => {});
const geo = GeoIp.open();
const ua = (browser: string, os: string, screen: string): UaInfo => ({ ...EMPTY_UA, browser, browser_version: '1.0', operating_system: os, operating_system_version: '10', screen_size: screen });
const CHROME = ua('Chrome', 'Windows', 'Desktop');
const FIREFOX = ua('Firefox', 'Mac', 'Desktop');
const SAFARI = ua('Safari', 'iOS', 'Mobile');
const ANDROID = ua('Chrome', 'Android', 'Mobile');
// Public addresses: their countries are whatever the shipped database says (asserted through geo.lookup).
const IP = { v1: '8.8.8.8', v2: '81.2.69.142', v3: '1.1.1.1', v4: '9.9.9.9', b1: '8.8.4.4', b2: '208.67.222.222' };
const NOW = Date.parse('2026-03-10T12:00:00Z');

const siteA: Site = { id: 1, domain: 'stats-a.test', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
const siteB: Site = { id: 2, domain: 'stats-b.test', timezone: 'Asia/Kathmandu', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
const goal = (id: number, eventName: string, pagePath: string, currency = ''): Goal => ({ id, siteId: 1, eventName, pagePath, currency, displayName: '', props: [], scrollThreshold: -1, createdAt: '' });
const goalsA = [goal(1, 'Signup', '', 'EUR'), goal(2, '', '/blog/**'), goal(3, 'Outbound Link: Click', '')];

async function load(store: Store): Promise<void> {
  const sites = new Map([[siteA.domain, siteA], [siteB.domain, siteB]]);
  const bf = new Backfill(store, { byDomain: (d) => sites.get(d) }, geo, path.join(tempDir(), 'salts.json'));
  const hit = (at: string, ip: string, u: UaInfo, body: Record<string, unknown>) => bf.add({ at: new Date(at), ip, userAgent: `${u.browser}/${u.operating_system}`, ua: u, body: { d: 'stats-a.test', ...body } });
  // D1 = 2026-03-02
  // S1: V1, Google, 2 pageviews 25 min apart, engagement, Signup with revenue: duration 1560 s, not a bounce
  hit('2026-03-02T10:00:00Z', IP.v1, CHROME, { n: 'pageview', u: 'https://stats-a.test/', r: 'https://www.google.com/' });
  hit('2026-03-02T10:25:00Z', IP.v1, CHROME, { n: 'pageview', u: 'https://stats-a.test/pricing', r: 'https://stats-a.test/' });
  hit('2026-03-02T10:25:30Z', IP.v1, CHROME, { n: 'engagement', u: 'https://stats-a.test/pricing', sd: 80, e: 30_000 });
  hit('2026-03-02T10:26:00Z', IP.v1, CHROME, { n: 'Signup', u: 'https://stats-a.test/pricing', p: { plan: 'pro' }, $: { currency: 'EUR', amount: 10.5 } });
  // S2: V2, newsletter (utm), one pageview: a bounce; engagement
  hit('2026-03-02T11:00:00Z', IP.v2, FIREFOX, { n: 'pageview', u: 'https://stats-a.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring' });
  hit('2026-03-02T11:00:05Z', IP.v2, FIREFOX, { n: 'engagement', u: 'https://stats-a.test/', sd: 40, e: 5000 });
  // S3: V3, Hacker News, 2 pageviews + an outbound click: 120 s
  hit('2026-03-02T12:00:00Z', IP.v3, SAFARI, { n: 'pageview', u: 'https://stats-a.test/blog/post-1', r: 'https://news.ycombinator.com/' });
  hit('2026-03-02T12:01:00Z', IP.v3, SAFARI, { n: 'pageview', u: 'https://stats-a.test/blog/post-2' });
  hit('2026-03-02T12:02:00Z', IP.v3, SAFARI, { n: 'Outbound Link: Click', u: 'https://stats-a.test/blog/post-2', p: { url: 'https://x.com/' } });
  // D2 = 2026-03-03 (a new salt: V1 is a new visitor id)
  // S4: V1', direct, pageview then Signup (interactive): not a bounce, 300 s
  hit('2026-03-03T09:00:00Z', IP.v1, CHROME, { n: 'pageview', u: 'https://stats-a.test/pricing' });
  hit('2026-03-03T09:05:00Z', IP.v1, CHROME, { n: 'Signup', u: 'https://stats-a.test/pricing', p: { plan: 'basic' }, $: { currency: 'EUR', amount: 20 } });
  // S5: V4, direct bounce
  hit('2026-03-03T23:50:00Z', IP.v4, ANDROID, { n: 'pageview', u: 'https://stats-a.test/' });
  // D3 = 2026-03-05: V2'' twice, 40 min apart: two sessions (Bing, then direct), both bounces
  hit('2026-03-05T08:00:00Z', IP.v2, FIREFOX, { n: 'pageview', u: 'https://stats-a.test/blog/post-1', r: 'https://www.bing.com/' });
  hit('2026-03-05T08:40:00Z', IP.v2, FIREFOX, { n: 'pageview', u: 'https://stats-a.test/' });
  // Site B in Asia/Kathmandu (+05:45): 18:10 UTC is 23:55 on Mar 2 there, 18:20 UTC is 00:05 on Mar 3.
  hit('2026-03-02T18:10:00Z', IP.b1, CHROME, { d: 'stats-b.test', n: 'pageview', u: 'https://stats-b.test/' });
  hit('2026-03-02T18:20:00Z', IP.b2, FIREFOX, { d: 'stats-b.test', n: 'pageview', u: 'https://stats-b.test/x' });
  await bf.flush();
  assert.equal(bf.events, 16);
}

for (const b of backends) {
  describe(`stats engine: ${b.name}`, () => {
    let backend: SqlBackend;
    let engine: StatsEngine;
    let store: Store;
    before(async () => {
      backend = await b.open();
      store = new Store(backend, { db: `stats_${process.pid}`, flushRows: 10_000, flushIntervalMs: 60_000, bufferMaxRows: 1_000_000, log });
      await backend.command(`DROP DATABASE IF EXISTS stats_${process.pid}`);
      await store.migrate();
      await load(store);
      await geo.warmUp();
      engine = new StatsEngine(backend, store.db, geo);
    });
    after(async () => {
      await backend?.command(`DROP DATABASE IF EXISTS stats_${process.pid}`);
      await backend?.close();
    });

    const q = async (body: Record<string, unknown>, site = siteA) => {
      const start = body.date_range === 'all' ? await engine.statsStart(site.id, site.timezone) : null;
      return engine.query(parseQuery({ site_id: site.domain, ...body }, site, site === siteA ? goalsA : [], { nowMs: NOW, statsStart: start }));
    };
    const range = ['2026-03-02', '2026-03-05'];
    const rows = async (body: Record<string, unknown>, site = siteA) => (await q({ date_range: range, ...body }, site)).results.map((r) => [...r.dimensions, ...r.metrics]);
    const bad = async (body: Record<string, unknown>, message: RegExp | string) => {
      const err = await q({ date_range: range, ...body }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof QueryError, `expected a 400 for ${JSON.stringify(body)}, got ${String(err)}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
    };

    test('aggregate: every session and event metric', async () => {
      const r = await q({ date_range: range, metrics: ['visitors', 'visits', 'pageviews', 'events', 'views_per_visit', 'bounce_rate', 'visit_duration'] });
      // 6 visitor ids (salts rotate daily), 7 sessions, 9 pageviews, 12 events without engagement,
      // bounces S2 S5 S6 S7 = 4/7 → 57, duration 1980/7 → 283, 9/7 → 1.29
      assert.deepEqual(r.results, [{ metrics: [6, 7, 9, 12, 1.29, 57, 283], dimensions: [] }]);
      assert.deepEqual(r.query, {
        site_id: 'stats-a.test',
        metrics: ['visitors', 'visits', 'pageviews', 'events', 'views_per_visit', 'bounce_rate', 'visit_duration'],
        date_range: ['2026-03-02T00:00:00+00:00', '2026-03-05T23:59:59+00:00'],
        filters: [],
        dimensions: [],
        order_by: [['visitors', 'desc']],
        include: {},
        pagination: { limit: 10000, offset: 0 },
      });
      assert.deepEqual(r.meta, {});
    });

    test('empty range: zeros, and null for duration', async () => {
      assert.deepEqual(await rows({ date_range: ['2025-01-01', '2025-01-02'], metrics: ['visitors', 'pageviews', 'bounce_rate', 'visit_duration'] }), [[0, 0, 0, null]]);
    });

    test('date ranges: relative forms in the site time zone', async () => {
      const echo = async (date_range: unknown, site = siteA) => (await q({ metrics: ['visitors'], date_range }, site)).query.date_range;
      assert.deepEqual(await echo('day'), ['2026-03-10T00:00:00+00:00', '2026-03-10T23:59:59+00:00']);
      assert.deepEqual(await echo('7d'), ['2026-03-03T00:00:00+00:00', '2026-03-09T23:59:59+00:00']);
      assert.deepEqual(await echo('month'), ['2026-03-01T00:00:00+00:00', '2026-03-31T23:59:59+00:00']);
      assert.deepEqual(await echo('year'), ['2026-01-01T00:00:00+00:00', '2026-12-31T23:59:59+00:00']);
      assert.deepEqual(await echo('6mo'), ['2025-09-01T00:00:00+00:00', '2026-02-28T23:59:59+00:00']);
      assert.deepEqual(await echo('all'), ['2026-03-02T00:00:00+00:00', '2026-03-10T23:59:59+00:00']);
      assert.deepEqual(await echo('day', siteB), ['2026-03-10T00:00:00+05:45', '2026-03-10T23:59:59+05:45']);
      assert.deepEqual(await echo(['2026-03-02T10:00:00Z', '2026-03-02T10:59:59Z']), ['2026-03-02T10:00:00+00:00', '2026-03-02T10:59:59+00:00']);
      assert.deepEqual(await rows({ metrics: ['pageviews'], date_range: ['2026-03-02T10:00:00+00:00', '2026-03-02T10:59:59+00:00'] }), [[2]]);
      const r = await q({ metrics: ['visitors'], date_range: 'month', include: { trim_relative_date_range: true } });
      assert.deepEqual(r.query.date_range, ['2026-03-01T00:00:00+00:00', '2026-03-10T23:59:59+00:00']);
      assert.deepEqual(r.query.include, { trim_relative_date_range: true });
      await bad({ metrics: ['visitors'], date_range: 'bad_period' }, '#/date_range: Invalid date range "bad_period"');
      await bad({ metrics: ['visitors'], date_range: ['2026-03-05', '2026-03-01'] }, /#\/date_range: Invalid date range/);
    });

    test('time series: days with time labels, hours, weeks, months', async () => {
      const r = await q({ date_range: range, metrics: ['visitors', 'pageviews'], dimensions: ['time:day'], include: { time_labels: true } });
      assert.deepEqual(r.results.map((x) => [...x.dimensions, ...x.metrics]), [['2026-03-02', 3, 5], ['2026-03-03', 2, 2], ['2026-03-05', 1, 2]]);
      assert.deepEqual(r.meta.time_labels, ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
      assert.deepEqual(r.query.order_by, [['time:day', 'asc'], ['visitors', 'desc']]);
      // the same visitors with a session metric beside them; bounce rate per day of the sessions' start
      assert.deepEqual(await rows({ metrics: ['visitors', 'bounce_rate', 'visit_duration'], dimensions: ['time:day'] }), [['2026-03-02', 3, 33, 560], ['2026-03-03', 2, 50, 150], ['2026-03-05', 1, 100, 0]]);
      assert.deepEqual(await rows({ date_range: ['2026-03-02', '2026-03-02'], metrics: ['pageviews'], dimensions: ['time'] }), [['2026-03-02 10:00:00', 2], ['2026-03-02 11:00:00', 1], ['2026-03-02 12:00:00', 2]]);
      assert.deepEqual(await rows({ date_range: ['2026-03-04', '2026-03-31'], metrics: ['pageviews'], dimensions: ['time:week'] }), [['2026-03-04', 2]], 'the first week starts at the range');
      assert.deepEqual(await rows({ date_range: ['2026-03-02', '2026-03-31'], metrics: ['pageviews'], dimensions: ['time:week'] }), [['2026-03-02', 9]]);
      assert.deepEqual(await rows({ date_range: ['2026-01-01', '2026-12-31'], metrics: ['visits'], dimensions: ['time'] }), [['2026-03-01', 7]]);
      await bad({ metrics: ['visitors'], include: { time_labels: true } }, 'Invalid include.time_labels: requires a time dimension.');
    });

    test('a quarter-hour time zone: days and hours in the site zone', async () => {
      assert.deepEqual(await rows({ date_range: ['2026-03-02', '2026-03-03'], metrics: ['visitors'], dimensions: ['time:day'] }, siteB), [['2026-03-02', 1], ['2026-03-03', 1]]);
      const r = await q({ date_range: ['2026-03-02', '2026-03-03'], metrics: ['visitors'], dimensions: ['time:hour'], include: { time_labels: true } }, siteB);
      assert.deepEqual(r.results.map((x) => x.dimensions[0]), ['2026-03-02 23:00:00', '2026-03-03 00:00:00']);
      const labels = r.meta.time_labels as string[];
      assert.equal(labels.length, 48);
      assert.equal(labels[0], '2026-03-02 00:00:00');
      assert.equal(labels[47], '2026-03-03 23:00:00');
      assert.deepEqual(r.query.date_range, ['2026-03-02T00:00:00+05:45', '2026-03-03T23:59:59+05:45']);
    });

    test('breakdowns: pages with bounce rate by entry page, sources, channels, devices, locations', async () => {
      // visitors per page (any event there); bounce rate of the sessions that entered on it
      assert.deepEqual(await rows({ metrics: ['visitors', 'bounce_rate'], dimensions: ['event:page'] }), [
        ['/', 4, 75],
        ['/blog/post-1', 2, 50],
        ['/pricing', 2, 0],
        ['/blog/post-2', 1, 0],
      ]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:source'] }), [['Direct / None', 3], ['Bing', 1], ['Google', 1], ['Hacker News', 1], ['newsletter', 1]]);
      assert.deepEqual(await rows({ metrics: ['visits'], dimensions: ['visit:channel'] }), [['Direct', 3], ['Organic Search', 2], ['Email', 1], ['Organic Social', 1]]);
      // channel filters (a lookup of the range's combinations): on sessions and on events, each operator
      assert.deepEqual(await rows({ metrics: ['visits', 'pageviews'], filters: [['is', 'visit:channel', ['Organic Search']]] }), [[2, 3]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['is_not', 'visit:channel', ['Direct', 'Email']]] }), [[3]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['contains', 'visit:channel', ['organic'], { case_sensitive: false }]] }), [[3]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['matches', 'visit:channel', ['^E']]] }), [[1]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['is', 'visit:channel', ['Paid Search']]] }), [[0]]);
      assert.deepEqual(await rows({ metrics: ['visitors', 'events'], dimensions: ['event:page'], filters: [['is', 'visit:channel', ['Organic Social']]] }), [['/blog/post-1', 1, 1], ['/blog/post-2', 1, 2]]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:utm_source', 'visit:utm_campaign'] }), [['(not set)', '(not set)', 5], ['newsletter', 'spring', 1]]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:device'] }), [['Desktop', 4], ['Mobile', 2]]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:os', 'visit:os_version'] }), [['Mac', '10', 2], ['Windows', '10', 2], ['Android', '10', 1], ['iOS', '10', 1]]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:browser'] }), [['Chrome', 3], ['Firefox', 2], ['Safari', 1]]);
      assert.deepEqual(await rows({ metrics: ['visits', 'bounce_rate'], dimensions: ['visit:entry_page'] }), [['/', 4, 75], ['/blog/post-1', 2, 50], ['/pricing', 1, 0]]);
      assert.deepEqual(await rows({ metrics: ['visits'], dimensions: ['visit:exit_page'] }), [['/', 3], ['/pricing', 2], ['/blog/post-1', 1], ['/blog/post-2', 1]]);
      // locations: what the shipped database says for each visitor's address
      const byCountry = new Map<string, number>();
      for (const ip of [IP.v1, IP.v2, IP.v3, IP.v4, IP.v1, IP.v2]) {
        const c = geo.lookup(ip).country_code;
        if (c) byCountry.set(c, (byCountry.get(c) ?? 0) + 1);
      }
      const countries = await rows({ metrics: ['visitors'], dimensions: ['visit:country'] });
      assert.deepEqual(new Map(countries.map(([c, n]) => [c as string, n as number])), byCountry);
      const names = await rows({ metrics: ['visitors'], dimensions: ['visit:country_name'] });
      assert.deepEqual(new Map(names.map(([c, n]) => [c as string, n as number])), new Map([...byCountry].map(([c, n]) => [geo.countryName(c), n])));
      assert.ok(names.some(([n]) => n === 'United States'), JSON.stringify(names));
      const cities = await rows({ metrics: ['visitors'], dimensions: ['visit:city', 'visit:city_name'] });
      for (const [id, name] of cities) {
        assert.equal(typeof id, 'number');
        assert.equal(name, geo.cityName(id as number));
      }
      const regions = await rows({ metrics: ['visitors'], dimensions: ['visit:region', 'visit:region_name'] });
      for (const [code, name] of regions) assert.equal(name, geo.regionName(code as string) || code);
    });

    test('event dimensions: names, hostnames, props with (none), goals with conversion rates and revenue', async () => {
      assert.deepEqual(await rows({ metrics: ['events'], dimensions: ['event:name'] }), [['pageview', 9], ['Signup', 2], ['Outbound Link: Click', 1]]);
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['event:hostname'] }), [['stats-a.test', 6]]);
      assert.deepEqual(await rows({ metrics: ['events'], dimensions: ['event:props:plan'] }), [['(none)', 10], ['basic', 1], ['pro', 1]]);
      // 6 visitors in all: Signup 2 (33.33 %), Visit /blog/** 2, the outbound click 1
      const goals = await q({ date_range: range, metrics: ['visitors', 'events', 'conversion_rate', 'total_revenue', 'average_revenue'], dimensions: ['event:goal'] });
      assert.deepEqual(goals.results, [
        { dimensions: ['Signup'], metrics: [2, 2, 33.33, { value: 30.5, currency: 'EUR', short: '€30.5', long: '€30.50' }, { value: 15.25, currency: 'EUR', short: '€15.2', long: '€15.25' }] },
        { dimensions: ['Visit /blog/**'], metrics: [2, 3, 33.33, null, null] },
        { dimensions: ['Outbound Link: Click'], metrics: [1, 1, 16.67, null, null] },
      ]);
      assert.deepEqual(
        await rows({ metrics: ['visitors', 'conversion_rate'], filters: [['is', 'event:goal', ['Signup']]] }),
        [[2, 33.33]],
      );
      // group conversion rate: per browser, of that browser's visitors
      assert.deepEqual(await rows({ metrics: ['visitors', 'group_conversion_rate'], dimensions: ['visit:browser'], filters: [['is', 'event:goal', ['Signup']]] }), [['Chrome', 2, 66.67]]);
      assert.deepEqual(await rows({ metrics: ['events'], dimensions: ['event:props:plan'], filters: [['is', 'event:goal', ['Signup']]] }), [['basic', 1], ['pro', 1]]);
      const noRevenue = await q({ date_range: range, metrics: ['total_revenue'], filters: [['is', 'event:goal', ['Outbound Link: Click']]] });
      assert.deepEqual(noRevenue.results, [{ metrics: [null], dimensions: [] }]);
      assert.equal((noRevenue.meta.metric_warnings as Record<string, { code: string }>).total_revenue?.code, 'no_revenue_goals_matching');
      await bad({ metrics: ['visitors'], filters: [['is', 'event:goal', ['Nope']]] }, 'Invalid filters. The goal `Nope` is not configured for this site. Find out how to configure goals here: https://plausible.io/docs/stats-api#filtering-by-goals');
      await bad({ metrics: ['conversion_rate'] }, 'Metric `conversion_rate` can only be queried with event:goal filters or dimensions.');
    });

    test('engagement: scroll depth and time on page by page; percentage', async () => {
      assert.deepEqual(await rows({ metrics: ['scroll_depth', 'time_on_page'], dimensions: ['event:page'], order_by: [['event:page', 'asc']] }), [
        ['/', 40, 5],
        ['/pricing', 80, 30],
      ]);
      assert.deepEqual(await rows({ metrics: ['scroll_depth'], filters: [['is', 'event:page', ['/blog/post-1']]] }), [[null]]);
      // Top pages asks with `event:name is pageview`: the engagement events of those pageviews still count
      assert.deepEqual(await rows({ metrics: ['scroll_depth', 'time_on_page'], dimensions: ['event:page'], filters: [['is', 'event:name', ['pageview']]], order_by: [['event:page', 'asc']] }), [
        ['/', 40, 5],
        ['/pricing', 80, 30],
      ]);
      await bad({ metrics: ['scroll_depth'] }, 'Metric `scroll_depth` can only be queried with event:page filters or dimensions.');
      await bad({ metrics: ['time_on_page'] }, 'Metric `time_on_page` can only be queried with event:page filters or dimensions.');
      assert.deepEqual(await rows({ metrics: ['visitors', 'percentage'], dimensions: ['visit:browser'] }), [['Chrome', 3, 50], ['Firefox', 2, 33.3], ['Safari', 1, 16.7]]);
    });

    test('filters: every operator, case sensitivity, and/or/not, display values, session metrics with page filters', async () => {
      const pv = async (filters: unknown[]) => (await rows({ metrics: ['pageviews'], filters }))[0]![0];
      assert.deepEqual(await rows({ metrics: ['pageviews', 'visitors', 'bounce_rate', 'visit_duration'], filters: [['is', 'visit:source', ['Google']]] }), [[2, 1, 0, 1560]]);
      assert.equal(await pv([['is', 'event:page', ['/pricing', '/']]]), 6);
      assert.equal(await pv([['is_not', 'event:page', ['/pricing', '/']]]), 3);
      assert.equal(await pv([['contains', 'event:page', ['blog']]]), 3);
      assert.equal(await pv([['contains', 'event:page', ['BLOG']]]), 0);
      assert.equal(await pv([['contains', 'event:page', ['BLOG'], { case_sensitive: false }]]), 3);
      assert.equal(await pv([['is', 'event:page', ['/PRICING'], { case_sensitive: false }]]), 2);
      assert.equal(await pv([['contains_not', 'event:page', ['blog']]]), 6);
      assert.equal(await pv([['matches', 'event:page', ['^/blog/post-[0-9]$']]]), 3);
      assert.equal(await pv([['matches_not', 'event:page', ['^/blog']]]), 6);
      assert.equal(await pv([['is', 'visit:source', ['Direct / None']]]), 3);
      assert.equal(await pv([['is', 'visit:utm_source', ['(not set)']]]), 8);
      assert.equal(await pv([['or', [['is', 'visit:source', ['Google']], ['is', 'visit:source', ['Bing']]]]]), 3);
      assert.equal(await pv([['and', [['is', 'visit:browser', ['Chrome']], ['is', 'visit:os', ['Windows']]]]]), 3);
      assert.equal(await pv([['not', ['is', 'visit:browser', ['Chrome']]]]), 5);
      assert.equal(await pv([['is', 'visit:entry_page', ['/blog/post-1']]]), 3);
      assert.equal(await pv([['is', 'event:props:plan', ['pro']]]), 0);
      assert.deepEqual(await rows({ metrics: ['events'], filters: [['is', 'event:props:plan', ['pro', 'basic']]] }), [[2]]);
      assert.deepEqual(await rows({ metrics: ['events'], filters: [['contains', 'event:name', ['sign'], { case_sensitive: false }]] }), [[2]]);
      const cc = geo.lookup(IP.v1).country_code;
      assert.deepEqual(await rows({ metrics: ['visitors'], filters: [['is', 'visit:country', [cc]]] }), await rows({ metrics: ['visitors'], filters: [['is', 'visit:country_name', [geo.countryName(cc)]]] }));
      // the sources of sessions that visited a page
      assert.deepEqual(await rows({ metrics: ['visitors'], dimensions: ['visit:source'], filters: [['is', 'event:page', ['/blog/post-1']]] }), [['Bing', 1], ['Hacker News', 1]]);
      // bounce rate with a page filter: the sessions that entered on it (S3 no, S6 yes)
      assert.deepEqual(await rows({ metrics: ['bounce_rate', 'visits'], filters: [['is', 'event:page', ['/blog/post-1']]] }), [[50, 2]]);
      await bad({ metrics: ['views_per_visit'], filters: [['is', 'event:page', ['/']]] }, 'Metric `views_per_visit` cannot be queried with a filter on `event:page`.');
      await bad({ metrics: ['visitors'], filters: [['is', 'visit:country', ['Germany']]] }, 'Invalid visit:country filter, visit:country needs to be a valid 2-letter country code.');
      await bad({ metrics: ['visitors'], filters: [['matches', 'event:page', ['a'], { case_sensitive: false }]] }, /case_sensitive modifier is not allowed with pattern operators/);
      await bad({ metrics: ['visitors'], filters: [['or', [['is', 'event:goal', ['Signup']]]]] }, 'Invalid filters. Dimension `event:goal` can only be filtered at the top level.');
      await bad({ metrics: ['visitors'], filters: [['is', 'time:day', ['2026-03-02']]] }, /#\/filters\/0: Invalid filter/);
    });

    test('behavioural filters: has_done and has_not_done', async () => {
      // a goal inside a behavioural filter (as Plausible allows): the visits S1 and S4 that completed Signup
      assert.deepEqual(await rows({ metrics: ['visitors', 'visits'], filters: [['has_done', ['is', 'event:goal', ['Signup']]]] }), [[2, 2]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['has_not_done', ['is', 'event:goal', ['Signup']]]] }), [[5]]);
      assert.deepEqual(await rows({ metrics: ['visitors', 'visits'], filters: [['has_done', ['is', 'event:name', ['Signup']]]] }), [[2, 2]]);
      assert.deepEqual(await rows({ metrics: ['visits'], filters: [['has_not_done', ['is', 'event:name', ['Signup']]]] }), [[5]]);
      assert.deepEqual(await rows({ metrics: ['visits', 'bounce_rate'], filters: [['has_done', ['contains', 'event:page', ['blog']]]] }), [[2, 50]]);
      await bad({ metrics: ['visitors'], filters: [['has_done', ['is', 'visit:source', ['Google']]]] }, 'Invalid filters. Behavioral filters (has_done, has_not_done) can only be used with event dimension filters.');
      await bad({ metrics: ['visitors'], filters: [['has_done', ['has_done', ['is', 'event:name', ['x']]]]] }, 'Invalid filters. Behavioral filters (has_done, has_not_done) cannot be nested.');
    });

    test('the channel rules in SQL (filters) and in TypeScript (grouping) agree on every combination', async () => {
      const sources = ['', 'Google', 'Bing', 'Facebook', 'Youtube', 'amazon', 'Gmail', 'newsletter', 'Hacker News', 'chatgpt.com', 'some.blog', 'Ecosia', 'Instagram'];
      const utmSources = ['', 'google', 'fb-ads', 'newsletter', 'firebase', 'sms', 'tiktok'];
      const media = ['', 'cpc', 'email', 'social', 'display', 'affiliate', 'audio', 'video', 'push', 'organic', 'referral', 'paid-social', 'SMS'];
      const campaigns = ['', 'spring-shop', 'cross-network-q1', 'launch'];
      const clicks = ['', 'gclid', 'msclkid'];
      const all: string[][] = [];
      for (const src of sources) for (const us of utmSources) for (const med of media) for (const camp of campaigns) for (const click of clicks) all.push([src, us, med, camp, click]);
      const combos = all.filter((_, i) => i % 7 === 0); // 2,028 of 14,196, spread over every field (7 is coprime to the sizes)
      assert.ok(combos.length > 2000, String(combos.length));
      const values = combos.map((c) => `(${c.map(sqlString).join(', ')})`).join(', ');
      const rows = await backend.queryRows<{ c: string }>(
        `SELECT ${channelExpression()} AS c FROM (SELECT tupleElement(t, 1) AS referrer_source, tupleElement(t, 2) AS utm_source, tupleElement(t, 3) AS utm_medium, tupleElement(t, 4) AS utm_campaign, tupleElement(t, 5) AS click_id_param, tupleElement(t, 6) AS i FROM (SELECT arrayJoin(arrayMap((x, n) -> tuple(x.1, x.2, x.3, x.4, x.5, n), [${values}], arrayEnumerate([${values}]))) AS t)) ORDER BY i`,
      );
      assert.equal(rows.length, combos.length);
      const differ = combos.map((c, i) => [c, rows[i]!.c, channelOf(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!)]).filter(([, sql, ts]) => sql !== ts);
      assert.deepEqual(differ.slice(0, 10), []);
      assert.ok(new Set(rows.map((r) => r.c)).size >= 12, 'the combinations reach most channels');
    });

    test('channels: combinations seen before are looked up in one statement; a new one is found, never guessed', async () => {
      const day = ['2026-03-08', '2026-03-08'];
      const channels = async () => rows({ date_range: day, metrics: ['visits'], dimensions: ['visit:channel'] });
      const sites = new Map([[siteA.domain, siteA]]);
      const bf = new Backfill(store, { byDomain: (d) => sites.get(d) }, geo, path.join(tempDir(), 'salts.json'));
      const visit = async (at: string, ip: string, query: string) => {
        bf.add({ at: new Date(at), ip, userAgent: 'Chrome/Windows', ua: CHROME, body: { d: siteA.domain, n: 'pageview', u: `https://stats-a.test/${query}` } });
        await bf.flush();
      };
      await visit('2026-03-08T10:00:00Z', IP.v1, '?utm_source=newsletter&utm_medium=email');
      const statements: string[] = [];
      const counting = new Proxy(backend, {
        get: (t, k) => (k === 'queryRows' ? (sql: string) => (statements.push(sql), t.queryRows(sql)) : Reflect.get(t, k)),
      });
      const learning = new StatsEngine(counting, store.db, geo);
      const ask = () => learning.query(parseQuery({ site_id: siteA.domain, date_range: day, metrics: ['visits'], dimensions: ['visit:channel'] }, siteA, goalsA, { nowMs: NOW, statsStart: null })).then((r) => r.results.map((x) => [...x.dimensions, ...x.metrics]));
      assert.deepEqual(await ask(), [['Email', 1]]);
      assert.equal(statements.length, 2, 'the first time: the range’s combinations, then the query');
      statements.length = 0;
      assert.deepEqual(await ask(), [['Email', 1]]);
      assert.equal(statements.length, 1, 'then one statement');
      await visit('2026-03-08T11:00:00Z', IP.v2, '?utm_source=google&utm_medium=cpc'); // a combination not seen before
      statements.length = 0;
      assert.deepEqual(await ask(), [['Email', 1], ['Paid Search', 1]]);
      assert.equal(statements.length, 3, 'an unknown combination: its range read again, the query run again');
      assert.deepEqual(await channels(), [['Email', 1], ['Paid Search', 1]]);
    });

    test('ordering and pagination with total_rows', async () => {
      const all = await rows({ metrics: ['visitors'], dimensions: ['event:page'], order_by: [['event:page', 'asc']] });
      assert.deepEqual(all.map((r) => r[0]), ['/', '/blog/post-1', '/blog/post-2', '/pricing']);
      const page = await q({ date_range: range, metrics: ['visitors'], dimensions: ['event:page'], order_by: [['event:page', 'asc']], pagination: { limit: 2, offset: 1 }, include: { total_rows: true } });
      assert.deepEqual(page.results.map((r) => r.dimensions[0]), ['/blog/post-1', '/blog/post-2']);
      assert.equal(page.meta.total_rows, 4);
      assert.deepEqual((await q({ date_range: range, metrics: ['visitors'], dimensions: ['event:page'], pagination: { limit: 2, offset: 10 } })).results, []);
      await bad({ metrics: ['visitors'], order_by: [['pageviews', 'desc']] }, `Invalid order_by entry '["pageviews","desc"]'. Entry is not a queried metric or dimension.`);
    });

    test('a page of a breakdown is ordered and cut in SQL when one query holds every group: the same rows as the whole breakdown, cut here', async () => {
      const seen: string[] = [];
      const spy: SqlBackend = {
        kind: backend.kind,
        command: (sql) => backend.command(sql),
        queryRows: <T,>(sql: string) => (seen.push(sql), backend.queryRows<T>(sql)),
        queryText: (sql) => (seen.push(sql), backend.queryText(sql)),
        insertJSONEachRow: (t, p) => backend.insertJSONEachRow(t, p),
        ping: () => backend.ping(),
        close: async () => {},
      };
      const spied = new StatsEngine(spy, store.db, geo);
      const ask = (body: Record<string, unknown>, e = engine) => e.query(parseQuery({ site_id: siteA.domain, date_range: range, ...body }, siteA, goalsA, { nowMs: NOW, statsStart: null }));
      const shapes: Array<Record<string, unknown>> = [
        { metrics: ['visitors'], dimensions: ['event:page'] },
        { metrics: ['visitors', 'pageviews'], dimensions: ['event:page'], order_by: [['pageviews', 'desc']] },
        { metrics: ['visitors'], dimensions: ['event:page'], order_by: [['event:page', 'desc']] },
        { metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'], dimensions: ['visit:source'] },
        { metrics: ['visits', 'visitors'], dimensions: ['visit:browser', 'visit:os'], order_by: [['visits', 'asc'], ['visit:os', 'desc']] },
        { metrics: ['visitors', 'events'], dimensions: ['event:props:plan'], order_by: [['events', 'desc']] },
        { metrics: ['visitors', 'percentage'], dimensions: ['visit:entry_page'], filters: [['is_not', 'visit:browser', ['Safari']]] },
      ];
      for (const shape of shapes) {
        const whole = await ask({ ...shape, include: { total_rows: true } }); // every group: nothing cut in SQL
        for (const [offset, limit] of [[0, 1], [1, 2], [2, 2], [0, 100]] as const) {
          seen.length = 0;
          const page = await ask({ ...shape, pagination: { offset, limit } }, spied);
          assert.deepEqual(page.results, whole.results.slice(offset, offset + limit), `${JSON.stringify(shape)} at ${offset}, ${limit}`);
          assert.ok(seen.some((sql) => new RegExp(`ORDER BY .* LIMIT ${offset + limit}$`).test(sql)), `cut in SQL: ${JSON.stringify(shape)}`);
        }
      }
      // not cut in SQL: time buckets, names looked up, channels, goals, two grouped queries (bounce rate by page)
      for (const shape of [
        { metrics: ['visitors'], dimensions: ['time:day'] },
        { metrics: ['visitors'], dimensions: ['visit:country_name'] },
        { metrics: ['visitors'], dimensions: ['visit:channel'] },
        { metrics: ['visitors'], dimensions: ['event:goal'] },
        { metrics: ['visitors', 'bounce_rate'], dimensions: ['event:page'] },
      ]) {
        seen.length = 0;
        await ask({ ...shape, pagination: { offset: 0, limit: 1 } }, spied);
        assert.ok(!seen.some((sql) => / LIMIT \d+$/.test(sql) && /ORDER BY/.test(sql)), `not cut in SQL: ${JSON.stringify(shape)}`);
      }
    });

    test('validation messages of the schema and the table decider', async () => {
      await bad({ metrics: ['visitors', 'baa'] }, '#/metrics/1: Invalid metric "baa"');
      await bad({ metrics: ['visitors', 'visitors'] }, '#/metrics: Expected items to be unique but they were not.');
      await bad({ metrics: ['visitors'], dimensions: ['badproperty'] }, '#/dimensions/0: Invalid dimension "badproperty"');
      await bad({ metrics: ['visitors'], dimensions: ['event:props:'] }, '#/dimensions/0: Invalid dimension "event:props:"');
      await bad({ metrics: ['bounce_rate'], dimensions: ['event:name'] }, 'Session metric(s) `bounce_rate` cannot be queried along with event dimension(s) `event:name`');
      await bad({ metrics: ['events'], dimensions: ['visit:entry_page'] }, 'Event metric(s) `events` cannot be queried along with session dimension(s) `visit:entry_page`');
      await bad({ metrics: ['views_per_visit'], dimensions: ['visit:source'] }, 'Metric `views_per_visit` cannot be queried with `dimensions`.');
      await bad({ metrics: ['visitors'], foo: 1 }, '#/foo: Schema does not allow additional properties.');
      await bad({ metrics: ['visitors'], filters: [['is', 'segment', [1]]] }, '#/filters/0: Invalid filter ["is", "segment", [1]]');
      await bad({ metrics: ['visitors'], pagination: { limit: 0 } }, /#\/pagination\/limit/);
      const imports = await q({ date_range: range, metrics: ['visitors'], include: { imports: true } });
      // a site without imports: Plausible's answer names why
      assert.deepEqual(imports.meta, { imports_included: false, imports_skip_reason: 'no_imported_data' });
    });

    test('hostile strings in every field that reaches SQL: a correct answer or a 400, never an engine error', async () => {
      const hostile = ["'", "\\'; DROP TABLE events; --", '\\', 'a\u0000b', '%_', '\u0001\u001f', "')) OR 1=1 --", '😀'];
      for (const h of hostile) {
        for (const op of ['is', 'is_not', 'contains', 'contains_not']) {
          for (const dim of ['event:page', 'visit:source', `event:props:${h}`, 'visit:country_name', 'visit:region_name', 'event:name']) {
            const r = await rows({ metrics: ['visitors', 'bounce_rate'].slice(0, dim.startsWith('event:') && dim !== 'event:page' ? 1 : 2), filters: [[op, dim, [h]]] });
            assert.equal(r.length, 1);
          }
        }
        const r = await rows({ metrics: ['visitors'], dimensions: [`event:props:${h}`] });
        assert.deepEqual(r, [['(none)', 6]]);
        await assert.rejects(q({ date_range: range, metrics: ['visitors'], order_by: [[h, 'desc']] }), QueryError);
      }
      await assert.rejects(q({ date_range: range, metrics: ['visitors'], filters: [['matches', 'event:page', ['(unclosed']]] }), QueryError);
    });
  });
}
