/**
 * Visitor and session stages: cost per event and memory per 100,000 live sessions.
 *   node --expose-gc dist/bench/sessions.js   (BENCH_SESSIONS=100000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pipeline, deviceStage, geoStage, sessionStage, sourceStage, visitorStage } from '../src/ingest/pipeline.js';
import { ReferrerDatabase } from '../src/ingest/referrers.js';
import { parseEventObject } from '../src/ingest/request.js';
import { FileSaltSource } from '../src/ingest/salts.js';
import { MemorySessionStore } from '../src/ingest/session.js';
import { EMPTY_UA } from '../src/ingest/useragent.js';

const N = Number(process.env.BENCH_SESSIONS ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const salts = new FileSaltSource(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-salts-')), 'salts.json'));
const store = new MemorySessionStore(10_000_000);
const site = { id: 1, domain: 'bench.example', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
// A typical visit: from Google, with a UTM tag and a prop, on Chrome/Windows, located to a city (the geo stage's
// answer is a cached object, as GeoIp's is for a known address).
const geo = { country_code: 'DE', subdivision1_code: 'DE-BE', subdivision2_code: '', city_geoname_id: 2950159 };
const pipeline = new Pipeline({ byDomain: () => site }, [sourceStage(ReferrerDatabase.load()), deviceStage, geoStage({ lookup: () => geo }), visitorStage(salts), sessionStage(store)]);
const parsed = parseEventObject({ n: 'pageview', u: 'https://bench.example/a/page?utm_source=newsletter', d: 'bench.example', r: 'https://www.google.com/', p: { plan: 'pro' } });
if (!parsed.ok) throw new Error('bad');
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const now = new Date();
const ua = { ...EMPTY_UA, browser: 'Chrome', browser_version: '131.0', operating_system: 'Windows', operating_system_version: '10', screen_size: 'Desktop' };

gc();
const heap0 = process.memoryUsage().heapUsed;
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) pipeline.process(parsed.request, { ip: ip(i), userAgent: UA, ua, now });
const newUs = Number(process.hrtime.bigint() - t) / 1000 / N;
gc();
const heap1 = process.memoryUsage().heapUsed;
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) pipeline.process(parsed.request, { ip: ip(i), userAgent: UA, ua, now });
const contUs = Number(process.hrtime.bigint() - t) / 1000 / N;
const perStage = [...pipeline.stageStats].map(([k, v]) => `${k} ${((v.seconds / v.calls) * 1e6).toFixed(2)} µs`).join(', ');
process.stdout.write(
  `${N} visitors: ${newUs.toFixed(2)} µs/event starting a session, ${contUs.toFixed(2)} µs/event continuing one (${perStage})\n` +
    `live sessions: ${store.size}, heap ${((heap1 - heap0) / 1e6).toFixed(1)} MB → ${(((heap1 - heap0) / N) * 100_000 / 1e6).toFixed(1)} MB per 100k live sessions, ` +
    `${Math.round((heap1 - heap0) / N)} bytes per session (the store's estimate, which FOOTFALL_MAX_SESSION_BYTES bounds: ${Math.round(store.bytes / N)})\n`,
);
