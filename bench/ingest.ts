/**
 * Ingest benchmark: events/s of POST /api/event on Footfall next to a bare node:http server answering 202, in
 * the same run, with the same load generator (autocannon, in this process), rounds alternating between servers.
 * Footfall runs in several configurations: embedded store or ClickHouse server, journal on (fsync every 200 ms,
 * or before every answer) or off. Also: RSS idle and at peak, and a check that every 202 was stored.
 *
 * Each load of a Footfall configuration is paired with a load of the baseline just before it, after the machine
 * went idle (background merges of the previous load finished), and the ratio is taken within the pair; the
 * order of configurations rotates from round to round. The table gives the median ratio and the mean req/s.
 *
 * The requests are the realistic mix of bench/realistic (1,000 User-Agents, a new visitor every 4 requests, 20 sites,
 * pageviews with referrers, UTM tags and props, custom events); each Footfall server is warmed with it first (every
 * User-Agent parsed once). BENCH_MIX=single sends one body from one client instead (the figures before 2026-11-26).
 *
 *   npm run bench     (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 by default;
 *                      BENCH_CONFIGS=chdb,chdb-fsync0,chdb-nojournal,clickhouse,clickhouse-nojournal;
 *                      the ClickHouse configurations start a server with scripts/clickhouse-test-server.sh,
 *                      or use BENCH_CLICKHOUSE_URL)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// autocannon ships no types; the part used here is small.
// @ts-expect-error no type declarations
import autocannon from 'autocannon';
import { SITES, USER_AGENTS, realisticRequest } from './realistic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MIX = process.env.BENCH_MIX === 'single' ? 'single' : 'realistic';
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** The sites the load goes to. */
const DOMAINS = MIX === 'realistic' ? SITES : ['bench.example'];
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

/** The request number each server's next load starts at (visitors go on from load to load). */
const nextRequest = new Map<number, number>();

/** What autocannon sends: the realistic mix, request after request, or the one body. */
function requests(port: number): Record<string, unknown> {
  if (MIX === 'single') return { headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': '203.0.113.7' }, body: BODY };
  return {
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const i = nextRequest.get(port) ?? 0;
          nextRequest.set(port, i + 1);
          return { ...req, ...realisticRequest(i) };
        },
      },
    ],
  };
}

async function load(port: number, pid: number, amount?: number): Promise<Result> {
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/api/event`,
    method: 'POST',
    ...requests(port),
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration: SECONDS }),
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

/** Waits until the machine is idle (≥ 85% idle CPU over half a second), at most 20 s. */
async function settle(): Promise<void> {
  const sample = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const a = sample();
    await new Promise((r) => setTimeout(r, 500));
    const b = sample();
    if ((b.idle - a.idle) / Math.max(1, b.total - a.total) >= 0.85) return;
  }
}

interface Config {
  name: string;
  label: string;
  env: Record<string, string>;
  clickhouse: boolean;
}

const CONFIGS: Config[] = [
  { name: 'chdb', label: 'footfall, embedded, journal', env: {}, clickhouse: false },
  { name: 'chdb-fsync0', label: 'footfall, embedded, journal fsync/202', env: { FOOTFALL_JOURNAL_FSYNC_MS: '0' }, clickhouse: false },
  { name: 'chdb-nojournal', label: 'footfall, embedded, no journal', env: { FOOTFALL_JOURNAL: 'off' }, clickhouse: false },
  { name: 'clickhouse', label: 'footfall, ClickHouse 18.16, journal', env: {}, clickhouse: true },
  { name: 'clickhouse-nojournal', label: 'footfall, ClickHouse 18.16, no journal', env: { FOOTFALL_JOURNAL: 'off' }, clickhouse: true },
];

interface Running {
  config: Config;
  proc: Proc;
  dataDir: string;
  key: string;
  idleRss: number;
  results: Result[];
  /** The baseline load run just before each of this configuration's loads. */
  baselines: Result[];
}

async function startFootfall(config: Config, chUrl: string | undefined, i: number): Promise<Running> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-'));
  const env: Record<string, string> = { PORT: '0', LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir, ...config.env };
  if (config.clickhouse) {
    env.FOOTFALL_CLICKHOUSE_URL = chUrl!;
    env.FOOTFALL_CLICKHOUSE_DATABASE = `bench_${process.pid}_${i}`;
  }
  const proc = await start(path.join(here, '../src/main.js'), env);
  const sock = path.join(dataDir, 'footfall.sock');
  for (const domain of DOMAINS) {
    await adminPost(sock, '/admin/sites', { domain });
    // The benchmark measures throughput, not the default per-site rate limit (600 a minute).
    await adminPost(sock, `/admin/rate-limit/${domain}`, { perMinute: 10_000_000, burst: 10_000_000 }, 'PUT');
  }
  const key = (await adminPost(sock, '/admin/keys', { name: 'bench' })).key as string;
  return { config, proc, dataDir, key, idleRss: 0, results: [], baselines: [] };
}

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_CONFIGS ?? CONFIGS.map((c) => c.name).join(',')).split(',').map((s) => s.trim());
  const configs = CONFIGS.filter((c) => wanted.includes(c.name));
  let chUrl = process.env.BENCH_CLICKHOUSE_URL;
  let chDir: string | undefined;
  if (configs.some((c) => c.clickhouse) && !chUrl) {
    const script = path.join(here, '../../scripts/clickhouse-test-server.sh');
    const line = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    chUrl = /FOOTFALL_TEST_CLICKHOUSE_URL=(\S+)/.exec(line)![1];
    chDir = /CLICKHOUSE_TEST_DIR=(\S+)/.exec(line)![1];
  }
  const baseline = await start(path.join(here, 'baseline-server.js'));
  const servers: Running[] = [];
  for (const [i, c] of configs.entries()) servers.push(await startFootfall(c, chUrl, i));
  await new Promise((r) => setTimeout(r, 2000));
  const baselineIdle = rssMb(baseline.proc.pid!);
  for (const s of servers) s.idleRss = rssMb(s.proc.proc.pid!);
  // Warm-up: every User-Agent of the mix parsed once (≈ 5 ms each on the parser's thread), as on a live server;
  // these events are counted among the stored ones below.
  const warmed = new Map<Running, number>();
  if (MIX === 'realistic') {
    for (const s of servers) warmed.set(s, (await load(s.proc.port, s.proc.proc.pid!, 4 * USER_AGENTS.length)).accepted);
  }

  const baseRuns: Result[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(k + i) % servers.length]!;
      await settle();
      const rb = await load(baseline.port, baseline.proc.pid!);
      baseRuns.push(rb);
      s.baselines.push(rb);
      await settle();
      const r = await load(s.proc.port, s.proc.proc.pid!);
      s.results.push(r);
      process.stderr.write(
        `round ${i + 1} ${s.config.name}: ${Math.round(r.rps)} req/s (baseline ${Math.round(rb.rps)}: ratio ${(r.rps / rb.rps).toFixed(3)}), p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`,
      );
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
  const b = summary(baseRuns);
  const median = (xs: number[]) => {
    const v = [...xs].sort((x, y) => x - y);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const fmt = (n: number, w = 9) => n.toFixed(0).padStart(w);
  const lines = [
    `ingest benchmark: ${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections, autocannon in-process, ${MIX === 'realistic' ? 'the realistic mix' : 'one body from one client'}, node ${process.version}, ${os.cpus().length} cores`,
    `${''.padEnd(42)}    req/s  ratio*  p50 ms   p99 ms  idle RSS MB  peak RSS MB  non-2xx/errors  stored/202s`,
    `${'bare node:http 202'.padEnd(42)}${fmt(b.rps)}  1.000 ${b.p50.toFixed(1).padStart(8)} ${b.p99.toFixed(1).padStart(8)} ${fmt(baselineIdle, 12)} ${fmt(b.peakRss, 12)} ${fmt(b.bad, 15)}`,
  ];
  let lost = false;
  for (const s of servers) {
    const f = summary(s.results);
    // Every event that got 202 must be in the store (the export writes the buffers out first).
    let stored = -(warmed.get(s) ?? 0);
    for (const domain of DOMAINS) {
      const res = await fetch(`http://127.0.0.1:${s.proc.port}/api/v1/export/events?site_id=${domain}`, { headers: { authorization: `Bearer ${s.key}` } });
      stored += (await res.text()).split('\n').filter(Boolean).length;
    }
    // autocannon stops counting at the deadline, so up to one request per connection per round can be stored
    // without being counted; fewer stored than counted would be a loss.
    const ok = stored >= f.accepted && stored <= f.accepted + CONNECTIONS * ROUNDS;
    if (!ok) lost = true;
    lines.push(
      `${s.config.label.padEnd(42)}${fmt(f.rps)}  ${median(s.results.map((r, i) => r.rps / s.baselines[i]!.rps)).toFixed(3)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${fmt(s.idleRss, 12)} ${fmt(f.peakRss, 12)} ${fmt(f.bad, 15)}  ${stored}/${f.accepted}${ok ? '' : ' LOST'}`,
    );
  }
  baseline.proc.kill('SIGTERM');
  for (const s of servers) {
    s.proc.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.proc.once('exit', r));
    fs.rmSync(s.dataDir, { recursive: true, force: true });
    if (s.config.clickhouse) await fetch(`${chUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${s.config.clickhouse ? `bench_${process.pid}_${servers.indexOf(s)}` : ''}`)}`, { method: 'POST' });
  }
  if (chDir) execFileSync(path.join(here, '../../scripts/clickhouse-test-server.sh'), ['stop', chDir]);
  lines.push(`* median over the rounds of (this configuration's req/s) / (the baseline's req/s in the load just before)`);
  process.stdout.write(lines.join('\n') + '\n');
  if (lost) process.exitCode = 1;
}

await main();
