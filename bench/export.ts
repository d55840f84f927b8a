/**
 * Export benchmark: the raw NDJSON export (Store.exportRows, what `GET /api/v1/export/events` and
 * `footfall export events` stream) of every site of a data set, against a baseline measured in the same run: the
 * engine's own JSONEachRow read of the same rows, one site and month per statement, unordered and unpaged (what
 * reading the rows costs before any paging). Each phase runs in a process of its own, so that its peak RSS
 * (VmHWM: the engine, its caches and the JavaScript heap) is its own.
 *
 *   npm run build && BENCH_DATA_DIR=<a data set of bench/query> node dist/bench/export.js
 *     BENCH_TABLE=events|sessions (default events) BENCH_ROUNDS=2 (baseline and export, alternating)
 *   The data set: `BENCH_DATA_DIR=… BENCH_EVENTS=1000000 node dist/bench/query.js` makes (and keeps) one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChdbBackend } from '../src/store/chdb.js';
import { Store } from '../src/store/store.js';
import { createLogger } from '../src/util/log.js';

const dataDir = process.env.BENCH_DATA_DIR;
const table = (process.env.BENCH_TABLE ?? 'events') as 'events' | 'sessions';
const log = createLogger('warn');

interface Phase {
  rows: number;
  bytes: number;
  seconds: number;
  peakRssMb: number;
  largestChunkMb: number;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function runPhase(mode: 'export' | 'baseline'): Promise<Phase> {
  const chdb = ChdbBackend.open(path.join(dataDir!, 'chdb'));
  const store = new Store(chdb, { db: 'footfall', flushRows: 10_000, flushIntervalMs: 60_000, bufferMaxRows: 100_000, log });
  const sites = (await chdb.queryRows<{ s: string }>(`SELECT DISTINCT site_id AS s FROM footfall.${table} ORDER BY s`)).map((r) => Number(r.s));
  const ts = table === 'events' ? 'timestamp' : 'start';
  let rows = 0;
  let bytes = 0;
  let largest = 0;
  const count = (chunk: string) => {
    bytes += chunk.length;
    largest = Math.max(largest, chunk.length);
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) rows++;
  };
  const t0 = performance.now();
  for (const site of sites) {
    if (mode === 'export') {
      for await (const chunk of store.exportRows(table, site, 'Etc/UTC')) count(chunk);
    } else {
      const cols = (await chdb.queryRows<{ name: string }>(`DESCRIBE TABLE footfall.${table}`)).map((c) => '`' + c.name + '`').filter((c) => c !== '`journal_seq`').join(', ');
      const from = table === 'events' ? 'footfall.events' : 'footfall.sessions FINAL';
      const where = `site_id = ${site}${table === 'sessions' ? ' AND sign = 1' : ''}`;
      const months = (await chdb.queryRows<{ m: string }>(`SELECT DISTINCT toString(toStartOfMonth(${ts})) AS m FROM ${from} WHERE ${where} ORDER BY m`)).map((r) => r.m);
      for (const m of months) count(await chdb.queryText(`SELECT ${cols} FROM ${from} WHERE ${where} AND toStartOfMonth(${ts}) = toDate('${m}')`));
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { rows, bytes, seconds, peakRssMb: peakRssMb(), largestChunkMb: largest / 1048576 };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'export' || process.argv[2] === 'baseline') {
    process.stdout.write(JSON.stringify(await runPhase(process.argv[2])) + '\n');
    return;
  }
  if (!dataDir || !fs.existsSync(path.join(dataDir, 'chdb'))) {
    console.error('BENCH_DATA_DIR must name a data set of bench/query (see the head of this file)');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const phase = (mode: string): Phase => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=512', self, mode], { env: process.env, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Phase;
  };
  const results: Array<[string, Phase]> = [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  for (let r = 0; r < rounds; r++) for (const mode of ['baseline', 'export']) results.push([mode, phase(mode)]);
  console.log(`\n${table} of ${dataDir}: every site exported, alternating with the baseline (one process each)\n`);
  console.log('| phase | rows | MB of NDJSON | seconds | rows/s | largest chunk MB | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [mode, p] of results) {
    console.log(`| ${mode === 'export' ? 'export (Store.exportRows)' : 'baseline (engine read, a site-month per statement)'} | ${p.rows.toLocaleString('en-US')} | ${(p.bytes / 1048576).toFixed(0)} | ${p.seconds.toFixed(1)} | ${Math.round(p.rows / p.seconds).toLocaleString('en-US')} | ${p.largestChunkMb.toFixed(1)} | ${Math.round(p.peakRssMb)} |`);
  }
  const ex = results.filter(([m]) => m === 'export').map(([, p]) => p.rows / p.seconds);
  const base = results.filter(([m]) => m === 'baseline').map(([, p]) => p.rows / p.seconds);
  console.log(`\nexport rows/s ÷ baseline rows/s: ${ex.map((e, i) => (e / base[i]!).toFixed(2)).join(', ')}`);
}

await main();
