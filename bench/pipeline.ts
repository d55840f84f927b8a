/**
 * Pipeline cost per event, in-process, no HTTP: body bytes → parse/validate → stages → serialized row.
 *   node dist/bench/pipeline.js   (BENCH_EVENTS=200000)
 */
import { serializeEventRow } from '../src/ingest/event.js';
import { Pipeline } from '../src/ingest/pipeline.js';
import { parseEventBody } from '../src/ingest/request.js';
import type { Site } from '../src/store/repo.js';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const site: Site = { id: 1, domain: 'bench.example', timezone: 'Etc/UTC', createdAt: '' };
const pipeline = new Pipeline({ byDomain: (d) => (d === site.domain ? site : undefined) });
const bodies = Array.from({ length: 1000 }, (_, i) =>
  Buffer.from(
    JSON.stringify({
      n: 'pageview',
      u: `https://bench.example/blog/post-${i}?utm_source=newsletter&utm_campaign=nov`,
      d: 'bench.example',
      r: i % 3 ? 'https://www.google.com/' : `https://ref${i}.example/path`,
      p: { author: 'someone', words: 1200 + i },
      v: 27,
    }),
  ),
);

function run(n: number): { perEventUs: number; stages: Record<string, number> } {
  const t = { parse: 0n, process: 0n, serialize: 0n };
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    const parsed = parseEventBody(bodies[i % bodies.length]!);
    if (!parsed.ok) throw new Error('bad body');
    const b = process.hrtime.bigint();
    const r = pipeline.process(parsed.request, { ip: '203.0.113.7', userAgent: 'UA', now: new Date() });
    const c = process.hrtime.bigint();
    for (const row of r.rows) serializeEventRow(row);
    const d = process.hrtime.bigint();
    t.parse += b - a;
    t.process += c - b;
    t.serialize += d - c;
  }
  const total = Number(process.hrtime.bigint() - start) / 1000;
  return {
    perEventUs: total / n,
    stages: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Number(v) / 1000 / n])),
  };
}

run(20_000); // warm up
const r = run(N);
process.stdout.write(
  `pipeline: ${N} events, ${r.perEventUs.toFixed(2)} µs/event (${Math.round(1e6 / r.perEventUs)} events/s on one core)\n` +
    Object.entries(r.stages)
      .map(([k, v]) => `  ${k.padEnd(10)} ${v.toFixed(2)} µs`)
      .join('\n') +
    '\n',
);
