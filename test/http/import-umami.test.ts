import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { admin, cli, exportRows, startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * `footfall import umami`: an Umami website's events from a real PostgreSQL (Debian's, started by
 * scripts/postgres-test-server.sh; CI sets FOOTFALL_TEST_POSTGRES_URL) in Umami v3's schema and in the schema before
 * 2.18 (hostname and subdivision1 on the session), and from the same tables as CSV files.
 */
const PG = process.env.FOOTFALL_TEST_POSTGRES_URL;
const WEBSITE = '6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER = '11111111-2222-4333-8444-555555555555';
const S1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const S2 = 'aaaaaaaa-0000-4000-8000-000000000002';

/** Umami v3's tables (the columns the import reads, and some it does not), as prisma/schema.prisma declares them. */
const V3 = `
CREATE TABLE session (session_id uuid PRIMARY KEY, website_id uuid NOT NULL, browser varchar(20), os varchar(20), device varchar(20), screen varchar(11), language varchar(35), country char(2), region varchar(20), city varchar(50), distinct_id varchar(50), created_at timestamptz DEFAULT now());
CREATE TABLE website_event (event_id uuid PRIMARY KEY, website_id uuid NOT NULL, session_id uuid NOT NULL, visit_id uuid NOT NULL, created_at timestamptz DEFAULT now(), url_path varchar(500) NOT NULL, url_query varchar(500), utm_source varchar(255), utm_medium varchar(255), utm_campaign varchar(255), utm_content varchar(255), utm_term varchar(255), referrer_path varchar(500), referrer_query varchar(500), referrer_domain varchar(500), page_title varchar(500), gclid varchar(255), fbclid varchar(255), msclkid varchar(255), ttclid varchar(255), li_fat_id varchar(255), twclid varchar(255), event_type integer NOT NULL DEFAULT 1, event_name varchar(50), tag varchar(50), hostname varchar(100), lcp decimal(10,1), inp decimal(10,1), cls decimal(10,4), fcp decimal(10,1), ttfb decimal(10,1));
CREATE TABLE event_data (event_data_id uuid PRIMARY KEY, website_id uuid NOT NULL, website_event_id uuid NOT NULL, data_key varchar(500) NOT NULL, string_value varchar(500), number_value decimal(19,4), date_value timestamptz, data_type integer NOT NULL, created_at timestamptz DEFAULT now());`;
/** Before 2.18: hostname and subdivision1 on the session, no region, no hostname on events. */
const V2_OLD = `
CREATE TABLE session (session_id uuid PRIMARY KEY, website_id uuid NOT NULL, hostname varchar(100), browser varchar(20), os varchar(20), device varchar(20), screen varchar(11), language varchar(35), country char(2), subdivision1 varchar(20), subdivision2 varchar(50), city varchar(50), created_at timestamptz DEFAULT now());
CREATE TABLE website_event (event_id uuid PRIMARY KEY, website_id uuid NOT NULL, session_id uuid NOT NULL, visit_id uuid NOT NULL, created_at timestamptz DEFAULT now(), url_path varchar(500) NOT NULL, url_query varchar(500), referrer_path varchar(500), referrer_query varchar(500), referrer_domain varchar(500), page_title varchar(500), event_type integer NOT NULL DEFAULT 1, event_name varchar(50));
CREATE TABLE event_data (event_data_id uuid PRIMARY KEY, website_id uuid NOT NULL, website_event_id uuid NOT NULL, data_key varchar(500) NOT NULL, string_value varchar(500), number_value decimal(19,4), date_value timestamptz, data_type integer NOT NULL, created_at timestamptz DEFAULT now());`;

let n = 0;
const uuid = () => `bbbbbbbb-0000-4000-8000-${String(++n).padStart(12, '0')}`;

/** Two visitors on 2024-03-05: a desktop Chrome visit of three pages and a signup with data, an iPhone visit of one page; a performance sample; another website's event. */
function rows(v3: boolean) {
  const sessions = [
    { session_id: S1, website_id: WEBSITE, browser: 'chrome', os: 'Windows 10', device: 'desktop', country: 'DE', region: v3 ? 'DE-BE' : 'BE', hostname: 'um.example' },
    { session_id: S2, website_id: WEBSITE, browser: 'ios', os: 'iOS', device: 'mobile', country: 'EE', region: v3 ? 'EE-37' : '37', hostname: 'um.example' },
  ];
  const at = (hm: string) => `2024-03-05 ${hm}:00+00`;
  const events = [
    { event_id: uuid(), session_id: S1, created_at: at('10:00'), url_path: '/', url_query: 'utm_source=newsletter', referrer_domain: 'www.google.com', referrer_path: '/search', event_type: 1, event_name: null },
    { event_id: uuid(), session_id: S1, created_at: at('10:02'), url_path: '/pricing', url_query: null, referrer_domain: null, referrer_path: null, event_type: 1, event_name: null },
    { event_id: uuid(), session_id: S1, created_at: at('10:03'), url_path: '/pricing', url_query: null, referrer_domain: null, referrer_path: null, event_type: 2, event_name: 'signup' },
    { event_id: uuid(), session_id: S1, created_at: at('10:04'), url_path: '/welcome', url_query: null, referrer_domain: null, referrer_path: null, event_type: 1, event_name: null },
    { event_id: uuid(), session_id: S1, created_at: at('10:05'), url_path: '/welcome', url_query: null, referrer_domain: null, referrer_path: null, event_type: 5, event_name: null },
    { event_id: uuid(), session_id: S2, created_at: at('12:00'), url_path: '/blog/post', url_query: null, referrer_domain: 'news.ycombinator.com', referrer_path: '/', event_type: 1, event_name: null },
  ];
  const data = [
    { event_data_id: uuid(), website_event_id: events[2]!.event_id, data_key: 'plan', string_value: 'pro', number_value: null, data_type: 1 },
    { event_data_id: uuid(), website_event_id: events[2]!.event_id, data_key: 'seats', string_value: null, number_value: '3.0000', data_type: 2 },
  ];
  return { sessions, events, data };
}

async function loadPostgres(db: string, v3: boolean): Promise<string> {
  const root = new pg.Client({ connectionString: PG });
  await root.connect();
  await root.query(`DROP DATABASE IF EXISTS ${db}`);
  await root.query(`CREATE DATABASE ${db}`);
  await root.end();
  const url = PG!.replace(/\/[^/]*$/, `/${db}`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(v3 ? V3 : V2_OLD);
  const { sessions, events, data } = rows(v3);
  for (const s of sessions) {
    if (v3) await c.query('INSERT INTO session (session_id, website_id, browser, os, device, country, region) VALUES ($1,$2,$3,$4,$5,$6,$7)', [s.session_id, s.website_id, s.browser, s.os, s.device, s.country, s.region]);
    else await c.query('INSERT INTO session (session_id, website_id, hostname, browser, os, device, country, subdivision1) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [s.session_id, s.website_id, s.hostname, s.browser, s.os, s.device, s.country, s.region]);
  }
  for (const e of events) {
    const cols = ['event_id', 'website_id', 'session_id', 'visit_id', 'created_at', 'url_path', 'url_query', 'referrer_domain', 'referrer_path', 'event_type', 'event_name', ...(v3 ? ['hostname'] : [])];
    const vals = [e.event_id, WEBSITE, e.session_id, e.session_id, e.created_at, e.url_path, e.url_query, e.referrer_domain, e.referrer_path, e.event_type, e.event_name, ...(v3 ? ['um.example'] : [])];
    await c.query(`INSERT INTO website_event (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, vals);
  }
  // another website's event in the same database: not imported
  await c.query("INSERT INTO website_event (event_id, website_id, session_id, visit_id, created_at, url_path, event_type) VALUES ($1, $2, $3, $3, '2024-03-05 11:00:00+00', '/other', 1)", [uuid(), OTHER, S2]);
  for (const d of data) await c.query('INSERT INTO event_data (event_data_id, website_id, website_event_id, data_key, string_value, number_value, data_type) VALUES ($1,$2,$3,$4,$5,$6,$7)', [d.event_data_id, WEBSITE, d.website_event_id, d.data_key, d.string_value, d.number_value, d.data_type]);
  await c.end();
  return url;
}

describe('import umami', () => {
  let srv: TestServer;
  let key: string;
  const v2 = async (body: Record<string, unknown>) => {
    const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as any;
  };
  before(async () => {
    srv = await startServer();
    for (const d of ['um.example', 'old.example', 'csv.example']) assert.equal((await admin(srv.dataDir, 'POST', '/admin/sites', { domain: d })).status, 201);
    key = (await admin(srv.dataDir, 'POST', '/admin/keys', { name: 'umami import' })).data.key as string;
  });
  after(async () => {
    await srv?.stop();
  });

  /** What every variant must give: the same visitors, visits, pages, sources, devices, places and props. */
  async function assertImported(site: string): Promise<void> {
    const day = ['2024-03-05', '2024-03-05'];
    const agg = await v2({ site_id: site, date_range: day, metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate'] });
    assert.deepEqual(agg.results[0].metrics, [2, 2, 4, 5, 50], site);
    const by = async (dim: string) => (await v2({ site_id: site, date_range: day, metrics: ['visitors'], dimensions: [dim], order_by: [[dim, 'asc']] })).results.map((r: { dimensions: string[] }) => r.dimensions[0]);
    assert.deepEqual(await by('visit:source'), ['Hacker News', 'newsletter']);
    assert.deepEqual(await by('visit:browser'), ['Chrome', 'Safari']);
    assert.deepEqual(await by('visit:os'), ['Windows', 'iOS']);
    assert.deepEqual(await by('visit:device'), ['Desktop', 'Mobile']);
    assert.deepEqual(await by('visit:country'), ['DE', 'EE']);
    assert.deepEqual(await by('visit:region'), ['DE-BE', 'EE-37']);
    assert.deepEqual(await by('event:page'), ['/', '/blog/post', '/pricing', '/welcome']);
    const events = await exportRows(srv.url, key, 'events', site, '2024-03-05,2024-03-05');
    const signup = events.find((e) => e.name === 'signup')!;
    assert.deepEqual([signup['meta.key'], signup['meta.value'], signup.hostname, signup.timestamp], [['plan', 'seats'], ['pro', '3'], 'um.example', '2024-03-05 10:03:00']);
  }

  test("from Umami v3's PostgreSQL: events at their time with their session's device and place; the site takes the website id", { skip: PG ? false : 'needs FOOTFALL_TEST_POSTGRES_URL (CI starts one with scripts/postgres-test-server.sh)' }, async () => {
    const url = await loadPostgres(`umami_v3_${process.pid}`, true);
    const r = await cli(srv.dataDir, ['import', 'umami', '--database-url', url, '--website', WEBSITE, '--site', 'um.example']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^import \d+: 5 events and 2 sessions from 5 lines, 2024-03-05 to 2024-03-05/);
    await assertImported('um.example');
    const sites = JSON.parse((await cli(srv.dataDir, ['sites', 'list', '--json'])).stdout) as Array<{ domain: string; umamiId: string }>;
    assert.equal(sites.find((s) => s.domain === 'um.example')!.umamiId, WEBSITE);
    const again = await cli(srv.dataDir, ['import', 'umami', '--database-url', url, '--website', WEBSITE, '--site', 'um.example']);
    assert.match(again.stdout, /was imported already/);
    const list = JSON.parse((await cli(srv.dataDir, ['imports', 'list', '--site', 'um.example', '--json'])).stdout) as Array<{ source: string; rows: Record<string, number> }>;
    assert.deepEqual(list.map((i) => [i.source, i.rows.events]), [['umami', 5]]);
    const bad = await cli(srv.dataDir, ['import', 'umami', '--database-url', PG!.replace(/\/[^/]*$/, '/postgres'), '--website', WEBSITE, '--site', 'old.example']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no Umami website_event table/);
  });

  test('from the schema before Umami 2.18 (hostname and subdivision1 on the session)', { skip: PG ? false : 'needs FOOTFALL_TEST_POSTGRES_URL' }, async () => {
    const url = await loadPostgres(`umami_v2_${process.pid}`, false);
    const r = await cli(srv.dataDir, ['import', 'umami', '--database-url', url, '--website', WEBSITE, '--site', 'old.example']);
    assert.equal(r.code, 0, r.stderr);
    await assertImported('old.example');
  });

  test('from the tables as CSV files (COPY … CSV HEADER, or Umami Cloud)', async () => {
    const dir = tempDir('footfall-umami-csv-');
    const { sessions, events, data } = rows(true);
    const csv = (cols: string[], items: Array<Record<string, unknown>>) => [cols.join(','), ...items.map((o) => cols.map((c) => (o[c] === null || o[c] === undefined ? '' : `"${String(o[c]).replace(/"/g, '""')}"`)).join(','))].join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'session.csv'), csv(['session_id', 'website_id', 'browser', 'os', 'device', 'country', 'region'], sessions));
    fs.writeFileSync(path.join(dir, 'website_event.csv'), csv(['event_id', 'website_id', 'session_id', 'visit_id', 'created_at', 'url_path', 'url_query', 'referrer_domain', 'referrer_path', 'event_type', 'event_name', 'hostname'], events.map((e) => ({ ...e, website_id: WEBSITE, visit_id: e.session_id, hostname: 'um.example' }))));
    fs.writeFileSync(path.join(dir, 'event_data.csv'), csv(['event_data_id', 'website_id', 'website_event_id', 'data_key', 'string_value', 'number_value', 'data_type'], data.map((d) => ({ ...d, website_id: WEBSITE }))));
    const r = await cli(srv.dataDir, ['import', 'umami', '--from-csv', dir, '--website', WEBSITE, '--site', 'csv.example']);
    assert.equal(r.code, 0, r.stderr);
    await assertImported('csv.example');
    const usage = await cli(srv.dataDir, ['import', 'umami', '--website', WEBSITE, '--site', 'csv.example']);
    assert.equal(usage.code, 2);
    const notUuid = await cli(srv.dataDir, ['import', 'umami', '--from-csv', dir, '--website', 'nope', '--site', 'csv.example']);
    assert.match(notUuid.stderr, /must be the Umami website id/);
  });
});
