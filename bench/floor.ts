/**
 * The floor under the ingestion pipeline: how much of a request the HTTP layer costs. Alternates, in one run, the
 * bare node:http baseline (reads the body, parses its JSON, answers 202) and Footfall's cheapest accepted request —
 * an event for a domain that is not a site: read, parsed, validated, looked up, handed to the ingest worker and
 * answered 202 with `x-plausible-dropped`, no stage, journal or insert — each at full rate, 50 connections, one body;
 * then the same at a fixed rate. Prints requests/s, p99 and each server's CPU per request (from /proc).
 *
 *   npm run build && node dist/bench/floor.js     (BENCH_SECONDS=15 BENCH_ROUNDS=2 BENCH_RATE=2500)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error no type declarations
import autocannon from 'autocannon';
import { cpuSeconds, startFootfall, startScript } from './footfall-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 2500);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BODY = JSON.stringify({ n: 'pageview', u: 'https://unknown.example/some/page?x=1', d: 'unknown.example', r: 'https://www.google.com/' });

interface Load {
  rps: number;
  p99: number;
  usPerRequest: number;
}

async function load(port: number, pid: number, rate: number): Promise<Load> {
  const opts = {
    url: `http://127.0.0.1:${port}/api/event`,
    connections: 50,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    ...(rate > 0 ? { overallRate: rate } : {}),
  };
  await autocannon({ ...opts, duration: 3 }); // warm-up
  const c0 = cpuSeconds(pid);
  const r = await autocannon({ ...opts, duration: SECONDS });
  const cpu = cpuSeconds(pid) - c0;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: Math.round(r.requests.average), p99: r.latency.p99, usPerRequest: Math.round((cpu / r.requests.total) * 1e6) };
}

const baseline = await startScript(path.join(here, 'baseline-server.js'));
const footfall = await startFootfall('floor.example'); // a site exists, but not the one the events name
try {
  const rows: string[] = [];
  for (const rate of [0, RATE]) {
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await load(baseline.port, baseline.proc.pid!, rate);
      const f = await load(footfall.port, footfall.proc.pid!, rate);
      const what = rate > 0 ? `${rate} req/s` : 'full rate';
      rows.push(
        `| ${what}, round ${round} | ${b.rps} | ${b.p99} ms | ${b.usPerRequest} µs | ${f.rps} | ${f.p99} ms | ${f.usPerRequest} µs | ` +
          `${rate > 0 ? '' : (f.rps / b.rps).toFixed(2)} |`,
      );
      process.stdout.write(rows[rows.length - 1] + '\n');
    }
  }
  process.stdout.write(
    `\n${SECONDS} s a load, 50 connections, one body; ratio = Footfall's req/s ÷ the baseline's in the load just before\n\n` +
      '| load | bare req/s | p99 | CPU a request | Footfall (unknown site) req/s | p99 | CPU a request | ratio |\n' +
      '|---|---:|---:|---:|---:|---:|---:|---:|\n' +
      rows.join('\n') +
      '\n',
  );
} finally {
  baseline.proc.kill('SIGTERM');
  await footfall.stop();
}
