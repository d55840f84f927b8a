/**
 * Idle memory of a node by store: the built server on the embedded store and on a ClickHouse server (started by
 * scripts/clickhouse-test-server.sh unless FOOTFALL_TEST_CLICKHOUSE_URL is given), RSS after BENCH_IDLE_SECONDS
 * (default 8) of idling, BENCH_RUNS times each (default 3); the baseline in the same run is a bare `node` process
 * that imports nothing.
 *
 *   npm run build && node dist/bench/idle-rss.js
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFootfall } from './footfall-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IDLE_MS = Number(process.env.BENCH_IDLE_SECONDS ?? 8) * 1000;
const rssMb = (pid: number) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString()) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let chUrl = process.env.FOOTFALL_TEST_CLICKHOUSE_URL;
let chDir: string | undefined;
if (!chUrl) {
  const line = execFileSync(path.join(here, '../../scripts/clickhouse-test-server.sh'), ['start']).toString();
  chUrl = /FOOTFALL_TEST_CLICKHOUSE_URL=(\S+)/.exec(line)![1];
  chDir = /CLICKHOUSE_TEST_DIR=(\S+)/.exec(line)?.[1];
}

async function bare(): Promise<number> {
  const p = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await sleep(1000);
  const mb = rssMb(p.pid!);
  p.kill();
  return mb;
}

async function node(env: Record<string, string>): Promise<number> {
  const srv = await startFootfall('rss.example', env);
  await sleep(IDLE_MS);
  const mb = rssMb(srv.proc.pid!);
  await srv.stop();
  return mb;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Array<[string, number[]]> = [['bare node (baseline)', []], ['embedded store', []], ['ClickHouse server', []]];
for (let i = 0; i < RUNS; i++) {
  rows[0]![1].push(await bare());
  rows[1]![1].push(await node({}));
  rows[2]![1].push(await node({ FOOTFALL_CLICKHOUSE_URL: chUrl!, FOOTFALL_CLICKHOUSE_DATABASE: `rss_${process.pid}_${i}` }));
}
if (chDir) execFileSync(path.join(here, '../../scripts/clickhouse-test-server.sh'), ['stop', chDir]);
console.log(`\nIdle RSS after ${IDLE_MS / 1000} s (MB, ${RUNS} runs)\n| node | median | min | max | ÷ baseline |\n|---|---:|---:|---:|---:|`);
const base = med(rows[0]![1]);
for (const [name, xs] of rows) console.log(`| ${name} | ${med(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} | ${(med(xs) / base).toFixed(1)} |`);
