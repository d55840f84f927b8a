/**
 * A load of the realistic mix (bench/realistic) on one server, from its own process so that the generator's CPU is
 * not counted as the server's: `node dist/bench/realistic-load.js <port> <seconds> [first request number]`.
 * Prints one JSON line: requests/s, latency p50/p99 (ms), non-2xx answers, requests in all.
 */
// @ts-expect-error no type declarations
import autocannon from 'autocannon';
import { realisticRequest } from './realistic.js';

const [port, seconds, first] = process.argv.slice(2).map(Number) as [number, number, number | undefined];
let n = first ?? 0;
const r = await autocannon({
  url: `http://127.0.0.1:${port}/api/event`,
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  // BENCH_RATE: requests/s in all (an open load at that rate instead of as fast as the server answers)
  ...(process.env.BENCH_RATE ? { overallRate: Number(process.env.BENCH_RATE) } : {}),
  duration: seconds,
  method: 'POST',
  requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...realisticRequest(n++) }) }],
});
process.stdout.write(JSON.stringify({ rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, total: r.requests.total }) + '\n');
