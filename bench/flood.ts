/**
 * A dashboard query flood against ingestion: event latency at a fixed, open-loop rate (measured from each request's
 * scheduled send time, so no coordinated omission), first idle, then while anonymous loops post 50-query batches
 * to a public site's dashboard — once from one address, once from a different address per loop (through a trusted
 * proxy). The baseline is the idle phase of the same run. Prints p50/p99 of event latency per phase and the
 * flood's answers by status.
 *
 *   npm run build && node dist/bench/flood.js
 *     BENCH_RATE=200 (events/s) BENCH_SECONDS=20 (per phase) BENCH_LOOPS=8 BENCH_SEED_EVENTS=30000
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startFootfall } from './footfall-server.js';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const LOOPS = Number(process.env.BENCH_LOOPS ?? 8);
const SEED = Number(process.env.BENCH_SEED_EVENTS ?? 30_000);
const SITE = 'flood.example';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const DASHBOARD_QUERIES = [
  { metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'], date_range: '30d' },
  { metrics: ['visitors', 'pageviews'], date_range: '30d', dimensions: ['time:day'] },
  { metrics: ['visitors'], date_range: '30d', dimensions: ['event:page'], pagination: { limit: 9, offset: 0 } },
  { metrics: ['visitors'], date_range: '30d', dimensions: ['visit:source'], pagination: { limit: 9, offset: 0 } },
  { metrics: ['visitors'], date_range: '30d', dimensions: ['visit:country'], pagination: { limit: 9, offset: 0 } },
  { metrics: ['visitors', 'bounce_rate'], date_range: '30d', dimensions: ['visit:entry_page'], pagination: { limit: 9, offset: 0 } },
  { metrics: ['visitors'], date_range: '30d', dimensions: ['visit:browser'], pagination: { limit: 9, offset: 0 } },
];

function post(port: number, path: string, body: string, headers: Record<string, string>, agent: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

/** The flood, in a process of its own: `LOOPS` loops of 50-query batches until told to stop; reports statuses. */
async function floodChild(port: number, spread: boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOOPS });
  const statuses: Record<string, number> = {};
  let stop = false;
  process.on('message', () => (stop = true));
  const queries = Array.from({ length: 50 }, (_, i) => ({ site_id: SITE, ...DASHBOARD_QUERIES[i % DASHBOARD_QUERIES.length] }));
  await Promise.all(
    Array.from({ length: LOOPS }, async (_, loop) => {
      const headers: Record<string, string> = { origin: `http://127.0.0.1:${port}` };
      if (spread) headers['x-forwarded-for'] = `198.51.100.${loop + 1}`;
      while (!stop) {
        const r = await post(port, '/api/dashboard/batch', JSON.stringify({ queries }), headers, agent);
        if (r.status !== 200) statuses[r.status] = (statuses[r.status] ?? 0) + 50;
        else for (const line of r.text.split('\n').filter(Boolean)) {
          const s = String((JSON.parse(line) as { status: number }).status);
          statuses[s] = (statuses[s] ?? 0) + 1;
        }
        if (r.status === 0) await new Promise((res) => setTimeout(res, 50));
      }
    }),
  );
  process.send!(statuses);
  process.exit(0);
}

/** Events at RATE a second for SECONDS, open loop; the latency of each from its scheduled time (ms), sorted. */
async function events(port: number, agent: http.Agent, offset: number): Promise<{ latencies: number[]; non202: number }> {
  const latencies: number[] = [];
  let non202 = 0;
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = offset + i;
    const body = JSON.stringify({ n: 'pageview', u: `https://${SITE}/p/${n % 50}`, d: SITE, r: n % 3 ? 'https://www.google.com/' : '' });
    pending.push(
      post(port, '/api/event', body, { 'user-agent': UA, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }, agent).then((r) => {
        latencies.push(performance.now() - at);
        if (r.status !== 202) non202++;
      }),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), non202 };
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main(): Promise<void> {
  if (process.argv[2] === 'flood') return floodChild(Number(process.argv[3]), process.argv[4] === 'spread');
  const srv = await startFootfall(SITE, { FOOTFALL_TRUSTED_PROXIES: '127.0.0.1' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    // the site is public (as a user makes it in the settings), with some history
    await makePublic(srv.port, srv.dataDir);
    for (let i = 0; i < SEED; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => post(srv.port, '/api/event', JSON.stringify({ n: 'pageview', u: `https://${SITE}/p/${(i + k) % 200}`, d: SITE }), { 'user-agent': UA, 'x-forwarded-for': `10.200.${((i + k) >> 8) & 255}.${(i + k) & 255}` }, agent)));
    await new Promise((r) => setTimeout(r, 2000));
    const rows: string[] = [];
    const idle = await events(srv.port, agent, 1_000_000);
    rows.push(`| idle (baseline) | ${pct(idle.latencies, 0.5).toFixed(1)} | ${pct(idle.latencies, 0.99).toFixed(1)} | ${idle.non202} | |`);
    for (const spread of [false, true]) {
      const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['flood', String(srv.port), spread ? 'spread' : 'one'], { stdio: 'inherit' });
      await new Promise((r) => setTimeout(r, 1000));
      const during = await events(srv.port, agent, spread ? 3_000_000 : 2_000_000);
      const statuses = await new Promise<Record<string, number>>((resolve) => {
        child.once('message', (m) => resolve(m as Record<string, number>));
        child.send('stop');
      });
      const label = spread ? `flood: ${LOOPS} loops of 50-query batches, an address each` : `flood: ${LOOPS} loops of 50-query batches, one address`;
      rows.push(`| ${label} | ${pct(during.latencies, 0.5).toFixed(1)} | ${pct(during.latencies, 0.99).toFixed(1)} | ${during.non202} | ${JSON.stringify(statuses)} |`);
    }
    console.log(`\nevents at ${RATE}/s for ${SECONDS} s a phase, open loop, latency from the scheduled send (ms); public site with ${SEED.toLocaleString('en-US')} events\n`);
    console.log('| phase | event p50 ms | event p99 ms | events not 202 | flood queries by status |');
    console.log('|---|---:|---:|---:|---|');
    for (const r of rows) console.log(r);
  } finally {
    agent.destroy();
    await srv.stop();
  }
}

/** A user makes the site public through the dashboard (the CLI has no command for it). */
async function makePublic(port: number, dataDir: string): Promise<void> {
  const cli = (args: string[], input?: string) => execFileSync(process.execPath, [fileURLToPath(new URL('../src/cli/main.js', import.meta.url)), ...args], { env: { ...process.env, FOOTFALL_DATA_DIR: dataDir }, input });
  cli(['users', 'add', 'flood@example.com', '--password-stdin'], 'flood bench password\n');
  const agent = new http.Agent();
  const origin = { origin: `http://127.0.0.1:${port}` };
  const login = await new Promise<string>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/dashboard/login', method: 'POST', agent, headers: { 'content-type': 'application/json', ...origin } }, (res) => {
      res.resume();
      resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
    });
    req.end(JSON.stringify({ email: 'flood@example.com', password: 'flood bench password' }));
  });
  const r = await post(port, '/api/dashboard/settings', JSON.stringify({ site: SITE, action: 'public', public: true }), { cookie: login, ...origin }, agent);
  if (r.status !== 200) throw new Error(`could not make the site public: ${r.status} ${r.text}`);
}

await main();
