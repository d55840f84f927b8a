/**
 * Memory benchmark: the server (embedded store, journal on, default bounds) under full-rate load where every
 * request is a new visitor (a new client IP each time: the worst case for live sessions), for BENCH_SECONDS
 * (default 600). Samples the server's RSS every 10 s and prints idle, peak and final RSS, and the requests/s.
 *
 *   npm run build && node dist/bench/memory.js     (BENCH_SECONDS=600 BENCH_CONNECTIONS=50)
 */
import { execFileSync } from 'node:child_process';
import { BENCH_METRICS_AUTH, startFootfall } from './footfall-server.js';
import fs from 'node:fs';
// @ts-expect-error no type declarations
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 600);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const rssMb = (pid: number) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString()) / 1024;

const server = await startFootfall('mem.example');
const srv = server.proc;
const port = server.port;
await new Promise((r) => setTimeout(r, 5000));
const idle = rssMb(srv.pid!);
let n = 0;
const ipOf = (i: number) => `${11 + ((i >>> 24) % 200)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const samples: Array<[number, number]> = [];
const t0 = Date.now();
const timer = setInterval(() => samples.push([Math.round((Date.now() - t0) / 1000), Math.round(rssMb(srv.pid!))]), 10_000);
const result = await autocannon({
  url: `http://127.0.0.1:${port}/api/event`,
  connections: CONNECTIONS,
  duration: SECONDS,
  method: 'POST',
  requests: [
    {
      setupRequest: (req: Record<string, unknown>) => {
        const i = n++;
        return {
          ...req,
          headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': ipOf(i) },
          body: JSON.stringify({ n: 'pageview', u: `https://mem.example/page/${i % 5000}?utm_source=news&utm_campaign=c${i % 50}`, d: 'mem.example', r: 'https://www.google.com/', p: { author: `a${i % 100}` } }),
        };
      },
    },
  ],
});
clearInterval(timer);
const peak = Math.max(...samples.map((s) => s[1]));
const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8');
const field = (name: string) => Math.round(Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024);
const final = rssMb(srv.pid!);
console.log(`${SECONDS} s at ${CONNECTIONS} connections, every request a new visitor: ${Math.round(result.requests.average)} req/s, ${result.non2xx} non-2xx, p99 ${result.latency.p99} ms`);
console.log(`RSS idle ${Math.round(idle)} MB, peak ${peak} MB, at the end ${Math.round(final)} MB`);
console.log(`RSS by kind: anonymous ${field('RssAnon')} MB, file-backed ${field('RssFile')} MB, shared memory ${field('RssShmem')} MB`);
console.log(`samples (s, MB): ${samples.map(([s, m]) => `${s}:${m}`).join(' ')}`);
const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: BENCH_METRICS_AUTH })).text();
for (const name of ['footfall_events_accepted_total', 'footfall_events_overloaded_total', 'footfall_live_sessions', 'footfall_live_session_bytes', 'footfall_live_sessions_evicted_total', 'footfall_nodejs_heap_size_used_bytes', 'footfall_nodejs_heap_size_total_bytes', 'footfall_nodejs_external_memory_bytes', 'footfall_store_memory_bytes']) {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  if (m) console.log(`${name} ${m[1]}`);
}
await server.stop();
