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
 * The load generator is autocannon, in this process, by default. BENCH_GENERATOR=wrk uses wrk (Debian's `wrk` package:
 * scripts/install-wrk.sh) with a Lua script that sends the same realistic mix (bench/realistic.lua, the same requests
 * as bench/realistic.ts); BENCH_GENERATOR=both measures every pair with each. The two cost different CPU on a 2-core
 * machine (wrk far less), which moves the ratio: report both.
 *
 *   npm run bench     (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3 by default;
 *                      BENCH_CONFIGS=chdb,chdb-fsync0,chdb-nojournal,clickhouse,clickhouse-nojournal;
 *                      the ClickHouse configurations start a server with scripts/clickhouse-test-server.sh,
 *                      or use BENCH_CLICKHOUSE_URL)
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// autocannon ships no types; the part used here is small.
// @ts-expect-error no type declarations
import autocannon from 'autocannon';
import { serverNodeFlags } from '../src/node-flags.js';
import { benchNodeArgs, startScript, type Proc } from './footfall-server.js';
import { SITES, USER_AGENTS, realisticRequest } from './realistic.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MIX = process.env.BENCH_MIX === 'single' ? 'single' : 'realistic';
type Generator = 'autocannon' | 'wrk';
const GENERATORS: Generator[] = process.env.BENCH_GENERATOR === 'both' ? ['autocannon', 'wrk'] : process.env.BENCH_GENERATOR === 'wrk' ? ['wrk'] : ['autocannon'];
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

/** A wrk duration in ms ("812.00us", "3.21ms", "1.02s", "2.00m"). */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: unreadable duration ${text}`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/** A load with wrk (one thread, as many connections), the realistic mix from bench/realistic.lua. */
async function wrkLoad(port: number): Promise<Omit<Result, 'peakRss'>> {
  const first = nextRequest.get(port) ?? 0;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', path.join(here, '../../bench/realistic.lua'), `http://127.0.0.1:${port}/api/event`, '--', String(first)];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout!.on('data', (c: Buffer) => (text += c.toString()));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const total = num(/(\d+) requests in /);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/) || 0;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const elapsed = wrkMs(/requests in ([\d.]+\w+),/.exec(out)![1]!);
  nextRequest.set(port, first + total);
  return {
    rps: total / (elapsed / 1000),
    p50: wrkMs(/^\s+50%\s+(\S+)/m.exec(out)![1]!),
    p99: wrkMs(/^\s+99%\s+(\S+)/m.exec(out)![1]!),
    non2xx,
    errors: sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0,
    accepted: total - non2xx,
  };
}

/** wrk's Lua script must send what realistic.ts makes: a second of it over one connection, recorded and compared. */
async function checkWrkMix(): Promise<void> {
  const seen: Array<{ body: string; ua: string; ip: string; type: string }> = [];
  const rec = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ body, ua: String(req.headers['user-agent']), ip: String(req.headers['x-forwarded-for']), type: String(req.headers['content-type']) });
      res.writeHead(202, { 'content-length': 2 });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => rec.listen(0, '127.0.0.1', r));
  const port = (rec.address() as { port: number }).port;
  try {
    // (not execFileSync: the recording server answers from this process's event loop)
    await new Promise<void>((resolve, reject) => {
      const p = spawn('wrk', ['-t1', '-c1', '-d1s', '-s', path.join(here, '../../bench/realistic.lua'), `http://127.0.0.1:${port}/api/event`, '--', '1000'], { stdio: 'ignore' });
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wrk exited ${code}`))));
    });
  } finally {
    rec.close();
  }
  if (seen.length < 50) throw new Error(`wrk sent only ${seen.length} requests in its check`);
  seen.slice(0, 200).forEach((s, k) => {
    const want = realisticRequest(1000 + k);
    const got = { body: s.body, ua: s.ua, ip: s.ip, type: s.type };
    const exp = { body: want.body, ua: want.headers['user-agent'], ip: want.headers['x-forwarded-for'], type: want.headers['content-type'] };
    if (JSON.stringify(got) !== JSON.stringify(exp)) throw new Error(`bench/realistic.lua differs from realistic.ts at request ${1000 + k}: ${JSON.stringify(got)} vs ${JSON.stringify(exp)}`);
  });
}

async function load(port: number, pid: number, amount?: number, generator: Generator = 'autocannon'): Promise<Result> {
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  if (generator === 'wrk') {
    try {
      const w = await wrkLoad(port);
      return { ...w, peakRss: Math.max(peak, rssMb(pid)) };
    } finally {
      clearInterval(sampler);
    }
  }
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
  /** Per generator: this configuration's loads, and the baseline load run just before each of them. */
  results: Record<Generator, Result[]>;
  baselines: Record<Generator, Result[]>;
}

async function startFootfall(config: Config, chUrl: string | undefined, i: number): Promise<Running> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-'));
  const env: Record<string, string> = { PORT: '0', LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir, ...config.env };
  if (config.clickhouse) {
    env.FOOTFALL_CLICKHOUSE_URL = chUrl!;
    env.FOOTFALL_CLICKHOUSE_DATABASE = `bench_${process.pid}_${i}`;
  }
  const proc = await startScript(path.join(here, '../src/main.js'), env, [...serverNodeFlags(), ...benchNodeArgs()] /* as `npm start` runs it */);
  const sock = path.join(dataDir, 'footfall.sock');
  for (const domain of DOMAINS) {
    await adminPost(sock, '/admin/sites', { domain });
    // The benchmark measures throughput, not the default per-site rate limit (600 a minute).
    await adminPost(sock, `/admin/rate-limit/${domain}`, { perMinute: 10_000_000, burst: 10_000_000 }, 'PUT');
  }
  const key = (await adminPost(sock, '/admin/keys', { name: 'bench' })).key as string;
  return { config, proc, dataDir, key, idleRss: 0, results: { autocannon: [], wrk: [] }, baselines: { autocannon: [], wrk: [] } };
}

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_CONFIGS ?? CONFIGS.map((c) => c.name).join(',')).split(',').map((s) => s.trim());
  const configs = CONFIGS.filter((c) => wanted.includes(c.name));
  let chUrl = process.env.BENCH_CLICKHOUSE_URL;
  let chDir: string | undefined;
  if (GENERATORS.includes('wrk')) {
    if (MIX !== 'realistic') throw new Error('BENCH_GENERATOR=wrk sends the realistic mix only');
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    } catch (err) {
      // wrk --version exits 1 after printing its version; only a missing program is an error here
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is not installed: run scripts/install-wrk.sh');
    }
    await checkWrkMix();
  }
  if (configs.some((c) => c.clickhouse) && !chUrl) {
    const script = path.join(here, '../../scripts/clickhouse-test-server.sh');
    const line = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    chUrl = /FOOTFALL_TEST_CLICKHOUSE_URL=(\S+)/.exec(line)![1];
    chDir = /CLICKHOUSE_TEST_DIR=(\S+)/.exec(line)![1];
  }
  const baseline = await startScript(path.join(here, 'baseline-server.js'));
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

  const baseRuns: Record<Generator, Result[]> = { autocannon: [], wrk: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(k + i) % servers.length]!;
      for (const g of GENERATORS) {
        await settle();
        const rb = await load(baseline.port, baseline.proc.pid!, undefined, g);
        baseRuns[g].push(rb);
        s.baselines[g].push(rb);
        await settle();
        const r = await load(s.proc.port, s.proc.proc.pid!, undefined, g);
        s.results[g].push(r);
        process.stderr.write(
          `round ${i + 1} ${s.config.name} (${g}): ${Math.round(r.rps)} req/s (baseline ${Math.round(rb.rps)}: ratio ${(r.rps / rb.rps).toFixed(3)}), p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`,
        );
      }
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
  const median = (xs: number[]) => {
    const v = [...xs].sort((x, y) => x - y);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const fmt = (n: number, w = 9) => n.toFixed(0).padStart(w);
  const lines = [`ingest benchmark: ${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections, ${MIX === 'realistic' ? 'the realistic mix' : 'one body from one client'}, node ${process.version}, ${os.cpus().length} cores`];
  for (const g of GENERATORS) {
    const b = summary(baseRuns[g]);
    lines.push(
      `load generator: ${g === 'wrk' ? 'wrk (one thread, its own process)' : 'autocannon (in the benchmark process)'}`,
      `${''.padEnd(42)}    req/s  ratio*  p50 ms   p99 ms  idle RSS MB  peak RSS MB  non-2xx/errors`,
      `${'bare node:http (reads, parses JSON, 202)'.padEnd(42)}${fmt(b.rps)}  1.000 ${b.p50.toFixed(1).padStart(8)} ${b.p99.toFixed(1).padStart(8)} ${fmt(baselineIdle, 12)} ${fmt(b.peakRss, 12)} ${fmt(b.bad, 15)}`,
    );
    for (const s of servers) {
      const f = summary(s.results[g]);
      lines.push(
        `${s.config.label.padEnd(42)}${fmt(f.rps)}  ${median(s.results[g].map((r, i) => r.rps / s.baselines[g][i]!.rps)).toFixed(3)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${fmt(s.idleRss, 12)} ${fmt(f.peakRss, 12)} ${fmt(f.bad, 15)}`,
      );
    }
  }
  lines.push(`stored / answered 202 (every load of every generator, warm-up excluded):`);
  let lost = false;
  for (const s of servers) {
    const all = [...s.results.autocannon, ...s.results.wrk];
    const f = { accepted: all.reduce((a, r) => a + r.accepted, 0) };
    // Every event that got 202 must be in the store (the export writes the buffers out first).
    let stored = -(warmed.get(s) ?? 0);
    for (const domain of DOMAINS) {
      const res = await fetch(`http://127.0.0.1:${s.proc.port}/api/v1/export/events?site_id=${domain}`, { headers: { authorization: `Bearer ${s.key}` } });
      stored += (await res.text()).split('\n').filter(Boolean).length;
    }
    // a generator stops counting at its deadline, so up to one request per connection per load can be stored
    // without being counted; fewer stored than counted would be a loss.
    const ok = stored >= f.accepted && stored <= f.accepted + CONNECTIONS * all.length;
    if (!ok) lost = true;
    lines.push(`  ${s.config.label.padEnd(40)}${stored}/${f.accepted}${ok ? '' : ' LOST'}`);
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
