/**
 * Pipeline cost per event, in-process, no HTTP: body bytes → parse/validate → User-Agent → stages →
 * serialized row. Measured twice: with the caches (what the server does for a User-Agent it has seen) and
 * without (every User-Agent parsed from scratch by the device detector).
 *   node dist/bench/pipeline.js   (BENCH_EVENTS=200000, BENCH_UNCACHED=300)
 */
import { LRUCache } from 'lru-cache';
import { serializeRow } from '../src/ingest/event.js';
import { Pipeline, defaultStages } from '../src/ingest/pipeline.js';
import { ReferrerDatabase } from '../src/ingest/referrers.js';
import { GeoIp } from '../src/ingest/geo.js';
import { FileSaltSource } from '../src/ingest/salts.js';
import { MemorySessionStore } from '../src/ingest/session.js';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
const testSalts = new FileSaltSource(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'salts-')), 'salts.json'));
import { SpamList } from '../src/ingest/spam.js';
import { parseEventBody } from '../src/ingest/request.js';
import { createDetector, parseUserAgent, type UaInfo } from '../src/ingest/useragent.js';
import type { Site } from '../src/store/repo.js';
import { UA_CORPUS } from '../test/fixtures/user-agents.js';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const N_UNCACHED = Number(process.env.BENCH_UNCACHED ?? 300);
const site: Site = { id: 1, domain: 'bench.example', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
const referrers = ReferrerDatabase.load();
const spam = SpamList.load();
const lookup = { byDomain: (d: string) => (d === site.domain ? site : undefined) };
const noShields = { shieldsOf: () => undefined };
const geoCached = GeoIp.open();
const geoUncached = GeoIp.open({ cacheSize: 1 });
await geoCached.warmUp();
await geoUncached.warmUp();
const cachedPipeline = new Pipeline(lookup, defaultStages({ referrers, shields: noShields, geo: geoCached, spam, salts: testSalts, sessions: new MemorySessionStore() }));
const uncachedPipeline = new Pipeline(lookup, defaultStages({ referrers, shields: noShields, geo: geoUncached, spam, salts: testSalts, sessions: new MemorySessionStore() }));
/** Public IPv4 and IPv6 addresses of many networks, so that geo lookups hit real records. */
const ips = Array.from({ length: 1000 }, (_, i) => (i % 4 === 3 ? `2a00:1450:4001:${(i % 200).toString(16)}::${i.toString(16)}` : `${[81, 93, 151, 185][i % 4]}.${(i * 7) % 250}.${i % 250}.9`));
const detector = createDetector();
const browsers = UA_CORPUS.filter((c) => !c.bot).map((c) => c.ua);
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

function run(n: number, pipeline: Pipeline, uaOf: (ua: string) => UaInfo): { perEventUs: number; stages: Record<string, number> } {
  const t = { parse: 0n, useragent: 0n, stages: 0n, serialize: 0n };
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    const parsed = parseEventBody(bodies[i % bodies.length]!);
    if (!parsed.ok) throw new Error('bad body');
    const b = process.hrtime.bigint();
    const userAgent = browsers[i % browsers.length]!;
    const ua = uaOf(userAgent);
    const c = process.hrtime.bigint();
    const r = pipeline.process(parsed.request, { ip: ips[i % ips.length]!, userAgent, ua, now: new Date() });
    const d = process.hrtime.bigint();
    for (const row of r.rows) serializeRow(row);
    const e = process.hrtime.bigint();
    t.parse += b - a;
    t.useragent += c - b;
    t.stages += d - c;
    t.serialize += e - d;
  }
  const total = Number(process.hrtime.bigint() - start) / 1000;
  return { perEventUs: total / n, stages: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Number(v) / 1000 / n])) };
}

const cache = new LRUCache<string, UaInfo>({ max: 10_000 });
const cached = (ua: string): UaInfo => {
  let hit = cache.get(ua);
  if (!hit) cache.set(ua, (hit = parseUserAgent(detector, ua)));
  return hit;
};
run(20_000, cachedPipeline, cached); // warm up (and fills the caches)
const withCache = run(N, cachedPipeline, cached);
run(browsers.length * 2, uncachedPipeline, (ua) => parseUserAgent(detector, ua)); // the detector compiles its regexes lazily
const noCache = run(N_UNCACHED, uncachedPipeline, (ua) => parseUserAgent(detector, ua));
const stageReport = (p: Pipeline) =>
  [...p.stageStats].map(([k, v]) => `    ${k.padEnd(15)} ${((v.seconds / Math.max(1, v.calls)) * 1e6).toFixed(2)} µs`).join('\n');

const report = (name: string, n: number, r: ReturnType<typeof run>) =>
  `${name}: ${n} events, ${r.perEventUs.toFixed(2)} µs/event (${Math.round(1e6 / r.perEventUs)} events/s on one core)\n` +
  Object.entries(r.stages)
    .map(([k, v]) => `  ${k.padEnd(10)} ${v.toFixed(2)} µs`)
    .join('\n');
process.stdout.write(
  `${report('with caches', N, withCache)}\n  per stage:\n${stageReport(cachedPipeline)}\n` +
    `${report('without caches (every User-Agent parsed, every IP looked up)', N_UNCACHED, noCache)}\n  per stage:\n${stageReport(uncachedPipeline)}\n`,
);
