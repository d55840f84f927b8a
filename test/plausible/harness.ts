import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { Admin } from '../../src/core/admin.js';
import { serializeRow } from '../../src/ingest/event.js';
import type { Stage } from '../../src/ingest/pipeline.js';
import { Pipeline, defaultStages } from '../../src/ingest/pipeline.js';
import { ReferrerDatabase } from '../../src/ingest/referrers.js';
import { parseEventObject } from '../../src/ingest/request.js';
import type { Salt, SaltSource } from '../../src/ingest/salts.js';
import { MemorySessionStore } from '../../src/ingest/session.js';
import { SpamList } from '../../src/ingest/spam.js';
import { EMPTY_UA } from '../../src/ingest/useragent.js';
import { sipKey } from '../../src/ingest/visitor.js';
import { prepareDataDir } from '../../src/store/datadir.js';
import { openStore } from '../../src/store/open.js';
import { createLogger } from '../../src/util/log.js';
import { newKey, startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * Plausible's own Stats API test cases, ported as data: each case is the events its `populate_stats` call
 * inserts (Plausible's factory fields), the goals it creates, one request and Plausible's expected answer.
 *
 * The events go through Footfall's real ingestion pipeline at their own timestamps (sessions, 30 minutes of
 * inactivity, visitor ids), into a data directory that a real server then opens; the requests go over HTTP with an
 * API key. What Plausible's factory sets directly and our pipeline derives from the request (the source, the
 * location, the device) is set by one extra stage after the enrichment stages, as the factory does; the visitor id
 * is the hash of the case's `user_id` under one fixed salt (a factory `user_id` does not change at midnight).
 */

/** An event as Plausible's factory builds it (`build(:pageview, …)`, `build(:event, name: …)`). */
export interface PEvent {
  name?: string; // default 'pageview'
  /** 'YYYY-MM-DD HH:MM:SS' in UTC (Plausible's ~N[...]); default: a minute before the seeding (the factory's now). */
  timestamp?: string;
  user_id?: number; // default: a new visitor for every event
  hostname?: string; // default 'example.com'
  pathname?: string; // default '/'
  referrer?: string;
  referrer_source?: string;
  utm_medium?: string;
  utm_source?: string;
  utm_campaign?: string;
  utm_content?: string;
  utm_term?: string;
  click_id_param?: string;
  country_code?: string;
  subdivision1_code?: string;
  subdivision2_code?: string;
  city_geoname_id?: number;
  screen_size?: string;
  operating_system?: string;
  operating_system_version?: string;
  browser?: string;
  browser_version?: string;
  'meta.key'?: string[];
  'meta.value'?: string[];
  revenue_reporting_amount?: string | number;
  revenue_reporting_currency?: string;
  /** engagement events */
  engagement_time?: number;
  scroll_depth?: number;
}

export interface PGoal {
  event_name?: string;
  page_path?: string;
  currency?: string;
  display_name?: string;
  custom_props?: Record<string, string>;
  scroll_threshold?: number;
}

export interface PCase {
  /** Plausible's test name (its `describe` and `test` strings). */
  name: string;
  timezone?: string;
  goals?: PGoal[];
  events: PEvent[];
  /** A v2 query body (`site_id` is filled in), or a v1 path with its query string (`site_id` is appended). */
  v2?: Record<string, unknown>;
  v1?: string;
  /** Default 200. */
  status?: number;
  /** Plausible's answer: each key given (`results`, `meta`, `query`, `error`, …) must equal the answer's. */
  expect: Record<string, unknown>;
  /** A known difference, not fixed yet: the case runs and is reported, but does not fail the suite. */
  todo?: string;
  /** Imported rows (Plausible's `build(:imported_<table>, …)`), of one completed import of the case's site. */
  imported?: PImported[];
  /** That import's days (Plausible's `site_import` start and end; default 2005-01-01 to today). */
  importRange?: [string, string];
}

/** An imported row as Plausible's factory builds it: the table without `imported_`, its date and columns. */
export type PImported = { table: string; date: string } & Record<string, string | number>;

/** Plausible's factory defaults of imported rows (test/support/factory.ex). */
const IMPORTED_DEFAULTS: Record<string, Record<string, string | number>> = {
  visitors: { visitors: 1, pageviews: 1, bounces: 0, visits: 1, visit_duration: 10 },
  sources: { source: '', visitors: 1, visits: 1, bounces: 0, visit_duration: 10 },
  pages: { page: '', visitors: 1, pageviews: 1, exits: 0 },
  entry_pages: { entry_page: '', visitors: 1, entrances: 1, bounces: 0, visit_duration: 10 },
  exit_pages: { exit_page: '', visitors: 1, exits: 1 },
  custom_events: { name: '', visitors: 1, events: 1 },
  locations: { country: '', region: '', city: 0, visitors: 1, visits: 1, bounces: 0, visit_duration: 10 },
  devices: { device: '', visitors: 1, visits: 1, bounces: 0, visit_duration: 10 },
  browsers: { browser: '', visitors: 1, visits: 1, bounces: 0, visit_duration: 10 },
  operating_systems: { operating_system: '', visitors: 1, visits: 1, bounces: 0, visit_duration: 10 },
};

const FIXED_SALT: Salt = { day: '2000-01-01', key: Buffer.alloc(16, 7), words: sipKey(Buffer.alloc(16, 7)) };
const fixedSalts: SaltSource = { current: () => FIXED_SALT, previous: () => undefined };

const VISIT_OVERRIDES = [
  'referrer', 'referrer_source', 'utm_medium', 'utm_source', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_param',
  'country_code', 'subdivision1_code', 'subdivision2_code', 'city_geoname_id',
  'screen_size', 'operating_system', 'operating_system_version', 'browser', 'browser_version',
] as const;

/** The factory's direct fields, applied after the stages that would derive them from a real request. */
function factoryStage(current: { ev: PEvent | null }): Stage {
  return {
    name: 'plausible_factory',
    run(ev) {
      const p = current.ev!;
      const row = ev.row as unknown as Record<string, unknown>;
      for (const k of VISIT_OVERRIDES) row[k] = p[k] ?? (k === 'city_geoname_id' ? 0 : '');
      return undefined;
    },
  };
}

let anonymous = 1_000_000;

/** The Events API body for one factory event (the url carries hostname and pathname; props and revenue as sent). */
function bodyOf(p: PEvent, domain: string): Record<string, unknown> {
  const name = p.name ?? 'pageview';
  const body: Record<string, unknown> = { n: name, d: domain, u: `https://${p.hostname ?? 'example.com'}${p.pathname ?? '/'}` };
  const keys = p['meta.key'] ?? [];
  if (keys.length) body.p = Object.fromEntries(keys.map((k, i) => [k, p['meta.value']?.[i] ?? '']));
  if (p.revenue_reporting_amount !== undefined) body.$ = { amount: String(p.revenue_reporting_amount), currency: p.revenue_reporting_currency ?? 'USD' };
  if (name === 'engagement') {
    body.e = p.engagement_time ?? 0;
    body.sd = p.scroll_depth ?? 0;
  }
  return body;
}

/** The domain of case `i` of a file. */
const domainOf = (file: string, i: number) => `c${i}.${file}.test`;

async function seed(dataDir: string, file: string, cases: PCase[], env: Record<string, string>): Promise<void> {
  const config = loadConfig({ FOOTFALL_DATA_DIR: dataDir, ...env });
  const log = createLogger('warn');
  prepareDataDir(dataDir, log);
  const store = await openStore(config, log);
  try {
    await store.migrate();
    const admin = new Admin(store);
    await admin.load();
    const current: { ev: PEvent | null } = { ev: null };
    const stages = defaultStages({
      referrers: ReferrerDatabase.load(),
      shields: { shieldsOf: () => undefined },
      geo: { lookup: () => ({ country_code: '', subdivision1_code: '', subdivision2_code: '', city_geoname_id: 0 }) },
      spam: SpamList.load(),
      salts: fixedSalts,
      sessions: new MemorySessionStore(1_000_000),
    });
    const at = stages.findIndex((s) => s.name === 'visitor');
    stages.splice(at, 0, factoryStage(current));
    const sites = new Map<string, Awaited<ReturnType<Admin['addSite']>>>();
    for (const [i, c] of cases.entries()) {
      const site = await admin.addSite(domainOf(file, i), c.timezone ?? 'Etc/UTC');
      sites.set(site.domain, site);
      for (const g of c.goals ?? []) {
        await admin.addGoal(site.domain, {
          eventName: g.event_name,
          pagePath: g.page_path,
          currency: g.currency,
          displayName: g.display_name,
          props: g.custom_props ? Object.entries(g.custom_props) : undefined,
          scrollThreshold: g.scroll_threshold,
        });
      }
    }
    const pipeline = new Pipeline({ byDomain: (d) => sites.get(d) }, stages);
    const now = new Date(Date.now() - 60_000).toISOString().slice(0, 19).replace('T', ' ');
    const all = cases.flatMap((c, i) => c.events.map((e) => ({ e: { ...e, timestamp: e.timestamp ?? now }, domain: domainOf(file, i), uid: e.user_id ?? anonymous++ })));
    // in each case's list order, as Plausible's populate_stats builds sessions (a session's exit page is its last
    // listed pageview); cases are separate sites, so their sessions never meet
    for (const { e, domain, uid } of all) {
      const r = parseEventObject(bodyOf(e, domain));
      if (!r.ok) throw new Error(`invalid event ${JSON.stringify(e)}: ${JSON.stringify(r.errors)}`);
      current.ev = e;
      const out = pipeline.process(r.request, {
        ip: '127.0.0.1',
        userAgent: `Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 user/${uid}`,
        ua: EMPTY_UA,
        now: new Date(`${e.timestamp!.replace(' ', 'T')}Z`),
      });
      if (out.dropped.length) throw new Error(`event dropped (${out.dropped.join(',')}): ${JSON.stringify(e)}`);
      if (out.rows.length) store.events.push(out.rows.map(serializeRow), true);
      if (out.sessionRows.length) store.sessions.push(out.sessionRows.map(serializeRow), true);
    }
    await Promise.all([store.events.flush(), store.sessions.flush()]);
    // imported rows: one completed import per case that has some, written straight into the imported tables
    for (const [i, c] of cases.entries()) {
      if (!c.imported?.length) continue;
      const site = sites.get(domainOf(file, i))!;
      const [startDate, endDate] = c.importRange ?? ['2005-01-01', new Date().toISOString().slice(0, 10)];
      const imp = await store.imports.write({ siteId: site.id, source: 'plausible_csv', label: 'ported case', fingerprint: '', startDate, endDate, status: 'completed', rows: {}, error: '' });
      const byTable = new Map<string, string[]>();
      for (const row of c.imported) {
        const { table, ...cols } = row;
        const full = { ...IMPORTED_DEFAULTS[table], ...cols, site_id: site.id, import_id: imp.id };
        byTable.set(table, [...(byTable.get(table) ?? []), JSON.stringify(full)]);
      }
      for (const [table, lines] of byTable) await store.backend.insertJSONEachRow(`${store.db}.imported_${table}`, Buffer.from(lines.join('\n')));
    }
  } finally {
    await store.close();
  }
}

/** The backends every case runs on: the embedded store, and a ClickHouse server when the tests have one. */
function backends(file: string): Array<{ name: string; env: Record<string, string> }> {
  const list: Array<{ name: string; env: Record<string, string> }> = [{ name: 'embedded', env: {} }];
  const url = process.env.FOOTFALL_TEST_CLICKHOUSE_URL;
  if (url) list.push({ name: 'clickhouse server', env: { FOOTFALL_CLICKHOUSE_URL: url, FOOTFALL_CLICKHOUSE_DATABASE: `plausible_${file.replace(/\W/g, '_')}_${process.pid}` } });
  return list;
}

/** Runs one file's ported cases against a real server that opened the seeded data directory, on every backend. */
export function plausibleCases(file: string, cases: PCase[]): void {
  for (const backend of backends(file)) {
    describe(`Plausible's ${file} (${backend.name})`, () => {
      let srv: TestServer;
      let key: string;
      before(async () => {
        const dir = tempDir();
        await seed(dir, file, cases, backend.env);
        srv = await startServer({ dataDir: dir, env: backend.env });
        key = await newKey(dir);
      });
      after(async () => {
        await srv?.stop();
      });
      for (const [i, c] of cases.entries()) {
        test(c.name, c.todo ? { todo: c.todo } : {}, async () => {
          const body = await ask(srv, key, domainOf(file, i), c);
          assert.equal(body.status, c.status ?? 200, body.text);
          for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(body.json[k], v, `${k} of ${body.text}`);
        });
      }
    });
  }
}

async function ask(srv: TestServer, key: string, domain: string, c: PCase): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  let res: Response;
  if (c.v2) {
    res = await fetch(`${srv.url}/api/v2/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ site_id: domain, ...c.v2 }),
    });
  } else {
    const sep = c.v1!.includes('?') ? '&' : '?';
    res = await fetch(`${srv.url}/api/v1/stats/${c.v1}${sep}site_id=${encodeURIComponent(domain)}`, { headers: { authorization: `Bearer ${key}` } });
  }
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}
