import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { BROWSER_UA } from '../helpers/server.js';
import { admin, cli, postEvent, startServer, tempDir, type TestServer } from '../helpers/server.js';

/**
 * `footfall import plausible`: Plausible's CSV export into the imported tables, and the Stats API's
 * `include.imports` / `with_imported` with Plausible's rules, on the embedded store and a ClickHouse server.
 */
const backends: Array<[string, Record<string, string> | null]> = [
  ['embedded store', {}],
  ['ClickHouse server', process.env.FOOTFALL_TEST_CLICKHOUSE_URL ? { FOOTFALL_CLICKHOUSE_URL: process.env.FOOTFALL_TEST_CLICKHOUSE_URL, FOOTFALL_CLICKHOUSE_DATABASE: `importcsv_${process.pid}` } : null],
];

const SUFFIX = '20240101_20240131';
/** An export of January 2024, as Plausible writes it (CSVWithNames: quoted strings and dates, bare numbers). */
function exportFiles(): Record<string, string> {
  const days = Array.from({ length: 31 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`);
  const csv = (header: string[], rows: Array<Array<string | number>>) => [header.map((h) => `"${h}"`).join(','), ...rows.map((r) => r.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`)).join(','))].join('\n') + '\n';
  return {
    // every day: 10 visitors, 12 visits, 30 pageviews, 6 bounces, 1200 s in all
    [`imported_visitors_${SUFFIX}.csv`]: csv(['date', 'visitors', 'pageviews', 'bounces', 'visits', 'visit_duration'], days.map((d) => [d, 10, 30, 6, 12, 1200])),
    [`imported_sources_${SUFFIX}.csv`]: csv(
      ['date', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'pageviews', 'visitors', 'visits', 'visit_duration', 'bounces'],
      days.flatMap((d) => [[d, 'Google', 'https://www.google.com/', '', '', '', '', '', 20, 7, 8, 800, 4], [d, '', '', '', '', '', '', '', 10, 3, 4, 400, 2]]),
    ),
    // an older export's columns: no scroll depth or time on page (imported as 0)
    [`imported_pages_${SUFFIX}.csv`]: csv(['date', 'hostname', 'page', 'visits', 'visitors', 'pageviews'], days.flatMap((d) => [[d, 'csv.example', '/', 10, 9, 20], [d, 'csv.example', '/pricing', 3, 3, 10]])),
    [`imported_entry_pages_${SUFFIX}.csv`]: csv(['date', 'entry_page', 'visitors', 'entrances', 'visit_duration', 'bounces', 'pageviews'], days.flatMap((d) => [[d, '/', 9, 10, 1000, 5, 25], [d, '/pricing', 2, 2, 200, 1, 5]])),
    [`imported_exit_pages_${SUFFIX}.csv`]: csv(['date', 'exit_page', 'visitors', 'visit_duration', 'exits', 'bounces', 'pageviews'], days.map((d) => [d, '/pricing', 10, 1200, 12, 6, 30])),
    [`imported_custom_events_${SUFFIX}.csv`]: csv(['date', 'name', 'link_url', 'path', 'visitors', 'events'], days.map((d) => [d, 'Signup', '', '', 2, 3])),
    [`imported_locations_${SUFFIX}.csv`]: csv(['date', 'country', 'region', 'city', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], days.flatMap((d) => [[d, 'EE', 'EE-37', 588409, 6, 7, 700, 3, 18], [d, 'DE', '', 0, 4, 5, 500, 3, 12]])),
    [`imported_devices_${SUFFIX}.csv`]: csv(['date', 'device', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], days.map((d) => [d, 'Desktop', 10, 12, 1200, 6, 30])),
    [`imported_browsers_${SUFFIX}.csv`]: csv(['date', 'browser', 'browser_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], days.map((d) => [d, 'Firefox', '121.0', 10, 12, 1200, 6, 30])),
    [`imported_operating_systems_${SUFFIX}.csv`]: csv(['date', 'operating_system', 'operating_system_version', 'visitors', 'visits', 'visit_duration', 'bounces', 'pageviews'], days.map((d) => [d, 'GNU/Linux', '', 10, 12, 1200, 6, 30])),
  };
}

for (const [name, env] of backends) {
  describe(`import plausible (${name})`, { skip: env ? false : 'needs FOOTFALL_TEST_CLICKHOUSE_URL (CI sets it)' }, () => {
    let srv: TestServer;
    let key: string;
    const dir = tempDir('footfall-csv-');
    const v2 = async (body: Record<string, unknown>) => {
      const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, data: (await res.json()) as any };
    };
    const JAN: [string, string] = ['2024-01-01', '2024-01-31'];
    before(async () => {
      srv = await startServer({ env: env ?? {} });
      for (const d of ['csv.example', 'zip.example', 'bad.example', 'none.example', 'src.example', 'copy.example']) assert.equal((await admin(srv.dataDir, 'POST', '/admin/sites', { domain: d })).status, 201);
      key = (await admin(srv.dataDir, 'POST', '/admin/keys', { name: 'csv test' })).data.key as string;
      const folder = path.join(dir, 'export');
      fs.mkdirSync(folder);
      for (const [f, text] of Object.entries(exportFiles())) fs.writeFileSync(path.join(folder, f), text);
      fs.writeFileSync(path.join(folder, `imported_custom_props_${SUFFIX}.csv`), '"date","property","value","visitors","events"\n');
    });
    after(async () => {
      await srv?.stop();
    });

    test('a folder of the ten files: imported, listed with rows per table, unknown files named in a warning', async () => {
      const r = await cli(srv.dataDir, ['import', 'plausible', path.join(dir, 'export'), '--site', 'csv.example']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^import \d+: 2024-01-01 to 2024-01-31, imported_browsers 31, imported_custom_events 31, .*imported_visitors 31 rows/);
      assert.match(r.stderr, /warning: imported_custom_props_20240101_20240131\.csv: ignored/);
      assert.match(r.stderr, /warning: imported_pages_20240101_20240131\.csv: no columns exits, total_scroll_depth|warning: imported_pages_20240101_20240131\.csv: no columns total_scroll_depth/);
      const list = JSON.parse((await cli(srv.dataDir, ['imports', 'list', '--site', 'csv.example', '--json'])).stdout) as Array<{ source: string; status: string; startDate: string; endDate: string; rows: Record<string, number> }>;
      assert.equal(list.length, 1);
      assert.deepEqual([list[0]!.source, list[0]!.status, list[0]!.startDate, list[0]!.endDate, list[0]!.rows.imported_sources], ['plausible_csv', 'completed', '2024-01-01', '2024-01-31', 62]);
    });

    test('the Stats API adds imported data only when asked, with Plausible arithmetic', async () => {
      const without = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors', 'pageviews'] });
      assert.deepEqual(without.data.results[0].metrics, [0, 0]);
      assert.equal(without.data.meta.imports_included, undefined);
      const agg = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'views_per_visit'], include: { imports: true } });
      assert.equal(agg.status, 200, JSON.stringify(agg.data));
      // 31 days × (10 visitors, 12 visits, 30 pageviews, 6 bounces, 1200 s): visitors are a sum of daily uniques
      assert.deepEqual(agg.data.results[0].metrics, [310, 372, 930, 50, 100, 2.5]);
      assert.deepEqual(agg.data.meta, { imports_included: true });
      const days = await v2({ site_id: 'csv.example', date_range: ['2024-01-30', '2024-02-02'], metrics: ['visitors'], dimensions: ['time:day'], include: { imports: true } });
      assert.deepEqual(days.data.results, [{ dimensions: ['2024-01-30'], metrics: [10] }, { dimensions: ['2024-01-31'], metrics: [10] }]);
      const sources = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors', 'bounce_rate', 'percentage'], dimensions: ['visit:source'], include: { imports: true } });
      assert.deepEqual(sources.data.results, [{ dimensions: ['Google'], metrics: [217, 50, 70] }, { dimensions: ['Direct / None'], metrics: [93, 50, 30] }]);
      // Plausible's export has no channel: derived from the source at import
      const channels = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], dimensions: ['visit:channel'], include: { imports: true } });
      assert.deepEqual(channels.data.results, [{ dimensions: ['Organic Search'], metrics: [217] }, { dimensions: ['Direct'], metrics: [93] }]);
      const pages = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors', 'pageviews', 'bounce_rate'], dimensions: ['event:page'], include: { imports: true } });
      // a page's bounce rate is that of the visits entering there (imported_entry_pages)
      assert.deepEqual(pages.data.results, [{ dimensions: ['/'], metrics: [279, 620, 50] }, { dimensions: ['/pricing'], metrics: [93, 310, 50] }]);
      // the dashboard's Top pages: pageviews only (every imported page row is of pageviews)
      const top = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], dimensions: ['event:page'], filters: [['is', 'event:name', ['pageview']]], include: { imports: true } });
      assert.deepEqual([top.data.meta.imports_included, top.data.results], [true, [{ dimensions: ['/'], metrics: [279] }, { dimensions: ['/pricing'], metrics: [93] }]]);
      const countries = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], dimensions: ['visit:country_name'], include: { imports: true } });
      assert.deepEqual(countries.data.results, [{ dimensions: ['Estonia'], metrics: [186] }, { dimensions: ['Germany'], metrics: [124] }]);
      const goalless = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors', 'events'], dimensions: ['event:name'], include: { imports: true } });
      assert.deepEqual(goalless.data.results, [{ dimensions: ['Signup'], metrics: [62, 93] }]);
      const filtered = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], filters: [['is', 'visit:source', ['Google']]], include: { imports: true } });
      assert.deepEqual(filtered.data.results[0].metrics, [217]);
    });

    test('skip reasons and warnings, as Plausible answers them', async () => {
      const none = await v2({ site_id: 'none.example', date_range: JAN, metrics: ['visitors'], include: { imports: true } });
      assert.deepEqual(none.data.meta, { imports_included: false, imports_skip_reason: 'no_imported_data' });
      const out = await v2({ site_id: 'csv.example', date_range: ['2023-01-01', '2023-01-31'], metrics: ['visitors'], include: { imports: true } });
      assert.deepEqual(out.data.meta, { imports_included: false, imports_skip_reason: 'out_of_range' });
      const hourly = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], dimensions: ['time:hour'], include: { imports: true } });
      assert.equal(hourly.data.meta.imports_skip_reason, 'unsupported_interval');
      assert.match(hourly.data.meta.imports_warning, /interval\) is too short/);
      const two = await v2({ site_id: 'csv.example', date_range: JAN, metrics: ['visitors'], dimensions: ['visit:source'], filters: [['is', 'event:page', ['/']]], include: { imports: true } });
      assert.equal(two.data.meta.imports_skip_reason, 'unsupported_query');
      assert.match(two.data.meta.imports_warning, /query parameters are not supported/);
      assert.deepEqual(two.data.results, []);
      // v1: with_imported=true, and the warning at the top
      const v1 = await fetch(`${srv.url}/api/v1/stats/aggregate?site_id=csv.example&period=custom&date=2024-01-01,2024-01-31&metrics=visitors,pageviews&with_imported=true`, { headers: { authorization: `Bearer ${key}` } });
      assert.deepEqual(await v1.json(), { results: { visitors: { value: 310 }, pageviews: { value: 930 } } });
      const v1w = await fetch(`${srv.url}/api/v1/stats/breakdown?site_id=csv.example&period=custom&date=2024-01-01,2024-01-31&property=visit:source&filters=event:page%3D%3D/&with_imported=true`, { headers: { authorization: `Bearer ${key}` } });
      assert.match(((await v1w.json()) as { warning: string }).warning, /query parameters are not supported/);
    });

    test('a zip whose range runs past the first native day is clamped to end on it; the same range again is refused', async () => {
      // native data today: the import must end on today's date (its range would run into it)
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://zip.example/', d: 'zip.example' })).status, 202);
      const start = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
      const end = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
      const suffix = `${start.replace(/-/g, '')}_${end.replace(/-/g, '')}`;
      const dates: string[] = [];
      for (let t = Date.parse(start); t <= Date.parse(end); t += 86_400_000) dates.push(new Date(t).toISOString().slice(0, 10));
      const zip = path.join(dir, 'zip_example_export.zip');
      fs.writeFileSync(zip, zipSync({ [`imported_visitors_${suffix}.csv`]: strToU8(['date,visitors,pageviews,bounces,visits,visit_duration', ...dates.map((d) => `${d},5,10,2,5,100`)].join('\n')) }, { level: 0 }));
      const r = await cli(srv.dataDir, ['import', 'plausible', zip, '--site', 'zip.example']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`dates adjusted: the files cover ${start} to ${end}; imported ${start} to ${today} \\(native data starts on ${today}\\)`));
      const q = await v2({ site_id: 'zip.example', date_range: [start, end], metrics: ['visitors', 'pageviews'], include: { imports: true } });
      // 11 imported days (the first native day included, as Plausible) + the native visitor
      assert.deepEqual(q.data.results[0].metrics, [11 * 5 + 1, 11 * 10 + 1]);
      const again = await cli(srv.dataDir, ['import', 'plausible', zip, '--site', 'zip.example']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /nothing to import: .*less than two days remain/);
    });

    test('a bad cell fails the whole import with the file, line and column; nothing of it stays', async () => {
      const folder = path.join(dir, 'bad');
      fs.mkdirSync(folder);
      const files = exportFiles();
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, f), text);
      const pages = files[`imported_pages_${SUFFIX}.csv`]!.split('\n');
      pages[5] = '"2024-01-03","bad.example","/x",1,"many",2';
      fs.writeFileSync(path.join(folder, `imported_pages_${SUFFIX}.csv`), pages.join('\n'));
      const r = await cli(srv.dataDir, ['import', 'plausible', folder, '--site', 'bad.example']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /imported_pages_20240101_20240131\.csv: line 6, column visitors: expected a whole number ≥ 0, got "many"/);
      const q = await v2({ site_id: 'bad.example', date_range: JAN, metrics: ['visitors'], include: { imports: true } });
      assert.deepEqual([q.data.results[0].metrics[0], q.data.meta.imports_skip_reason], [0, 'no_imported_data']);
      const list = JSON.parse((await cli(srv.dataDir, ['imports', 'list', '--site', 'bad.example', '--json'])).stdout) as Array<{ status: string; error: string }>;
      assert.deepEqual(list.map((i) => i.status), ['failed']);
      assert.match(list[0]!.error, /line 6, column visitors/);
      const junk = path.join(dir, 'junk.zip');
      fs.writeFileSync(junk, 'not a zip at all');
      const z = await cli(srv.dataDir, ['import', 'plausible', junk, '--site', 'bad.example']);
      assert.equal(z.code, 1);
      assert.match(z.stderr, /junk\.zip is not a readable zip archive|junk\.zip holds no files/);
    });

    test("export in Plausible's format, import into another site: the same daily numbers", async () => {
      // history of three days, loaded raw into src.example
      const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
      const lines: string[] = [];
      const days = ['2024-05-01', '2024-05-02', '2024-05-03'];
      days.forEach((day, d) => {
        for (let v = 0; v < 6 + d; v++) {
          const ip = `81.2.${d}.${v + 1}`;
          const ua = v % 2 ? IPHONE : BROWSER_UA;
          const pages = 1 + (v % 3);
          for (let p = 0; p < pages; p++) {
            lines.push(JSON.stringify({ name: 'pageview', url: `https://src.example/${p === 0 ? '' : `p${p}`}${v % 4 === 0 && p === 0 ? '?utm_source=news' : ''}`, referrer: p === 0 && v % 3 === 1 ? 'https://www.google.com/' : '', timestamp: `${day}T${String(8 + v).padStart(2, '0')}:${String(p * 3).padStart(2, '0')}:00Z`, ip, user_agent: ua }));
          }
          if (v % 3 === 2) lines.push(JSON.stringify({ name: 'Signup', url: 'https://src.example/p1', timestamp: `${day}T${String(8 + v).padStart(2, '0')}:10:00Z`, ip, user_agent: ua }));
        }
      });
      lines.sort((a, b) => (JSON.parse(a).timestamp < JSON.parse(b).timestamp ? -1 : 1));
      const raw = path.join(dir, 'src.ndjson');
      fs.writeFileSync(raw, lines.join('\n'));
      assert.equal((await cli(srv.dataDir, ['import', 'events', raw, '--site', 'src.example'])).code, 0);
      const zip = path.join(dir, 'src_example.zip');
      const ex = await cli(srv.dataDir, ['export', 'plausible', zip, '--site', 'src.example']);
      assert.equal(ex.code, 0, ex.stderr);
      const entries = unzipSync(fs.readFileSync(zip));
      assert.deepEqual(Object.keys(entries).sort(), ['browsers', 'custom_events', 'devices', 'entry_pages', 'exit_pages', 'locations', 'operating_systems', 'pages', 'sources', 'visitors'].map((t) => `imported_${t}_20240501_20240503.csv`));
      assert.match(strFromU8(entries['imported_visitors_20240501_20240503.csv']!), /^"date","visitors","pageviews","bounces","visits","visit_duration"\n"2024-05-01",6,/);
      const im = await cli(srv.dataDir, ['import', 'plausible', zip, '--site', 'copy.example']);
      assert.equal(im.code, 0, im.stderr);
      const range = ['2024-05-01', '2024-05-03'];
      const daily = async (site: string, imports: boolean) =>
        (await v2({ site_id: site, date_range: range, metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'], dimensions: ['time:day'], include: { imports } })).data.results;
      const original = await daily('src.example', false);
      assert.equal(original.length, 3);
      assert.deepEqual(await daily('copy.example', true), original);
      // (not event:name: imported custom events hold no pageviews, as Plausible's)
      for (const dim of ['visit:source', 'event:page', 'visit:device', 'visit:browser', 'visit:entry_page']) {
        const body = { date_range: range, metrics: ['visitors', 'pageviews'], dimensions: [dim] };
        const a = (await v2({ ...body, site_id: 'src.example' })).data.results;
        const b = (await v2({ ...body, site_id: 'copy.example', include: { imports: true } })).data.results;
        // visitors of a breakdown over several days are a sum of daily uniques in imported data (Plausible's too)
        assert.deepEqual(b.map((r: { dimensions: string[]; metrics: number[] }) => [r.dimensions, r.metrics[1]]), a.map((r: { dimensions: string[]; metrics: number[] }) => [r.dimensions, r.metrics[1]]), dim);
      }
      const nothing = await cli(srv.dataDir, ['export', 'plausible', path.join(dir, 'none.zip'), '--site', 'none.example']);
      assert.equal(nothing.code, 1);
      assert.match(nothing.stderr, /none\.example has no events to export/);
      assert.ok(!fs.existsSync(path.join(dir, 'none.zip')) && !fs.existsSync(path.join(dir, 'none.zip.part')));
    });
  });
}
