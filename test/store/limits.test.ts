import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GeoIp } from '../../src/ingest/geo.js';
import { EMPTY_UA } from '../../src/ingest/useragent.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { Backfill } from '../../src/store/backfill.js';
import { ChdbBackend } from '../../src/store/chdb.js';
import { ClickHouseBackend } from '../../src/store/clickhouse.js';
import type { Goal, Site } from '../../src/store/repo.js';
import { MAX_QUERY_BYTES } from '../../src/store/sql.js';
import { Store } from '../../src/store/store.js';
import { StatsEngine } from '../../src/stats/engine.js';
import { GOALS_SQL_MAX_BYTES, goalsSqlBytes } from '../../src/stats/goals.js';
import { MAX_FILTER_DEPTH, parseQuery, QueryError } from '../../src/stats/query.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/server.js';

/**
 * The largest statement each Stats API code path can build from the largest input it allows, run on every backend:
 * goals at their budget, channel lists past theirs, a city name matching thousands of cities, filter values up to
 * the engine's query size, filters at the depth limit. Beyond each limit: a 400 (QueryError) naming it, never the
 * engine's "Max query size exceeded".
 */
const backends: Array<{ name: string; open(): Promise<SqlBackend> }> = [{ name: 'chdb', open: async () => ChdbBackend.open(path.join(tempDir(), 'chdb')) }];
if (process.env.FOOTFALL_TEST_CLICKHOUSE_URL) {
  backends.push({ name: 'clickhouse server', open: async () => new ClickHouseBackend({ url: process.env.FOOTFALL_TEST_CLICKHOUSE_URL! }) });
}

const log = createLogger('error', () => {});
const geo = GeoIp.open();
const site: Site = { id: 1, domain: 'limits.test', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
const NOW = Date.parse('2026-03-10T12:00:00Z');
const COMBOS = 2500; // distinct utm_source values: more channel combinations than a statement lists
const IPS = ['8.8.8.8', '81.2.69.142', '1.1.1.1', '9.9.9.9', '208.67.222.222', '2606:4700:4700::1111'];

/** Page goals of long patterns, as many as the budget takes (the largest goal set a site can have). */
function goalsAtBudget(): Goal[] {
  const goals: Goal[] = [];
  for (let i = 0; ; i++) {
    const g: Goal = { id: i + 1, siteId: 1, eventName: i % 3 === 0 ? `Event ${i} ${'e'.repeat(100)}` : '', pagePath: i % 3 === 0 ? '' : `/p${i}/${'seg*/'.repeat(60)}**`, currency: '', displayName: '', props: [], scrollThreshold: -1, createdAt: '' };
    if (goalsSqlBytes([...goals, g]) > GOALS_SQL_MAX_BYTES) return goals;
    goals.push(g);
  }
}

for (const b of backends) {
  describe(`Stats API statements at their limits: ${b.name}`, () => {
    let backend: SqlBackend;
    let engine: StatsEngine;
    const db = `limits_${process.pid}`;
    const goals = goalsAtBudget();
    before(async () => {
      backend = await b.open();
      await backend.command(`DROP DATABASE IF EXISTS ${db}`);
      const store = new Store(backend, { db, flushRows: 10_000, flushIntervalMs: 60_000, bufferMaxRows: 1_000_000, log });
      await store.migrate();
      const bf = new Backfill(store, { byDomain: (d) => (d === site.domain ? site : undefined) }, geo, path.join(tempDir(), 'salts.json'));
      const ua = { ...EMPTY_UA, browser: 'Chrome', browser_version: '131.0', operating_system: 'Windows', operating_system_version: '10', screen_size: 'Desktop' };
      for (let i = 0; i < COMBOS; i++) {
        const at = new Date(Date.parse('2026-03-02T00:00:00Z') + i * 20_000);
        bf.add({ at, ip: IPS[i % IPS.length]!, userAgent: `ua${i}`, ua, body: { n: 'pageview', d: site.domain, u: `https://limits.test/p${i % 7}/${'seg/'.repeat(3)}x?utm_source=src${i}&utm_medium=m${i % 5}` } });
      }
      await bf.flush();
      await geo.warmUp();
      engine = new StatsEngine(backend, db, geo);
    });
    after(async () => {
      await backend?.command(`DROP DATABASE IF EXISTS ${db}`);
      await backend?.close();
    });
    const q = async (body: Record<string, unknown>) => engine.query(parseQuery({ site_id: site.domain, date_range: ['2026-03-01', '2026-03-05'], ...body }, site, goals, { nowMs: NOW, statsStart: null }));
    const refused = async (body: Record<string, unknown>, message: RegExp) => {
      const err = await q(body).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof QueryError, `expected a QueryError, got ${String(err)}`);
      assert.match(err.message, message);
    };

    test('goals at the budget: a goal breakdown with a goal filter and conversion rates runs', async () => {
      assert.ok(goals.length > 50, `${goals.length} goals`);
      const r = await q({ metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'], filters: [['contains', 'event:goal', ['Visit', 'Event']]] });
      assert.ok(Array.isArray(r.results));
      const all = await q({ metrics: ['visitors'], filters: [['contains', 'event:goal', ['Visit']]] });
      assert.equal(all.results.length, 1);
    });

    test('channels: more combinations than a statement lists fall back to the expression, with the same answer', async () => {
      const first = await q({ metrics: ['visitors'], dimensions: ['visit:channel'] });
      const again = await q({ metrics: ['visitors'], dimensions: ['visit:channel'] }); // the site's combinations are known now
      assert.deepEqual(again.results, first.results);
      assert.equal(first.results.reduce((n, r) => n + Number(r.metrics[0]), 0) > 0, true);
    });

    test('a city name matching thousands of cities is narrowed to the cities of the range', async () => {
      const r = await q({ metrics: ['visitors'], filters: [['contains', 'visit:city_name', ['a']]] });
      const all = await q({ metrics: ['visitors'], dimensions: ['visit:city_name'] });
      const expected = all.results.filter((x) => String(x.dimensions[0]).toLowerCase().includes('a')).reduce((n, x) => n + Number(x.metrics[0]), 0);
      assert.ok(expected > 0, 'some city of the data has an "a"');
      assert.equal(r.results[0]!.metrics[0], expected);
      const not = await q({ metrics: ['visitors'], filters: [['contains_not', 'visit:city_name', ['a']]] });
      assert.ok(Number(not.results[0]!.metrics[0]) >= 0);
    });

    test('a city-name pattern runs in RE2 (linear time) over every city name; a pattern RE2 cannot compile is a 400', async () => {
      // with JavaScript's backtracking engine this pattern over 140,000 names would not finish
      const r = await q({ metrics: ['visitors'], filters: [['matches', 'visit:city_name', ['^(([a-z])+.)+[A-Z]([a-z])+$']]] });
      assert.equal(r.results.length, 1);
      await refused({ metrics: ['visitors'], filters: [['matches', 'visit:city_name', ['(?=a)b']]] }, /regular expression/);
    });

    test('filter values up to the engine query size run; beyond it a 400 names what to narrow', async () => {
      const body = (len: number) => ({ metrics: ['visitors'], filters: [['is', 'event:page', Array.from({ length: 1000 }, (_, i) => `/${i}/${'v'.repeat(len)}`)]] });
      await refused(body(400), /too large for the store .* at most 256 KiB/);
      // the largest that is not refused: a statement close to MAX_QUERY_BYTES, which the engine runs
      let len = 400;
      for (;;) {
        const r = await q(body(len)).then((x) => x, (e: unknown) => e);
        if (!(r instanceof QueryError)) {
          assert.ok(!(r instanceof Error), String(r));
          break;
        }
        len -= 5;
      }
      assert.ok(len * 1000 > MAX_QUERY_BYTES / 4, `values of ${len} characters ran`);
    });

    test(`filters nest at most ${MAX_FILTER_DEPTH} levels`, async () => {
      const nest = (n: number): unknown => (n === 0 ? ['is', 'event:page', ['/']] : ['not', nest(n - 1)]);
      await q({ metrics: ['visitors'], filters: [nest(MAX_FILTER_DEPTH)] });
      await refused({ metrics: ['visitors'], filters: [nest(MAX_FILTER_DEPTH + 1)] }, /nest at most 20 levels/);
      await refused({ metrics: ['visitors'], filters: [nest(600)] }, /nest at most 20 levels/);
    });
  });
}
