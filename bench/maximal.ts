/**
 * Cost of maximal events for everyone else: sequential normal events (one every 20 ms) with their p50/p99,
 * first alone, then while maximal events (30 props at the size limits, of a character JSON escapes six-fold:
 * ≈ 414 KB each) arrive at 25 a second from new visitors, then alone again. The server runs with the defaults.
 *
 *   npm run build && node dist/bench/maximal.js     (BENCH_SECONDS=10 per phase)
 */
import { startFootfall } from './footfall-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const server = await startFootfall('max.example');
const port = server.port;

const post = (body: string, ip: string) =>
  fetch(`http://127.0.0.1:${port}/api/event`, { method: 'POST', headers: { 'user-agent': UA, 'x-forwarded-for': ip }, body }).then(async (r) => {
    await r.text();
    return r.status;
  });
const props: Record<string, string> = {};
for (let i = 0; i < 30; i++) props[String(i).padStart(2, '0') + '\u0001'.repeat(298)] = '\u0001'.repeat(2000);
const maximal = JSON.stringify({ n: 'pageview', u: 'https://max.example/big', d: 'max.example', p: props });
let seq = 0;
const ip = (prefix: number) => `10.${prefix}.${(seq >> 8) & 255}.${seq++ & 255}`;

async function phase(label: string, withMaximal: boolean): Promise<void> {
  let stop = false;
  let sent = 0;
  const background = (async () => {
    while (!stop && withMaximal) {
      const t = Date.now();
      void post(maximal, ip(5)).catch(() => undefined);
      sent++;
      await new Promise((r) => setTimeout(r, Math.max(0, 40 - (Date.now() - t))));
    }
  })();
  const latencies: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < SECONDS * 1000) {
    const s = performance.now();
    await post(JSON.stringify({ n: 'pageview', u: `https://max.example/n${seq}`, d: 'max.example' }), ip(6));
    latencies.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  await background;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  console.log(`| ${label} | ${latencies.length} | ${p(0.5)} | ${p(0.99)} | ${withMaximal ? sent : ''} |`);
}

console.log(`maximal body: ${maximal.length} bytes; ${SECONDS} s a phase\n`);
console.log('| phase | normal events | p50 ms | p99 ms | maximal events sent |');
console.log('|---|---:|---:|---:|---:|');
await phase('normal events alone', false);
await phase('with maximal events at 25/s', true);
await phase('alone again', false);
await server.stop();
