import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { Accounts } from '../../src/core/accounts.js';
import { Admin } from '../../src/core/admin.js';
import { GeoIp } from '../../src/ingest/geo.js';
import { EMPTY_UA, type UaInfo } from '../../src/ingest/useragent.js';
import { Backfill } from '../../src/store/backfill.js';
import { prepareDataDir } from '../../src/store/datadir.js';
import { openStore } from '../../src/store/open.js';
import { createLogger } from '../../src/util/log.js';
import { seededRandom } from '../../src/util/rng.js';

export const SEED_DOMAIN = 'dash.example';
export const SEED_USER = { email: 'owner@dash.example', password: 'correct horse battery staple' };

const UAS: UaInfo[] = [
  ['Chrome', '131.0', 'Windows', '10', 'Desktop'],
  ['Safari', '17.5', 'iOS', '17.5', 'Mobile'],
  ['Firefox', '133.0', 'GNU/Linux', '', 'Desktop'],
  ['Chrome', '131.0', 'Android', '14', 'Mobile'],
  ['Safari', '17.5', 'Mac', '10.15', 'Desktop'],
].map(([browser, browser_version, operating_system, operating_system_version, screen_size]) => ({ ...EMPTY_UA, browser: browser!, browser_version: browser_version!, operating_system: operating_system!, operating_system_version: operating_system_version!, screen_size: screen_size! }));
/** Public addresses that the shipped GeoIP database places in different countries. */
const IP_PREFIXES = ['81.2.69', '89.160.20', '2.125.160', '175.16.199', '217.65.48', '62.210.16', '91.198.174', '133.242.187', '200.147.67', '41.203.64'];
const REFERRERS = ['', '', 'https://www.google.com/', 'https://news.ycombinator.com/', 'https://duckduckgo.com/', 'https://github.com/footfall'];
const PAGES = ['/', '/pricing', '/docs', '/blog/hello', '/about'];

/**
 * A known data set for the dashboard tests, loaded through the real pipeline into a data directory before the
 * server starts there: 41 days of visits to `dash.example` (time zone UTC) from several countries, browsers and
 * sources, with UTM tags, a `plan` property, a `Signup` goal, and one user to log in with.
 */
export async function seedDashboard(dataDir: string, nowMs = Date.now()): Promise<void> {
  const config = loadConfig({ FOOTFALL_DATA_DIR: dataDir });
  const log = createLogger('warn');
  prepareDataDir(dataDir, log);
  const store = await openStore(config, log);
  try {
    await store.migrate();
    const admin = new Admin(store);
    await admin.load();
    await admin.addSite(SEED_DOMAIN, 'Etc/UTC');
    await admin.addGoal(SEED_DOMAIN, { eventName: 'Signup' });
    const accounts = new Accounts(store.accounts);
    await accounts.load();
    await accounts.addUser(SEED_USER.email, SEED_USER.password);
    const geo = GeoIp.open();
    await geo.warmUp();
    const bf = new Backfill(store, { byDomain: (d) => admin.byDomain(d) }, geo, path.join(dataDir, 'seed-salts.json'));
    const rand = seededRandom(2026);
    const today = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), new Date(nowMs).getUTCDate());
    const hits: Array<{ at: number; ip: string; ua: UaInfo; body: Record<string, unknown> }> = [];
    for (let day = 40; day >= 0; day--) {
      const start = today - day * 86_400_000;
      // today: only the hours already past, so that nothing lies in the future
      const span = day === 0 ? Math.max(60_000, nowMs - start - 120_000) : 86_400_000;
      const visits = 6 + ((day * 7) % 11);
      for (let v = 0; v < visits; v++) {
        const ip = `${IP_PREFIXES[Math.floor(rand() * IP_PREFIXES.length)]}.${1 + Math.floor(rand() * 250)}`;
        const ua = UAS[Math.floor(rand() * UAS.length)]!;
        let at = start + Math.floor(rand() * span * 0.9);
        const ref = REFERRERS[Math.floor(rand() * REFERRERS.length)]!;
        const utm = rand() < 0.25 ? `?utm_source=newsletter&utm_medium=email&utm_campaign=launch` : '';
        const n = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < n; i++) {
          const page = PAGES[Math.floor(rand() * PAGES.length)]!;
          hits.push({ at, ip, ua, body: { n: 'pageview', u: `https://${SEED_DOMAIN}${page}${i === 0 ? utm : ''}`, d: SEED_DOMAIN, r: i === 0 ? ref : '', p: { plan: rand() < 0.5 ? 'free' : 'pro' } } });
          at += 20_000 + Math.floor(rand() * 60_000);
        }
        if (rand() < 0.3) hits.push({ at, ip, ua, body: { n: 'Signup', u: `https://${SEED_DOMAIN}/pricing`, d: SEED_DOMAIN } });
      }
    }
    hits.sort((a, b) => a.at - b.at);
    for (const h of hits) bf.add({ at: new Date(Math.min(h.at, nowMs - 1000)), ip: h.ip, userAgent: `${h.ua.browser} ${h.ua.operating_system} ${h.ip}`, ua: h.ua, body: h.body });
    await bf.flush();
  } finally {
    await store.close();
  }
}
