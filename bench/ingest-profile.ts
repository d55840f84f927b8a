/**
 * Where an ingested event's CPU goes. Starts the built server (embedded store, journal on, as `npm start` runs it)
 * with bench/profile-hook, warms it with the realistic mix (every User-Agent parsed once), then profiles the main
 * thread and the ingest worker during a measured load from a separate process, and prints: requests/s and latency,
 * the server's CPU per request over all its threads (main, the store's, workers), and the time of the main thread
 * and of the ingest worker by category.
 *
 *   npm run build && node dist/bench/ingest-profile.js     (BENCH_SECONDS=20 BENCH_WARMUP_SECONDS=25;
 *                                                          BENCH_PROFILE_OUT=file.cpuprofile keeps the profile)
 *
 * BENCH_PROFILE=0 leaves the profiler out (it costs the server a thread of its own) and prints the CPU figures only;
 * with BENCH_RATE=n the load is open at n requests/s instead of as fast as the server answers, so that two builds
 * compare by CPU per request at the same rate (throughput on this shared machine varies more than their difference).
 * BENCH_NODE_ARGS adds Node options to the server's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, startRealisticFootfall } from './footfall-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 25);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Categories of the main thread's time, by the first frame (from the sampled one up) that names one. */
const CATEGORIES: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)/],
  ['garbage collection', /^\(garbage collector\)/],
  ['journal', /store\/journal/],
  ['write buffer, intake', /store\/(buffer|intake)/],
  ['embedded store binding (inserts)', /\/chdb\//],
  ['row serialization (JSON)', /ingest\/event\.js/],
  ['live sessions', /ingest\/session/],
  ['visitor hash, salts', /siphash|ingest\/(visitor|salts)/],
  ['GeoIP', /ingest\/geo|maxmind|mmdb-lib/],
  ['User-Agent cache', /ingest\/ua-service|lru-cache/],
  ['referrer, source, spam', /ingest\/(source|referrers|spam)|tldts/],
  ['URL', /ingest\/url|internal\/url|^URL |canParse/],
  ['body parse, validation', /ingest\/(request|json)|^parse /],
  ['pipeline, shields, rate limit, IP', /ingest\/(pipeline|shields|ratelimit|ip)\.js/],
  ['messages between threads (ingest worker)', /ingest\/(processor|ingest-worker|core)\.js|internal\/worker|worker_threads|MessagePort|^postMessage /],
  ['HTTP (Node)', /_http_|node:net|internal\/(stream|streams|http|socketaddress|timers)|\/http\//],
];
// (Native frames — writev, read, the HTTP parser — have no URL: they count for the JS frame that called them, so a
// journal write is the journal's, a socket write HTTP's.)

function categorize(p: Profile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const categoryOf = (id: number): string => {
    let c = memo.get(id);
    if (c !== undefined) return c;
    c = 'other (program, natives)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const hit = CATEGORIES.find(([, re]) => re.test(`${f.functionName} ${f.url}`));
      if (hit) {
        c = hit[0];
        break;
      }
    }
    memo.set(id, c);
    return c;
  };
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => out.set(categoryOf(id), (out.get(categoryOf(id)) ?? 0) + (p.timeDeltas[i] ?? 0)));
  return out;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-profile-'));
/**
 * What the machine allows at this CPU per request: the rest of the busy time (the load generator, the kernel, other
 * tenants) counted per request as well, the rate at which the two would fill every core.
 */
function ceiling(serverCpu: number, busy: number, capacity: number, requests: number): string {
  const server = serverCpu / requests;
  const rest = Math.max(0, busy - serverCpu) / requests;
  const full = os.cpus().length / (server + rest); // each core gives a second of CPU a second
  return (
    `the rest of the busy time (load generator, kernel): ${(rest * 1e6).toFixed(0)} µs per request; ` +
    `every core busy at these costs: at most ${Math.round(full)} req/s (${Math.round((100 * busy) / capacity)} % busy now)`
  );
}

const profileOut = process.env.BENCH_PROFILE_OUT ? path.resolve(process.env.BENCH_PROFILE_OUT) : path.join(dataDir, 'main.cpuprofile');
fs.rmSync(profileOut, { force: true });
const PROFILE = process.env.BENCH_PROFILE !== '0';
const nodeArgs: string[] = []; // BENCH_NODE_ARGS: added by startRealisticFootfall
if (PROFILE) nodeArgs.push('--import', path.join(here, 'profile-hook.js'));
for (const f of fs.readdirSync(path.dirname(profileOut))) {
  if (f.startsWith(`${path.basename(profileOut)}.thread-`)) fs.rmSync(path.join(path.dirname(profileOut), f)); // an earlier run's
}
const srv = await startRealisticFootfall(dataDir, { nodeArgs, env: { PROFILE_OUT: profileOut } });
const server = srv.proc;
try {
  const load = srv.load;
  /** CPU seconds per thread group of the server: its main thread, and the others by name (chDB's, libuv's, workers). */
  const threadSeconds = () => {
    const out = new Map<string, number>();
    for (const tid of fs.readdirSync(`/proc/${server.pid}/task`)) {
      try {
        let name = tid === String(server.pid) ? 'main thread' : fs.readFileSync(`/proc/${server.pid}/task/${tid}/comm`, 'utf8').trim();
        if (name === 'node') name = `node:${tid}`; // the ingest worker and libuv's threads share the name: kept apart
        out.set(name, (out.get(name) ?? 0) + cpuSeconds(server.pid!, tid));
      } catch {
        /* the thread ended */
      }
    }
    return out;
  };
  /** The machine's CPU time, busy and idle, in seconds over all cores (/proc/stat; steal counted as busy). */
  const machine = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + f[4]!;
    return { busy: (f.reduce((a, b) => a + b, 0) - idle) / 100, idle: idle / 100 };
  };
  const warm = load(WARMUP, 0);
  process.stdout.write(`warm-up ${WARMUP} s: ${warm.rps} req/s (every User-Agent parsed once)\n`);
  await new Promise((r) => setTimeout(r, 3000));
  if (PROFILE) server.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 200));
  const c0 = cpuSeconds(server.pid!);
  const t0 = threadSeconds();
  const mc0 = machine();
  const m = load(SECONDS, 1_000_000);
  const cpu = cpuSeconds(server.pid!) - c0;
  const t1 = threadSeconds();
  const mc1 = machine();
  const threads = [...t1].map(([k, v]) => [k, v - (t0.get(k) ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  if (!PROFILE) {
    process.stdout.write(
      `measured ${SECONDS} s${process.env.BENCH_RATE ? ` at ${process.env.BENCH_RATE} req/s` : ''}: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.non2xx} non-2xx\n` +
        `server CPU, all threads: ${((cpu / m.total) * 1e6).toFixed(0)} µs per request; by thread: ` +
        threads.map(([k, v]) => `${k} ${((v / m.total) * 1e6).toFixed(0)}`).join(', ') +
        `\nthe machine: ${(mc1.busy - mc0.busy).toFixed(1)} s busy, ${(mc1.idle - mc0.idle).toFixed(1)} s idle\n` +
        ceiling(cpu, mc1.busy - mc0.busy, mc1.busy - mc0.busy + mc1.idle - mc0.idle, m.total) +
        '\n',
    );
  } else {
    server.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(profileOut); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 1500)); // the workers' profiles
    process.stdout.write(
      `measured ${SECONDS} s, 50 connections: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.non2xx} non-2xx\n` +
        `server CPU, all threads: ${cpu.toFixed(1)} s = ${((cpu / m.total) * 1e6).toFixed(0)} µs per request\n` +
        `the machine: ${(mc1.busy - mc0.busy).toFixed(1)} s busy, ${(mc1.idle - mc0.idle).toFixed(1)} s idle over its cores (the load generator, another process, included)\n` +
        `server threads by their CPU time (/proc), µs per request: ` +
        threads.map(([k, v]) => `${k} ${((v / m.total) * 1e6).toFixed(0)}`).join(', ') +
        '\n',
    );
    const report = (title: string, profile: Profile): void => {
      const cats = categorize(profile);
      const total = [...cats.values()].reduce((a, b) => a + b, 0);
      const busy = total - (cats.get('idle') ?? 0);
      process.stdout.write(
        `\n${title}: busy ${(busy / 1e6).toFixed(1)} s = ${(busy / m.total).toFixed(0)} µs per request\n\n` +
          `| ${title} (profile samples) | share of its busy time | µs per request |\n|---|---:|---:|\n`,
      );
      for (const [k, v] of [...cats].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`| ${k} | ${((100 * v) / busy).toFixed(1)} % | ${(v / m.total).toFixed(1)} |\n`);
      }
      process.stdout.write(`| (idle) | ${(((cats.get('idle') ?? 0) / total) * 100).toFixed(0)} % of the window | |\n\nfunctions with the most self time:\n`);
      const self = new Map<string, number>();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '')}`;
        self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
      });
      for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 20)) {
        process.stdout.write(`  ${(v / m.total).toFixed(1).padStart(5)} µs  ${k}\n`);
      }
    };
    report('main thread', JSON.parse(fs.readFileSync(profileOut, 'utf8')) as Profile);
    // The worker threads' profiles: the ingest worker is the busiest (the User-Agent worker is idle once warm).
    const dir = path.dirname(profileOut);
    const workers = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(`${path.basename(profileOut)}.thread-`))
      .map((f) => {
        const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Profile;
        const cats = categorize(p);
        return { p, busy: [...cats].filter(([k]) => k !== 'idle').reduce((a, [, v]) => a + v, 0) };
      })
      .sort((a, b) => b.busy - a.busy);
    if (workers[0]) report('ingest worker thread', workers[0].p);
  }
} finally {
  await srv.stop();
}

