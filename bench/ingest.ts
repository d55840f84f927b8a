/**
 * Ingest benchmark: events/s of POST /api/event on Footfall (embedded store) next to a bare node:http
 * server answering 202, in the same run, with the same load generator (autocannon, in this process).
 * Also: RSS of each server idle and at its peak under load, and a check that every 202 was stored.
 *
 *   npm run bench                      (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_ROUNDS=2 by default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// autocannon ships no types; the part used here is small.
// @ts-expect-error no type declarations
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BODY = JSON.stringify({
  n: 'pageview',
  u: 'https://bench.example/blog/how-we-count?utm_source=newsletter&utm_campaign=nov',
  d: 'bench.example',
  r: 'https://www.google.com/',
  p: { author: 'someone', words: 1200 },
  v: 27,
});

interface Proc {
  proc: ChildProcess;
  port: number;
  logs: () => string;
}

function start(script: string, env: Record<string, string> = {}): Promise<Proc> {
  const proc = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (c: Buffer) => {
      logs += c.toString();
      const m = /"msg":"listening","port":(\d+)/.exec(logs);
      if (m) resolve({ proc, port: Number(m[1]), logs: () => logs });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${logs}`)));
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function adminPost(sock: string, p: string, body: unknown, method = 'POST'): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method, path: p }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c));
      res.on('end', () => resolve(JSON.parse(t)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  accepted: number;
  peakRss: number;
}

async function load(port: number, pid: number): Promise<Result> {
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/api/event`,
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': '203.0.113.7' },
    body: BODY,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  clearInterval(sampler);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    accepted: r['2xx'],
    peakRss: Math.max(peak, rssMb(pid)),
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-'));
  const baseline = await start(path.join(here, 'baseline-server.js'));
  const footfall = await start(path.join(here, '../src/main.js'), { PORT: '0', LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir });
  await adminPost(path.join(dataDir, 'footfall.sock'), '/admin/sites', { domain: 'bench.example' });
  // The benchmark measures throughput, not the default per-site rate limit (600 a minute).
  await adminPost(path.join(dataDir, 'footfall.sock'), '/admin/rate-limit/bench.example', { perMinute: 10_000_000, burst: 10_000_000 }, 'PUT');
  const key = (await adminPost(path.join(dataDir, 'footfall.sock'), '/admin/keys', { name: 'bench' })).key as string;
  await new Promise((r) => setTimeout(r, 2000));
  const idle = { baseline: rssMb(baseline.proc.pid!), footfall: rssMb(footfall.proc.pid!) };

  const runs: Record<'baseline' | 'footfall', Result[]> = { baseline: [], footfall: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, p] of [['baseline', baseline], ['footfall', footfall]] as const) {
      const r = await load(p.port, p.proc.pid!);
      runs[name].push(r);
      process.stderr.write(`round ${i + 1} ${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (rs: Result[]) => ({
    rps: mean(rs.map((r) => r.rps)),
    p50: mean(rs.map((r) => r.p50)),
    p99: mean(rs.map((r) => r.p99)),
    peakRss: Math.max(...rs.map((r) => r.peakRss)),
    bad: rs.reduce((a, r) => a + r.non2xx + r.errors, 0),
    accepted: rs.reduce((a, r) => a + r.accepted, 0),
  });
  const b = summary(runs.baseline);
  const f = summary(runs.footfall);

  // Every event that got 202 must be in the store.
  const res = await fetch(`http://127.0.0.1:${footfall.port}/api/v1/export/events?site_id=bench.example`, { headers: { authorization: `Bearer ${key}` } });
  const stored = (await res.text()).split('\n').filter(Boolean).length;

  baseline.proc.kill('SIGTERM');
  footfall.proc.kill('SIGTERM');
  await new Promise((r) => footfall.proc.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });

  // autocannon stops counting at the deadline, so up to one request per connection per round can be stored
  // without being counted; fewer stored than counted would be a loss.
  const ok = stored >= f.accepted && stored <= f.accepted + CONNECTIONS * ROUNDS;
  const fmt = (n: number) => n.toFixed(0).padStart(9);
  const out = [
    `ingest benchmark: ${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections, autocannon in-process, node ${process.version}, ${os.cpus().length} cores`,
    `                        req/s    p50 ms    p99 ms  idle RSS MB  peak RSS MB  non-2xx/errors`,
    `bare node:http 202 ${fmt(b.rps)} ${b.p50.toFixed(1).padStart(9)} ${b.p99.toFixed(1).padStart(9)} ${fmt(idle.baseline)}    ${fmt(b.peakRss)}    ${b.bad}`,
    `footfall /api/event${fmt(f.rps)} ${f.p50.toFixed(1).padStart(9)} ${f.p99.toFixed(1).padStart(9)} ${fmt(idle.footfall)}    ${fmt(f.peakRss)}    ${f.bad}`,
    `ratio footfall/baseline: ${(f.rps / b.rps).toFixed(3)}`,
    `stored events: ${stored}; 202s counted by autocannon: ${f.accepted} (${ok ? 'none lost' : 'LOST EVENTS'})`,
  ].join('\n');
  process.stdout.write(out + '\n');
  if (!ok) process.exitCode = 1;
}

await main();
