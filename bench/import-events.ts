/**
 * Raw-history import speed: BENCH_EVENTS events of a realistic mix (1,000 browser User-Agents, visitors with
 * several pageviews a visit, engagement events, goals with revenue, referrers and UTM tags, over BENCH_DAYS days up
 * to yesterday) as an NDJSON file, loaded with `footfall import events`'s code path (the Importer: SHA-256,
 * parse, the ingestion pipeline, sessions, inserts) into a fresh embedded store. Baseline, in the same run: the
 * same events through the internal Backfill (what tests and benchmarks used to load history with) into another
 * fresh store. Prints events/s, wall time, the projection for 10M events and the peak RSS of each.
 *
 * Then, in the same run: the raw-imported site exported as Plausible's CSV zip and imported into another site
 * (rows/s of each), the same events as Umami's tables in CSV (website_event.csv, session.csv) through
 * `footfall import umami --from-csv`'s path, and the dashboard's first view (top stats with their comparison, the
 * daily graph, six panels: the Stats API queries the page sends) over the last 30 days on the native site against
 * the same view of the imported site with `include.imports`.
 *
 *   npm run build && node --max-old-space-size=512 dist/bench/import-events.js      (BENCH_EVENTS=1000000 BENCH_DAYS=60; BENCH_RAW_ONLY=1)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Admin } from '../src/core/admin.js';
import { GeoIp } from '../src/ingest/geo.js';
import { createDetector, parseUserAgent, type UaInfo } from '../src/ingest/useragent.js';
import { Importer } from '../src/import/service.js';
import { Backfill } from '../src/store/backfill.js';
import { ChdbBackend } from '../src/store/chdb.js';
import { Store } from '../src/store/store.js';
import { createLogger } from '../src/util/log.js';
import { USER_AGENTS } from './realistic.js';
import { StatsEngine } from '../src/stats/engine.js';
import { parseQuery } from '../src/stats/query.js';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 60);
const BASELINE_N = Math.min(N, Number(process.env.BENCH_BASELINE_EVENTS ?? 300_000));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-import-bench-'));
/** BENCH_FILE: where the NDJSON goes (kept after the run, for `footfall import events`); default a temporary file. */
const file = process.env.BENCH_FILE ?? path.join(dir, 'history.ndjson');
const DOMAIN = 'history.example';

let seed = 42;
/** mulberry32: a small seeded PRNG (the same events in both runs). */
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const PAGES = Array.from({ length: 400 }, (_, i) => (i === 0 ? '/' : `/docs/page-${i}`));
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://duckduckgo.com/', 'https://t.co/x', '', '', ''];

interface Hit {
  at: number;
  ip: string;
  ua: string;
  body: Record<string, unknown>;
}

/** The mix, one day at a time in time order; `write` gets each hit. */
function generate(write: (h: Hit) => void): number {
  const visitors = Array.from({ length: 100_000 }, (_, i) => ({ ip: `${11 + (i % 200)}.${(i >> 8) & 255}.${i & 255}.${1 + Math.floor(rand() * 250)}`, ua: USER_AGENTS[Math.floor(rand() * rand() * USER_AGENTS.length)]! }));
  const first = Date.parse(new Date(Date.now() - (DAYS + 1) * 86_400_000).toISOString().slice(0, 10));
  const perDay = Math.ceil(N / DAYS);
  let made = 0;
  for (let d = 0; d < DAYS && made < N; d++) {
    const dayStart = first + d * 86_400_000;
    const hits: Hit[] = [];
    while (hits.length < perDay && made + hits.length < N) {
      const v = visitors[Math.floor(rand() * visitors.length)]!;
      let at = dayStart + Math.floor(rand() * 85_000_000);
      const pageviews = 1 + Math.min(6, Math.floor(-Math.log(1 - rand()) * 1.3));
      for (let p = 0; p < pageviews; p++) {
        const page = PAGES[Math.floor(rand() * rand() * PAGES.length)]!;
        const utm = p === 0 && rand() < 0.1 ? `?utm_source=newsletter&utm_medium=email&utm_campaign=w${d % 52}` : '';
        hits.push({ at, ip: v.ip, ua: v.ua, body: { name: 'pageview', url: `https://${DOMAIN}${page}${utm}`, referrer: p === 0 ? REFERRERS[Math.floor(rand() * REFERRERS.length)] : '' } });
        if (rand() < 0.3) hits.push({ at: at + 5000, ip: v.ip, ua: v.ua, body: { name: 'engagement', url: `https://${DOMAIN}${page}`, sd: Math.floor(rand() * 100), e: Math.floor(rand() * 60_000) } });
        if (rand() < 0.05) hits.push({ at: at + 8000, ip: v.ip, ua: v.ua, body: { name: 'Signup', url: `https://${DOMAIN}${page}`, props: { plan: rand() < 0.5 ? 'pro' : 'free' }, revenue: { currency: 'USD', amount: 10 + Math.floor(rand() * 90) } } });
        at += 10_000 + Math.floor(rand() * 200_000);
      }
    }
    hits.sort((a, b) => a.at - b.at);
    for (const h of hits) write(h);
    made += hits.length;
  }
  return made;
}

const log = createLogger('warn');
const geo = GeoIp.open().load();
await geo.warmUp();

function openStore(name: string): Store {
  return new Store(ChdbBackend.open(fs.mkdtempSync(path.join(dir, name))), { db: 'footfall', flushRows: 50_000, flushIntervalMs: 3_600_000, bufferMaxRows: 1_000_000, log });
}

/** Peak RSS while `fn` runs (sampled every 50 ms), and its CPU and wall time. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const value = await fn();
    const c = process.cpuUsage(c0);
    return { value, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6, peakRssMb: Math.round(Math.max(peak, process.memoryUsage.rss()) / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

// the file
const fd = fs.openSync(file, 'w');
let chunk: string[] = [];
const made = generate((h) => {
  chunk.push(JSON.stringify({ ...h.body, timestamp: new Date(h.at).toISOString(), ip: h.ip, user_agent: h.ua }));
  if (chunk.length >= 10_000) {
    fs.writeSync(fd, chunk.join('\n') + '\n');
    chunk = [];
  }
});
if (chunk.length) fs.writeSync(fd, chunk.join('\n') + '\n');
fs.closeSync(fd);
const mb = fs.statSync(file).size / 1048576;
process.stderr.write(`${made.toLocaleString('en')} events over ${DAYS} days, ${mb.toFixed(0)} MiB of NDJSON\n`);

// baseline: the Backfill, on the first BASELINE_N events (its User-Agents parsed before, as its callers do)
const baseStore = openStore('backfill-');
await baseStore.migrate();
const detector = createDetector();
const uaInfo = new Map<string, UaInfo>();
const baseHits: Hit[] = [];
seed = 42;
generate((h) => {
  if (baseHits.length < BASELINE_N) baseHits.push(h);
});
for (const h of baseHits) if (!uaInfo.has(h.ua)) uaInfo.set(h.ua, parseUserAgent(detector, h.ua));
const site = { id: 1, domain: DOMAIN, timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
const base = await measured(async () => {
  const bf = new Backfill(baseStore, { byDomain: (d) => (d === DOMAIN ? site : undefined) }, geo, path.join(dir, 'salts.json'));
  for (const h of baseHits) {
    bf.add({ at: new Date(h.at), ip: h.ip, userAgent: h.ua, ua: uaInfo.get(h.ua)!, body: { ...h.body, domain: DOMAIN } });
    if (bf.pending > 100_000) await bf.flush();
  }
  await bf.flush();
  return bf.events;
});
baseHits.length = 0;
await baseStore.close();

// the import
const store = openStore('import-');
await store.migrate();
const admin = new Admin(store);
await admin.load();
await admin.addSite(DOMAIN, 'Etc/UTC', 1);
const importer = new Importer(store, admin, () => geo);
const imp = await measured(() => importer.importEventsFile(DOMAIN, file));
const again = await measured(() => importer.importEventsFile(DOMAIN, file));
const stored = await store.backend.queryRows<{ n: string }>(`SELECT count() AS n FROM footfall.events WHERE import_id = ${imp.value.importId}`);

/** BENCH_RAW_ONLY=1: the raw import alone (for the 10M-event run). */
const RAW_ONLY = process.env.BENCH_RAW_ONLY === '1';
async function otherPaths() {
  // Plausible's format: export the site, import the zip into another site
  const zipFile = path.join(dir, 'export.zip');
  const exportFd = fs.openSync(zipFile, 'w');
  const exported = await measured(() => importer.exportPlausible(DOMAIN, async (c) => void fs.writeSync(exportFd, c)));
  fs.closeSync(exportFd);
  await admin.addSite('copy.example', 'Etc/UTC', 1);
  const csv = await measured(() => importer.importPlausible('copy.example', [zipFile]));
  const csvRows = Object.values(csv.value.rows).reduce((a, b) => a + b, 0);

  // Umami's tables as CSV: every event of the file, one Umami session per visitor and day
  const umamiDir = fs.mkdtempSync(path.join(dir, 'umami-'));
  const WEBSITE = '0b7c2d4e-1f3a-4b5c-8d9e-a1b2c3d4e5f6';
  {
    const ev = fs.openSync(path.join(umamiDir, 'website_event.csv'), 'w');
    fs.writeSync(ev, 'event_id,website_id,session_id,visit_id,created_at,url_path,url_query,referrer_domain,referrer_path,event_type,event_name,hostname,browser,os,device,country,region\n');
    const sessionOf = new Map<string, string>();
    let k = 0;
    let out: string[] = [];
    seed = 42;
    generate((h) => {
      if (h.body.name === 'engagement') return;
      const day = new Date(h.at).toISOString().slice(0, 10);
      const key = `${h.ip}|${h.ua}|${day}`;
      let sid = sessionOf.get(key);
      if (!sid) sessionOf.set(key, (sid = `aaaaaaaa-0000-4000-8000-${String(sessionOf.size).padStart(12, '0')}`));
      const u = new URL(String(h.body.url));
      const r = h.body.referrer ? new URL(String(h.body.referrer)) : null;
      const name = h.body.name === 'pageview' ? '' : String(h.body.name);
      out.push([`bbbbbbbb-0000-4000-8000-${String(k++).padStart(12, '0')}`, WEBSITE, sid, sid, new Date(h.at).toISOString(), u.pathname, u.search.slice(1), r?.hostname ?? '', r?.pathname ?? '', name ? 2 : 1, name, DOMAIN, h.ua.includes('iPhone') ? 'ios' : h.ua.includes('Firefox') ? 'firefox' : 'chrome', h.ua.includes('iPhone') ? 'iOS' : 'Mac OS', h.ua.includes('iPhone') ? 'mobile' : 'desktop', 'DE', 'DE-BE'].join(','));
      if (out.length >= 10_000) {
        fs.writeSync(ev, out.join('\n') + '\n');
        out = [];
      }
    });
    if (out.length) fs.writeSync(ev, out.join('\n') + '\n');
    fs.closeSync(ev);
  }
  await admin.addSite('umami.example', 'Etc/UTC', 1);
  const umami = await measured(() => importer.importUmami('umami.example', { csvDir: umamiDir, website: WEBSITE }));

  // the dashboard's first view: native data against imported data
  const engine = new StatsEngine(store.backend, store.db, geo);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const minus = (d: string, n: number) => new Date(Date.parse(d) - n * 86_400_000).toISOString().slice(0, 10);
  const range = [minus(yesterday, 29), yesterday];
  const view = (site: string, imports: boolean): Array<Record<string, unknown>> => {
    const b = (x: Record<string, unknown>) => ({ site_id: site, date_range: range, include: { imports }, ...x });
    return [
      b({ metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'] }),
      b({ metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'], date_range: [minus(yesterday, 59), minus(yesterday, 30)] }),
      b({ metrics: ['visitors'], dimensions: ['time:day'], include: { imports, time_labels: true } }),
      b({ metrics: ['visitors'], dimensions: ['visit:source'], pagination: { limit: 9, offset: 0 } }),
      b({ metrics: ['visitors'], dimensions: ['event:page'], pagination: { limit: 9, offset: 0 } }),
      b({ metrics: ['visitors'], dimensions: ['visit:country'], pagination: { limit: 9, offset: 0 } }),
      b({ metrics: ['visitors'], dimensions: ['visit:browser'], pagination: { limit: 9, offset: 0 } }),
      b({ metrics: ['visitors'], dimensions: ['visit:device'], pagination: { limit: 9, offset: 0 } }),
      b({ metrics: ['visitors', 'events'], dimensions: ['event:name'], pagination: { limit: 9, offset: 0 } }),
    ];
  };
  const sitesByDomain = new Map(admin.listSites().map((x) => [x.domain, x]));
  async function firstView(site: string, imports: boolean): Promise<number> {
    const t0 = performance.now();
    // the page sends its queries at once
    await Promise.all(view(site, imports).map((body) => engine.query(parseQuery(body, sitesByDomain.get(site)!, [], { nowMs: Date.now(), statsStart: null }))));
    return performance.now() - t0;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const views: Record<string, number> = {};
  for (const [label, site, imports] of [['native', DOMAIN, false], ['imported (include.imports)', 'copy.example', true], ['native with include.imports (no imports: skipped)', DOMAIN, true]] as const) {
    await firstView(site, imports); // warm
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) runs.push(await firstView(site, imports));
    views[label] = Math.round(median(runs));
  }
  return { exported, zipFile, csv, csvRows, umami, views };
}
const others = RAW_ONLY ? null : await otherPaths();
await store.close();

const rate = (n: number, s: number) => Math.round(n / s);
const r = imp.value;
console.log(
  JSON.stringify(
    {
      events: made,
      fileMiB: Math.round(mb),
      import: { events: r.events, sessions: r.sessions, refused: r.errorCount, dropped: r.dropped, seconds: +imp.seconds.toFixed(1), eventsPerSecond: rate(r.events, imp.seconds), cpuMicrosPerEvent: Math.round((imp.cpuSeconds / r.events) * 1e6), peakRssMb: imp.peakRssMb, stored: Number(stored[0]!.n), projected10MSeconds: Math.round((10_000_000 / r.events) * imp.seconds) },
      baselineBackfill: { events: base.value, seconds: +base.seconds.toFixed(1), eventsPerSecond: rate(base.value, base.seconds), peakRssMb: base.peakRssMb },
      ratio: +(rate(r.events, imp.seconds) / rate(base.value, base.seconds)).toFixed(2),
      reimport: { alreadyImported: again.value.alreadyImported, seconds: +again.seconds.toFixed(2) },
      ...(others && {
        plausibleExport: { files: others.exported.value.files, bytes: fs.statSync(others.zipFile).size, seconds: +others.exported.seconds.toFixed(1) },
        plausibleCsvImport: { rows: others.csvRows, seconds: +others.csv.seconds.toFixed(1), rowsPerSecond: rate(others.csvRows, others.csv.seconds), peakRssMb: others.csv.peakRssMb, days: [others.csv.value.startDate, others.csv.value.endDate] },
        umamiCsvImport: { events: others.umami.value.events, seconds: +others.umami.seconds.toFixed(1), eventsPerSecond: rate(others.umami.value.events, others.umami.seconds), peakRssMb: others.umami.peakRssMb },
        dashboardFirstViewMs: others.views,
      }),
    },
    null,
    2,
  ),
);
fs.rmSync(dir, { recursive: true, force: true });
