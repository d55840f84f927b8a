import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportSalts, ImportSessionStore, parseTimestamp } from '../../src/import/events.js';
import { clampRange, parseFileName } from '../../src/import/plausible-csv.js';
import { umamiGeo, umamiLine, umamiUa } from '../../src/import/umami.js';
import { flattenData } from '../../src/http/umami.js';
import { decide } from '../../src/stats/imported.js';
import { parseQuery } from '../../src/stats/query.js';
import type { LiveSession } from '../../src/ingest/session.js';

test('parseTimestamp: ISO 8601 with a zone, an offset or none (UTC), Unix seconds; anything else a message', () => {
  assert.equal(parseTimestamp('2024-05-01T12:00:00Z'), Date.parse('2024-05-01T12:00:00Z'));
  assert.equal(parseTimestamp('2024-05-01T14:00:00+02:00'), Date.parse('2024-05-01T12:00:00Z'));
  assert.equal(parseTimestamp('2024-05-01 12:00:00'), Date.parse('2024-05-01T12:00:00Z'));
  assert.equal(parseTimestamp('2024-05-01T12:00:00.250'), Date.parse('2024-05-01T12:00:00.250Z'));
  assert.equal(parseTimestamp(1714564800), Date.parse('2024-05-01T12:00:00Z'));
  for (const bad of [undefined, '', 'yesterday', '2024-13-01T00:00:00Z', '01/05/2024', -1, Number.NaN, {}]) assert.equal(typeof parseTimestamp(bad), 'string', String(bad));
});

test("ImportSalts: one random salt per day, the day before's kept, older ones and all at the end destroyed", () => {
  const s = new ImportSalts();
  const d1 = s.current(new Date('2024-05-01T10:00:00Z'));
  assert.equal(s.current(new Date('2024-05-01T23:00:00Z')), d1);
  const d2 = s.current(new Date('2024-05-02T01:00:00Z'));
  assert.notDeepEqual(d2.key, d1.key);
  assert.equal(s.previous(new Date('2024-05-02T01:00:00Z')), d1);
  s.current(new Date('2024-05-04T00:00:00Z'));
  assert.equal(s.size, 1, 'days before the day before are dropped');
  const key = d2.key;
  s.clear();
  assert.equal(s.size, 0);
  assert.ok(key.every((b) => b === 0), 'the key bytes are overwritten');
});

test('ImportSessionStore: a session idle for 30 minutes is gone; sweep drops the idle ones from the front', () => {
  const store = new ImportSessionStore();
  const t = Date.parse('2024-05-01T10:00:00Z');
  const s = (lastMs: number) => ({ lastMs }) as unknown as LiveSession;
  store.set('a', s(t));
  store.set('b', s(t + 20 * 60_000));
  assert.ok(store.get('a', t + 29 * 60_000));
  assert.equal(store.get('a', t + 30 * 60_000), undefined);
  store.sweep(t + 55 * 60_000);
  assert.equal(store.size, 0);
});

test("Plausible's file names and Plausible's clamping of the import's range", () => {
  assert.deepEqual(
    (({ table, start, end }) => [table.name, start, end])(parseFileName('imported_visitors_20240101_20241231.csv')!),
    ['imported_visitors', '2024-01-01', '2024-12-31'],
  );
  assert.equal(parseFileName('visitors_20240101_20241231.csv')!.table.name, 'imported_visitors');
  assert.equal(parseFileName('imported_custom_props_20240101_20241231.csv'), null);
  assert.equal(parseFileName('imported_visitors_20241231_20240101.csv'), null);
  // native data from 2023-10-25: the import ends on that day (Plausible's imported_test)
  assert.deepEqual(clampRange('2023-10-23', '2023-10-30', '2023-10-25', []), ['2023-10-23', '2023-10-25']);
  // an earlier import of the middle: the longest free part, sharing its first or last day
  assert.deepEqual(clampRange('2023-01-01', '2023-12-31', '2024-06-01', [['2023-03-01', '2023-11-30']]), ['2023-01-01', '2023-03-01']);
  // an earlier import of under two days does not count
  assert.deepEqual(clampRange('2023-01-01', '2023-01-31', '2024-06-01', [['2023-01-10', '2023-01-11']]), ['2023-01-01', '2023-01-31']);
  assert.equal(clampRange('2023-01-01', '2023-01-02', '2024-06-01', []), null, 'less than two days');
  assert.equal(clampRange('2023-01-01', '2023-01-31', '2022-12-01', []), null, 'native data before the files');
});

test("Umami's rows: names, URLs, referrers, device and place as Footfall stores them", () => {
  assert.deepEqual(umamiUa('chrome', 'Windows 10', 'desktop'), { bot: '', browser: 'Chrome', browser_version: '', operating_system: 'Windows', operating_system_version: '10', screen_size: 'Desktop' });
  assert.deepEqual([umamiUa('ios', 'iOS', 'mobile').browser, umamiUa('crios', 'iOS', 'mobile').browser, umamiUa('edge-chromium', 'Mac OS', 'laptop').operating_system, umamiUa('x', 'Linux', 'tablet').screen_size], ['Safari', 'Chrome', 'Mac', 'Tablet']);
  assert.deepEqual(umamiGeo.lookup('umami:us|CA'), { country_code: 'US', subdivision1_code: 'US-CA', subdivision2_code: '', city_geoname_id: 0 });
  assert.deepEqual(umamiGeo.lookup('umami:DE|DE-BE').subdivision1_code, 'DE-BE');
  const row = { event_id: 'e', session_id: 's', created_at: '2024-03-05T10:00:00.000Z', url_path: '/p', url_query: 'a=1', referrer_domain: 'www.google.com', referrer_path: '/search', referrer_query: null, hostname: 'x.example', event_type: 2, event_name: 'signup', browser: 'chrome', os: 'Mac OS', device: 'laptop', country: 'DE', region: 'DE-BE', data: [['plan', 'pro']] as Array<[string, string]> };
  assert.deepEqual(umamiLine(row, 'site.example'), { name: 'signup', url: 'https://x.example/p?a=1', referrer: 'https://www.google.com/search', props: { plan: 'pro' }, timestamp: row.created_at, ip: 'umami:DE|DE-BE', user_agent: 'umami:s|chrome|Mac OS|laptop' });
  assert.equal(umamiLine({ ...row, event_type: 5 }, 'site.example'), null, 'performance samples are skipped');
  assert.equal(umamiLine({ ...row, event_type: 1, hostname: null }, 'site.example')!.name, 'pageview');
  assert.deepEqual(flattenData({ a: 1, b: { c: true, d: [1, 2] }, e: null }), [['a', '1'], ['b.c', 'true'], ['b.d', '[1,2]']]);
});

test('which imported table answers a query, or why none does', () => {
  const site = { id: 1, domain: 'x.example', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 };
  const goals = [{ id: 1, siteId: 1, eventName: 'Signup', pagePath: '', currency: '', displayName: '', props: [], scrollThreshold: -1, createdAt: '' }] as never[];
  const q = (body: Record<string, unknown>) => parseQuery({ site_id: site.domain, date_range: ['2024-01-01', '2024-01-31'], metrics: ['visitors'], ...body }, site, goals, { nowMs: Date.parse('2024-06-01'), statsStart: null });
  const spans = [{ id: 7, startDate: '2023-06-01', endDate: '2024-01-15' }];
  const table = (body: Record<string, unknown>) => {
    const d = decide(q(body), spans);
    return 'skip' in d ? d.skip : d.table;
  };
  assert.equal(decide(q({}), []).hasOwnProperty('skip') && (decide(q({}), []) as { skip: string }).skip, 'no_imported_data');
  assert.equal(table({}), 'imported_visitors');
  assert.equal(table({ dimensions: ['time:day'] }), 'imported_visitors');
  assert.equal(table({ dimensions: ['time:hour'] }), 'unsupported_interval');
  assert.equal(table({ dimensions: ['visit:source'], filters: [['is', 'visit:utm_medium', ['email']]] }), 'imported_sources');
  assert.equal(table({ dimensions: ['visit:source'], filters: [['is', 'event:page', ['/']]] }), 'unsupported_query');
  assert.equal(table({ dimensions: ['event:page'], filters: [['is', 'event:name', ['pageview']]] }), 'imported_pages');
  assert.equal(table({ filters: [['is', 'event:goal', ['Signup']]] }), 'imported_custom_events');
  assert.equal(table({ dimensions: ['event:goal'] }), 'goals');
  assert.equal(table({ dimensions: ['event:props:plan'] }), 'unsupported_query');
  assert.equal(table({ date_range: ['2024-03-01', '2024-03-31'] }), 'out_of_range');
});
