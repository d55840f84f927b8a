/**
 * Query benchmark: generates a realistic data set (BENCH_EVENTS events, default 10 million: 20 sites of
 * power-law sizes, power-law pages and sources, sessions of 1–8 pageviews, custom events with props, goals, a year
 * of time) through the real ingestion pipeline (Backfill), into the embedded store — and into a ClickHouse server
 * too when one is given or can be started — then times the dashboard's query set on the largest site through the
 * Stats API engine: median and p90 of BENCH_RUNS runs after a warm-up. Prints one table per backend and the RSS.
 *
 *   npm run build && node dist/bench/query.js
 *     BENCH_EVENTS=10000000 BENCH_RUNS=7 BENCH_DATA_DIR=(temp) BENCH_CLICKHOUSE=on|off BENCH_CLICKHOUSE_URL=…
 *   A BENCH_DATA_DIR that already holds the data set is reused (no generation).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeoIp } from '../src/ingest/geo.js';
import type { SqlBackend } from '../src/store/backend.js';
import { ChdbBackend } from '../src/store/chdb.js';
import { ClickHouseBackend } from '../src/store/clickhouse.js';
import { Store } from '../src/store/store.js';
import { StatsEngine } from '../src/stats/engine.js';
import { parseQuery } from '../src/stats/query.js';
import { addDays, localDate } from '../src/stats/dates.js';
import { createLogger } from '../src/util/log.js';
import { EVENTS, generate, goals, sites } from './dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const log = createLogger('warn');

const site = sites[0]!;
const yesterday = addDays(localDate(Date.now(), site.timezone), -1);
const QUERIES: Array<[string, Array<Record<string, unknown>>]> = [
  ['aggregate 30d + previous 30d', [
    { metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'], date_range: '30d' },
    { metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'], date_range: [addDays(yesterday, -59), addDays(yesterday, -30)] },
  ]],
  ['time series, day, 30d', [{ metrics: ['visitors', 'pageviews'], date_range: '30d', dimensions: ['time:day'], include: { time_labels: true } }]],
  ['time series, hour, 1 day', [{ metrics: ['visitors', 'pageviews'], date_range: [yesterday, yesterday], dimensions: ['time:hour'], include: { time_labels: true } }]],
  ['top pages', [{ metrics: ['visitors', 'pageviews'], date_range: '30d', dimensions: ['event:page'], pagination: { limit: 10 } }]],
  ['entry pages', [{ metrics: ['visitors', 'visits'], date_range: '30d', dimensions: ['visit:entry_page'], pagination: { limit: 10 } }]],
  ['exit pages', [{ metrics: ['visitors', 'visits'], date_range: '30d', dimensions: ['visit:exit_page'], pagination: { limit: 10 } }]],
  ['sources', [{ metrics: ['visitors'], date_range: '30d', dimensions: ['visit:source'], pagination: { limit: 10 } }]],
  ['countries', [{ metrics: ['visitors'], date_range: '30d', dimensions: ['visit:country'], pagination: { limit: 10 } }]],
  ['browsers', [{ metrics: ['visitors'], date_range: '30d', dimensions: ['visit:browser'], pagination: { limit: 10 } }]],
  ['goal conversions', [{ metrics: ['visitors', 'events', 'conversion_rate', 'total_revenue'], date_range: '30d', dimensions: ['event:goal'] }]],
  ['props breakdown', [{ metrics: ['visitors', 'events'], date_range: '30d', dimensions: ['event:props:plan'] }]],
  ['filtered aggregate (source)', [{ metrics: ['visitors', 'pageviews', 'bounce_rate'], date_range: '30d', filters: [['is', 'visit:source', ['Google']]] }]],
  ['aggregate 12 months', [{ metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate'], date_range: '12mo' }]],
];

async function timeQueries(name: string, backend: SqlBackend, db: string, geo: GeoIp): Promise<void> {
  const engine = new StatsEngine(backend, db, geo);
  const siteGoals = goals.filter((g) => g.siteId === site.id);
  const [count] = await backend.queryRows<{ n: string }>(`SELECT count() AS n FROM ${db}.events`);
  const [siteCount] = await backend.queryRows<{ n: string }>(`SELECT count() AS n FROM ${db}.events WHERE site_id = 1`);
  console.log(`\n${name}: ${Number(count!.n).toLocaleString('en-US')} events in all, ${Number(siteCount!.n).toLocaleString('en-US')} on the measured site; median and p90 of ${RUNS} runs (ms)\n`);
  console.log('| query | median ms | p90 ms | rows |');
  console.log('|---|---:|---:|---:|');
  for (const [label, bodies] of QUERIES) {
    const once = async () => {
      const t0 = performance.now();
      const out = await Promise.all(bodies.map((b) => engine.query(parseQuery({ site_id: site.domain, ...b }, site, siteGoals, { nowMs: Date.now(), statsStart: null }))));
      return { ms: performance.now() - t0, rows: out[0]!.results.length };
    };
    await once();
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await once();
      times.push(r.ms);
      rows = r.rows;
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
    console.log(`| ${label} | ${p(0.5)} | ${p(0.9)} | ${rows} |`);
  }
  console.log(`\nRSS ${Math.round(process.memoryUsage().rss / 1048576)} MB (this process: the embedded engine, its caches, the GeoIP data)`);
}

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-query-'));
  const geo = GeoIp.open({ cacheSize: 250_000 });
  await geo.warmUp();
  const chdb = ChdbBackend.open(path.join(dataDir, 'chdb'));
  const store = new Store(chdb, { db: 'footfall', flushRows: 50_000, flushIntervalMs: 60_000, bufferMaxRows: 10_000_000, log });
  await store.migrate();
  const [existing] = await chdb.queryRows<{ n: string }>('SELECT count() AS n FROM footfall.events');
  let ch: { backend: ClickHouseBackend; store: Store; dir?: string } | null = null;
  if ((process.env.BENCH_CLICKHOUSE ?? 'on') === 'on') {
    let url = process.env.BENCH_CLICKHOUSE_URL;
    let dir: string | undefined;
    if (!url) {
      const out = execFileSync(path.join(here, '../../scripts/clickhouse-test-server.sh'), ['start'], { encoding: 'utf8' });
      url = /FOOTFALL_TEST_CLICKHOUSE_URL=(\S+)/.exec(out)![1];
      dir = /CLICKHOUSE_TEST_DIR=(\S+)/.exec(out)![1];
    }
    const backend = new ClickHouseBackend({ url: url!, requestTimeoutMs: 300_000 });
    const chStore = new Store(backend, { db: 'footfall_bench', flushRows: 50_000, flushIntervalMs: 60_000, bufferMaxRows: 10_000_000, log });
    await chStore.migrate();
    ch = { backend, store: chStore, dir };
  }
  if (Number(existing!.n) === 0) {
    process.stderr.write(`generating ${EVENTS.toLocaleString('en-US')} events into ${dataDir}${ch ? ' and the ClickHouse server' : ''} …\n`);
    await generate(ch ? [store, ch.store] : [store], geo);
    await chdb.command('OPTIMIZE TABLE footfall.events FINAL');
    await chdb.command('OPTIMIZE TABLE footfall.sessions FINAL');
  }
  await timeQueries('Embedded store (chDB)', chdb, 'footfall', geo);
  if (ch) {
    await timeQueries(`ClickHouse server ${(await ch.backend.queryRows<{ v: string }>('SELECT version() AS v'))[0]!.v}`, ch.backend, 'footfall_bench', geo);
    await ch.backend.close();
    if (ch.dir) execFileSync(path.join(here, '../../scripts/clickhouse-test-server.sh'), ['stop', ch.dir]);
  }
  await chdb.close();
}

await main();
