import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { admin, BROWSER_UA, cli, exportRows, startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * `footfall import events` and `POST /api/v1/import/events`: raw history at its own timestamps, through the
 * ingestion pipeline, on the embedded store and (when CI gives one) a ClickHouse server.
 */
const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const backends: Array<[string, Record<string, string> | null]> = [
  ['embedded store', {}],
  ['ClickHouse server', process.env.FOOTFALL_TEST_CLICKHOUSE_URL ? { FOOTFALL_CLICKHOUSE_URL: process.env.FOOTFALL_TEST_CLICKHOUSE_URL, FOOTFALL_CLICKHOUSE_DATABASE: `import_${process.pid}` } : null],
];

const line = (o: Record<string, unknown>) => JSON.stringify(o);
const DAY = '2025-03-10';
const at = (hhmm: string) => `${DAY}T${hhmm}:00Z`;

/** 12 lines: 3 real visits of 2 visitors, a bot, a goal with revenue, and 4 lines that must be refused. */
function history(domain: string): string {
  return [
    line({ name: 'pageview', url: `https://${domain}/`, referrer: 'https://www.google.com/', timestamp: at('09:00'), ip: '81.2.69.142', user_agent: BROWSER_UA }),
    // out of order by a few lines: put back in time order
    line({ name: 'pageview', url: `https://${domain}/pricing`, timestamp: at('09:05'), ip: '81.2.69.142', user_agent: BROWSER_UA }),
    line({ name: 'pageview', url: `https://${domain}/docs`, timestamp: '2025-03-10T09:02:00+00:00', ip: '81.2.69.142', user_agent: BROWSER_UA }),
    line({ n: 'Signup', u: `https://${domain}/pricing`, timestamp: at('09:06'), ip: '81.2.69.142', user_agent: BROWSER_UA, revenue: { currency: 'EUR', amount: 25 } }),
    // the same visitor two hours later: a second visit
    line({ name: 'pageview', url: `https://${domain}/`, timestamp: at('11:30'), ip: '81.2.69.142', user_agent: BROWSER_UA }),
    // another visitor, one page (a bounce), from a UTM campaign
    line({ name: 'pageview', url: `https://${domain}/blog?utm_source=newsletter&utm_medium=email`, timestamp: Date.parse(at('10:00')) / 1000, ip: '2.125.160.216', user_agent: IPHONE_UA }),
    line({ name: 'pageview', url: `https://${domain}/`, timestamp: at('10:01'), ip: '66.249.66.1', user_agent: BOT_UA }),
    '{not json',
    line({ name: 'pageview', url: `https://${domain}/`, ip: '81.2.69.142', user_agent: BROWSER_UA }),
    line({ name: 'pageview', url: `https://${domain}/`, timestamp: '2999-01-01T00:00:00Z', ip: '81.2.69.142', user_agent: BROWSER_UA }),
    line({ name: 'pageview', timestamp: at('10:02'), ip: '81.2.69.142', user_agent: BROWSER_UA }),
    '',
  ].join('\n');
}

async function v2(srv: TestServer, key: string, body: Record<string, unknown>): Promise<{ status: number; data: any }> {
  const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, data: await res.json() };
}

for (const [name, env] of backends) {
  describe(`import events (${name})`, { skip: env ? false : 'needs FOOTFALL_TEST_CLICKHOUSE_URL (CI sets it)' }, () => {
    let srv: TestServer;
    let key: string;
    const dir = tempDir('footfall-import-');
    before(async () => {
      srv = await startServer({ env: env ?? {} });
      for (const d of ['hist.example', 'api.example']) assert.equal((await admin(srv.dataDir, 'POST', '/admin/sites', { domain: d })).status, 201);
      key = (await admin(srv.dataDir, 'POST', '/admin/keys', { name: 'import test' })).data.key as string;
    });
    after(async () => {
      await srv?.stop();
    });

    test('the CLI loads a file through the pipeline: sessions stitched in time order, bots dropped, bad lines refused with their numbers', async () => {
      const file = path.join(dir, 'history.ndjson');
      fs.writeFileSync(file, history('hist.example'));
      const r = await cli(srv.dataDir, ['import', 'events', file, '--site', 'hist.example']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^import \d+: 6 events and 3 sessions from 11 lines, 2025-03-10 to 2025-03-10, in [\d.]+ s; dropped: 1 bot\n$/);
      assert.match(r.stderr, /4 line\(s\) refused:/);
      assert.match(r.stderr, /line 8: not valid JSON/);
      assert.match(r.stderr, /line 9: timestamp is required/);
      assert.match(r.stderr, /line 10: timestamp 2999-01-01T00:00:00Z is in the future/);
      assert.match(r.stderr, /line 11: url: /);

      const q = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate'] });
      assert.equal(q.status, 200, JSON.stringify(q.data));
      // 2 visitors; visits: 09:00–09:06 and 11:30 (first visitor), 10:00 (second); two of three visits bounce
      assert.deepEqual(q.data.results[0].metrics, [2, 3, 5, 6, 67]);
      const sources = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['visitors'], dimensions: ['visit:source'] });
      assert.deepEqual(sources.data.results.map((x: { dimensions: string[] }) => x.dimensions[0]).sort(), ['Direct / None', 'Google', 'newsletter']);
      const devices = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['visitors'], dimensions: ['visit:device'], order_by: [['visit:device', 'asc']] });
      assert.deepEqual(devices.data.results, [{ dimensions: ['Desktop'], metrics: [1] }, { dimensions: ['Mobile'], metrics: [1] }]);
      // the events are at their own time, entry page in time order, and the revenue kept
      const rows = await exportRows(srv.url, key, 'events', 'hist.example', `${DAY},${DAY}`);
      const times = rows.map((e) => String(e.timestamp)).sort();
      assert.deepEqual(times, ['2025-03-10 09:00:00', '2025-03-10 09:02:00', '2025-03-10 09:05:00', '2025-03-10 09:06:00', '2025-03-10 10:00:00', '2025-03-10 11:30:00']);
      const signup = rows.find((e) => e.name === 'Signup')!;
      assert.equal(signup.revenue_source_currency, 'EUR');
      for (const e of rows) assert.ok(!JSON.stringify(e).includes('81.2.69.142'), 'no raw IP stored');
      const entry = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['visits'], dimensions: ['visit:entry_page'], order_by: [['visit:entry_page', 'asc']] });
      assert.deepEqual(entry.data.results, [{ dimensions: ['/'], metrics: [2] }, { dimensions: ['/blog'], metrics: [1] }]);
    });

    test('the same file again stores nothing; the import is listed and can be removed', async () => {
      const file = path.join(dir, 'history.ndjson');
      const again = await cli(srv.dataDir, ['import', 'events', file, '--site', 'hist.example']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /was imported already \(import \d+, 2025-03-10 to 2025-03-10\): nothing stored/);
      const q = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['pageviews'] });
      assert.deepEqual(q.data.results[0].metrics, [5]);

      const list = JSON.parse((await cli(srv.dataDir, ['imports', 'list', '--site', 'hist.example', '--json'])).stdout) as Array<{ id: number; source: string; label: string; status: string; rows: Record<string, number>; startDate: string }>;
      assert.equal(list.length, 1);
      assert.deepEqual({ ...list[0], id: 0 }, { ...list[0], id: 0, source: 'events', label: 'history.ndjson', status: 'completed', rows: { events: 6, sessions: 3 }, startDate: DAY });
      const rm = await cli(srv.dataDir, ['imports', 'remove', String(list[0]!.id), '--site', 'hist.example']);
      assert.equal(rm.code, 0, rm.stderr);
      assert.match(rm.stdout, /removed import \d+ \(history\.ndjson\) from hist\.example/);
      const gone = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['visitors', 'pageviews'] });
      assert.deepEqual(gone.data.results[0].metrics, [0, 0]);
      assert.equal(JSON.parse((await cli(srv.dataDir, ['imports', 'list', '--json'])).stdout).length, 0);
      // removed: the same file may be loaded again
      const reload = await cli(srv.dataDir, ['import', 'events', file, '--site', 'hist.example']);
      assert.match(reload.stdout, /6 events and 3 sessions/);
      const back = await v2(srv, key, { site_id: 'hist.example', date_range: [DAY, DAY], metrics: ['pageviews'] });
      assert.deepEqual(back.data.results[0].metrics, [5]);
    });

    test('refusals: unknown site, missing file, and the import salts never reach the data directory', async () => {
      const noSite = await cli(srv.dataDir, ['import', 'events', path.join(dir, 'history.ndjson'), '--site', 'nope.example']);
      assert.equal(noSite.code, 1);
      assert.match(noSite.stderr, /no site nope\.example/);
      const noFile = await cli(srv.dataDir, ['import', 'events', path.join(dir, 'missing.ndjson'), '--site', 'hist.example']);
      assert.equal(noFile.code, 1);
      assert.match(noFile.stderr, /no such file/);
      const usage = await cli(srv.dataDir, ['import', 'events', '--site', 'hist.example']);
      assert.equal(usage.code, 2);
      // the live salts file holds today's (and yesterday's) salt only, never one of the imported day
      for (const f of fs.readdirSync(srv.dataDir)) {
        if (!fs.statSync(path.join(srv.dataDir, f)).isFile()) continue;
        assert.ok(!fs.readFileSync(path.join(srv.dataDir, f), 'latin1').includes(DAY), `${f} mentions the imported day`);
      }
    });

    test('over HTTP with an API key: NDJSON body, the same answer as the CLI, auth as the other APIs', async () => {
      const body = history('api.example');
      const post = (headers: Record<string, string>, q = 'site_id=api.example', b: string = body) => fetch(`${srv.url}/api/v1/import/events?${q}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers }, body: b });
      const ok = await post({ authorization: `Bearer ${key}` });
      assert.equal(ok.status, 200);
      const r = (await ok.json()) as { events: number; sessions: number; errorCount: number; errors: Array<{ line: number }>; alreadyImported: boolean; dropped: Record<string, number> };
      assert.deepEqual([r.events, r.sessions, r.errorCount, r.alreadyImported, r.dropped], [6, 3, 4, false, { bot: 1 }]);
      assert.deepEqual(r.errors.map((e) => e.line), [8, 9, 10, 11]);
      const again = await post({ authorization: `Bearer ${key}` });
      assert.equal(((await again.json()) as { alreadyImported: boolean }).alreadyImported, true);
      const q = await v2(srv, key, { site_id: 'api.example', date_range: [DAY, DAY], metrics: ['visitors', 'visits'] });
      assert.deepEqual(q.data.results[0].metrics, [2, 3]);

      assert.equal((await post({})).status, 401);
      assert.equal((await post({ authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await post({ authorization: `Bearer ${key}` }, 'site_id=unknown.example')).status, 401);
      const noSite = await post({ authorization: `Bearer ${key}` }, '');
      assert.equal(noSite.status, 400);
      assert.match(((await noSite.json()) as { error: string }).error, /site_id/);
      const empty = await post({ authorization: `Bearer ${key}` }, 'site_id=api.example', '');
      assert.equal(empty.status, 400);
      const get = await fetch(`${srv.url}/api/v1/import/events?site_id=api.example`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(get.status, 405);
    });
  });
}
