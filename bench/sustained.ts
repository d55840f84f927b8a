/**
 * Sustained ingestion: the server as `npm start` runs it (embedded store, journal on, heap bounded) under the
 * realistic mix at full rate for BENCH_MINUTES (10), in windows of BENCH_WINDOW_SECONDS (30) from a separate
 * load process (bench/realistic-load), visitors going on from window to window. After each window it prints what
 * moves as the store grows: requests/s and latency, the server's CPU per request (all threads, and the store
 * engine's merge threads apart), the inserts' mean duration, the active parts of each table, the write buffers,
 * the live sessions, the journal's unconfirmed rows and RSS. The question it answers: do requests/s and p99 stay
 * flat, and if not, what grows with them.
 *
 *   npm run build && node dist/bench/sustained.js     (BENCH_MINUTES=10 BENCH_WINDOW_SECONDS=30 BENCH_CONNECTIONS=50)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_METRICS_AUTH, startRealisticFootfall } from './footfall-server.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const WINDOW = Number(process.env.BENCH_WINDOW_SECONDS ?? 30);

const srv = await startRealisticFootfall(fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sustained-')));
const server = srv.proc;
const port = srv.port;

/** CPU seconds of the server's threads: all, and those of the store engine's merges. */
function cpu(): { all: number; merges: number } {
  let all = 0;
  let merges = 0;
  for (const t of fs.readdirSync(`/proc/${server.pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${server.pid}/task/${t}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const s = (Number(f[11]) + Number(f[12])) / 100;
      all += s;
      if (/Merge/i.test(name)) merges += s;
    } catch {
      // the thread ended
    }
  }
  return { all, merges };
}

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;

/** The values of the server's metrics that matter here. */
interface Sample {
  partsEvents: number;
  partsSessions: number;
  insertSum: number;
  insertCount: number;
  bufferRows: number;
  sessions: number;
  unconfirmed: number;
}

async function metrics(): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: BENCH_METRICS_AUTH })).text();
  const get = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    partsEvents: get(/^footfall_store_active_parts\{table="events"\} (\d+)/m),
    partsSessions: get(/^footfall_store_active_parts\{table="sessions"\} (\d+)/m),
    insertSum: get(/^footfall_insert_duration_seconds_sum\{table="events"\} ([\d.e+-]+)/m) + get(/^footfall_insert_duration_seconds_sum\{table="sessions"\} ([\d.e+-]+)/m),
    insertCount: get(/^footfall_insert_duration_seconds_count\{table="events"\} (\d+)/m) + get(/^footfall_insert_duration_seconds_count\{table="sessions"\} (\d+)/m),
    bufferRows: get(/^footfall_buffer_rows\{table="events"\} (\d+)/m) + get(/^footfall_buffer_rows\{table="sessions"\} (\d+)/m),
    sessions: get(/^footfall_live_sessions (\d+)/m),
    unconfirmed: get(/^footfall_journal_unconfirmed_rows (\d+)/m),
  };
}

try {
  const load = srv.load;
  await new Promise((r) => setTimeout(r, 3000));
  const idle = rssMb();
  process.stdout.write(`sustained load: ${MINUTES} min in ${WINDOW}-s windows, realistic mix, ${process.env.BENCH_CONNECTIONS ?? 50} connections; idle RSS ${idle.toFixed(0)} MB\n`);
  process.stdout.write('| min | req/s | p50 ms | p99 ms | non-2xx | CPU µs/req (merges) | mean insert ms | parts events / sessions | buffered rows | live sessions | unconfirmed | RSS MB |\n');
  process.stdout.write('|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n');
  let next = 0;
  let m0 = await metrics();
  const windows = Math.max(1, Math.round((MINUTES * 60) / WINDOW));
  for (let w = 0; w < windows; w++) {
    const c0 = cpu();
    const r = load(WINDOW, next);
    next += r.total + 100; // (requests in flight at the deadline were numbered too)
    const c1 = cpu();
    const m1 = await metrics();
    const perReq = (s: number) => ((s * 1e6) / Math.max(1, r.total)).toFixed(0);
    const inserts = m1.insertCount - m0.insertCount;
    process.stdout.write(
      `| ${(((w + 1) * WINDOW) / 60).toFixed(1)} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${perReq(c1.all - c0.all)} (${perReq(c1.merges - c0.merges)}) | ${inserts ? (((m1.insertSum - m0.insertSum) / inserts) * 1000).toFixed(1) : '-'} | ${m1.partsEvents} / ${m1.partsSessions} | ${m1.bufferRows} | ${m1.sessions} | ${m1.unconfirmed} | ${rssMb().toFixed(0)} |\n`,
    );
    m0 = m1;
  }
} finally {
  await srv.stop();
}
