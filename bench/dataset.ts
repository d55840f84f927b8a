/**
 * The benchmark data set shared by bench/query and bench/dashboard: BENCH_EVENTS events (default 10 million) over a
 * year for 20 sites of power-law sizes, power-law pages and sources, sessions of 1–8 pageviews, engagement events,
 * custom events with props and revenue — generated through the real ingestion pipeline (Backfill).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GeoIp } from '../src/ingest/geo.js';
import { EMPTY_UA, type UaInfo } from '../src/ingest/useragent.js';
import { Backfill } from '../src/store/backfill.js';
import type { Goal, Site } from '../src/store/repo.js';
import type { Store } from '../src/store/store.js';
import { addDays, localDate } from '../src/stats/dates.js';
import { seededRandom } from '../src/util/rng.js';

export const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
export const DAYS = 365;
export const SITES = 20;

const rand = seededRandom(42);
/** Index in [0, n) with a Zipf-like (power-law) distribution. */
const zipf = (n: number, s = 1.1): number => Math.min(n - 1, Math.floor(Math.pow(n, Math.pow(rand(), s)) - 1));
const pick = <T>(xs: readonly T[]): T => xs[zipf(xs.length)]!;

const REFERRERS = ['', '', '', 'https://www.google.com/', 'https://www.bing.com/', 'https://news.ycombinator.com/', 'https://www.reddit.com/', 'https://t.co/x', 'https://duckduckgo.com/', 'https://www.facebook.com/', 'https://github.com/', 'https://www.linkedin.com/', 'https://blog.partner.example/', 'https://search.yahoo.com/', 'https://www.youtube.com/'];
const PAGES = ['/', '/pricing', '/about', '/docs', '/signup', ...Array.from({ length: 1995 }, (_, i) => (i % 3 ? `/blog/post-${i}` : `/docs/page-${i}`))];
const UAS: UaInfo[] = [
  ['Chrome', '131.0', 'Windows', '10', 'Desktop'],
  ['Safari', '17.5', 'iOS', '17.5', 'Mobile'],
  ['Chrome', '131.0', 'Android', '14', 'Mobile'],
  ['Safari', '17.5', 'Mac', '10.15', 'Desktop'],
  ['Firefox', '133.0', 'Windows', '11', 'Desktop'],
  ['Edge', '131.0', 'Windows', '10', 'Desktop'],
  ['Chrome', '131.0', 'Mac', '10.15', 'Desktop'],
  ['Samsung Internet', '26.0', 'Android', '14', 'Mobile'],
  ['Safari', '17.5', 'iPadOS', '17.5', 'Tablet'],
  ['Firefox', '133.0', 'GNU/Linux', '', 'Desktop'],
].map(([browser, browser_version, operating_system, operating_system_version, screen_size]) => ({ ...EMPTY_UA, browser: browser!, browser_version: browser_version!, operating_system: operating_system!, operating_system_version: operating_system_version!, screen_size: screen_size! }));
const PLANS = ['free', 'pro', 'team', 'enterprise'];

function randomIp(): string {
  for (;;) {
    const a = 1 + Math.floor(rand() * 222);
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue;
    return `${a}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
  }
}

export const sites: Site[] = Array.from({ length: SITES }, (_, i) => ({ id: i + 1, domain: `site${i + 1}.example`, timezone: i % 2 ? 'Europe/Berlin' : 'America/New_York', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 }));
export const goals: Goal[] = [
  { id: 1, siteId: 1, eventName: 'Signup', pagePath: '', currency: 'USD', displayName: '', props: [], scrollThreshold: -1, createdAt: '' },
  { id: 2, siteId: 1, eventName: '', pagePath: '/blog/**', currency: '', displayName: '', props: [], scrollThreshold: -1, createdAt: '' },
  { id: 3, siteId: 1, eventName: 'Download', pagePath: '', currency: '', displayName: '', props: [], scrollThreshold: -1, createdAt: '' },
];
const endDay = localDate(Date.now(), 'UTC');
const firstDay = addDays(endDay, -DAYS);

export async function generate(stores: Store[], geo: GeoIp): Promise<void> {
  const byDomain = new Map(sites.map((s) => [s.domain, s]));
  const bf = new Backfill(stores[0]!, { byDomain: (d) => byDomain.get(d) }, geo, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-salts-')), 'salts.json'));
  bf.mirrors.push(...stores.slice(1));
  const visitors = Array.from({ length: 200_000 }, () => ({ ip: randomIp(), ua: UAS[zipf(UAS.length)]! }));
  const eventsPerDay = EVENTS / DAYS;
  const t0 = Date.now();
  let made = 0;
  for (let d = 0; d < DAYS; d++) {
    const day = addDays(firstDay, d);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const hits: Array<{ at: number; ip: string; ua: UaInfo; body: Record<string, unknown> }> = [];
    let n = 0;
    while (n < eventsPerDay) {
      const site = sites[zipf(SITES, 1.3)]!;
      const v = visitors[Math.floor(rand() * visitors.length)]!;
      let at = dayStart + Math.floor(rand() * 86_000_000);
      const ref = pick(REFERRERS);
      const utm = rand() < 0.1 ? `?utm_source=newsletter&utm_medium=email&utm_campaign=week${d % 52}` : '';
      const pageviews = 1 + Math.min(7, Math.floor(-Math.log(1 - rand()) * 1.2));
      for (let p = 0; p < pageviews; p++) {
        const page = pick(PAGES);
        hits.push({ at, ip: v.ip, ua: v.ua, body: { n: 'pageview', d: site.domain, u: `https://${site.domain}${page}${p === 0 ? utm : ''}`, r: p === 0 ? ref : '' } });
        n++;
        if (rand() < 0.3) {
          hits.push({ at: at + 5000, ip: v.ip, ua: v.ua, body: { n: 'engagement', d: site.domain, u: `https://${site.domain}${page}`, sd: Math.floor(rand() * 100), e: Math.floor(rand() * 60_000) } });
          n++;
        }
        if (rand() < 0.08) {
          const signup = rand() < 0.5;
          hits.push({ at: at + 8000, ip: v.ip, ua: v.ua, body: { n: signup ? 'Signup' : 'Download', d: site.domain, u: `https://${site.domain}${page}`, p: { plan: pick(PLANS) }, ...(signup ? { $: { currency: 'USD', amount: 10 + Math.floor(rand() * 90) } } : {}) } });
          n++;
        }
        at += 10_000 + Math.floor(rand() * 240_000);
      }
    }
    hits.sort((a, b) => a.at - b.at);
    for (const h of hits) bf.add({ at: new Date(h.at), ip: h.ip, userAgent: `${h.ua.browser} ${h.ua.operating_system} ${h.ip}`, ua: h.ua, body: h.body });
    if (bf.pending > 300_000) await bf.flush();
    made += hits.length;
    if (d % 30 === 29) process.stderr.write(`  ${day}: ${made.toLocaleString('en-US')} events, ${Math.round(made / ((Date.now() - t0) / 1000)).toLocaleString('en-US')}/s\n`);
  }
  await bf.flush();
  process.stderr.write(`generated ${bf.events.toLocaleString('en-US')} events in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}

