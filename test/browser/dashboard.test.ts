/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core): log in, read every top stat and
 * the first rows of every panel and compare them with what the Stats API answers for the same query; filter by a
 * source, change the period and the comparison, export CSV, open a shared link without an account, and refuse a
 * wrong one; no console errors. Screenshots (desktop, phone, dark) go to test-output/.
 *
 * Chromium comes from scripts/install-chromium.sh (CI runs it). Without it the file is skipped, unless
 * FOOTFALL_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { unzipSync, strFromU8, strToU8, zipSync } from 'fflate';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cli, newKey, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { totpCode } from '../../src/core/two-factor.js';
import { SEED_DOMAIN, SEED_USER, seedDashboard } from '../helpers/seed.js';

const CHROMIUM = process.env.FOOTFALL_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
if (!haveBrowser && process.env.FOOTFALL_REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}: run scripts/install-chromium.sh`);
const skip = haveBrowser ? false : `no Chromium at ${CHROMIUM} (scripts/install-chromium.sh installs it)`;
const OUT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test-output');

let srv: TestServer;
let key: string;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.parse(today) - n * 86_400_000).toISOString().slice(0, 10);

function watch(p: Page, into: string[]): void {
  p.on('console', (m) => {
    if (m.type() === 'error') into.push(m.text());
  });
  p.on('pageerror', (e) => into.push(`pageerror: ${e.message}`));
}

async function statsApi(body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ site_id: SEED_DOMAIN, ...body }) });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

/** Waits until nothing on the page is loading and the top stats have numbers. */
async function settled(p: Page): Promise<void> {
  // a function, not a string: the page's CSP (rightly) forbids eval
  await p.waitForFunction(
    () => {
      const d = (globalThis as any).document;
      // an automatic retry in progress (a busy server's 429 answered with Retry-After) is not settled yet
      return d.querySelectorAll('[data-metric]').length > 0 && d.querySelectorAll('[data-metric][data-value=""]').length === 0 && d.querySelectorAll('[aria-busy="true"], [data-retrying]').length === 0;
    },
    undefined,
    { timeout: 45_000 },
  );
}

async function topStats(p: Page): Promise<Record<string, { value: string; text: string }>> {
  const out: Record<string, { value: string; text: string }> = {};
  for (const el of await p.locator('[data-metric]').all()) {
    out[(await el.getAttribute('data-metric'))!] = { value: (await el.getAttribute('data-value'))!, text: (await el.textContent())!.trim() };
  }
  return out;
}

const shown = (metric: string, v: number): string =>
  metric === 'bounce_rate' ? `${v}%` : metric === 'views_per_visit' ? v.toFixed(2) : metric === 'visit_duration' ? (v >= 60 ? `${Math.floor(v / 60)}m ${v % 60}s` : `${v}s`) : v.toLocaleString('en-US');

async function assertTopStats(p: Page, range: [string, string], filters: unknown[] = []): Promise<Record<string, number>> {
  const stats = await topStats(p);
  const metrics = Object.keys(stats);
  const api = await statsApi({ metrics, date_range: range, filters });
  const values = api.results[0].metrics as number[];
  const byMetric: Record<string, number> = {};
  metrics.forEach((m, i) => {
    byMetric[m] = values[i]!;
    if (values[i] === null) {
      // a metric without data (time on page without engagement events): '-' on the page
      assert.equal(stats[m]!.value, 'null', `${m} over ${range}: page ${stats[m]!.value}, API null`);
      assert.ok(stats[m]!.text.includes('-'), `${m} shows "${stats[m]!.text}"`);
      return;
    }
    const v = typeof values[i] === 'object' ? (values[i] as unknown as { value: number }).value : values[i];
    assert.equal(Number(stats[m]!.value), v, `${m} over ${range}: page ${stats[m]!.value}, API ${JSON.stringify(values[i])}`);
    if (typeof values[i] === 'number') assert.ok(stats[m]!.text.includes(shown(m, values[i]!)), `${m} shows "${stats[m]!.text}", expected ${shown(m, values[i]!)}`);
  });
  return byMetric;
}

/** Panel, its tab's dimension, the tab to click (null: the default one), the tab's own filters. */
const PANELS: Array<[string, string, string | null, unknown[]]> = [
  ['sources', 'visit:channel', 'channels', []],
  ['pages', 'event:page', null, [['is', 'event:name', ['pageview']]]],
  ['locations', 'visit:country_name', 'countries', []],
  ['devices', 'visit:browser', null, []],
  ['goals', 'event:goal', null, []],
  ['props', 'event:props:plan', null, []],
];

async function panelRows(p: Page, panel: string): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  for (const li of await p.locator(`[data-panel="${panel}"] li[data-row]`).all()) rows.push([(await li.getAttribute('data-row'))!, (await li.locator('.num').textContent())!.trim()]);
  return rows;
}

async function assertPanels(p: Page, range: [string, string], filters: unknown[] = []): Promise<void> {
  for (const [panel, dim, tab, own] of PANELS) {
    if (tab) {
      await p.click(`[data-panel="${panel}"] [data-tab="${tab}"]`);
      await settled(p);
    }
    const api = await statsApi({ metrics: ['visitors'], date_range: range, dimensions: [dim], filters: [...filters, ...own], order_by: [['visitors', 'desc'], [dim, 'asc']], pagination: { limit: 9, offset: 0 } });
    const expected = (api.results as Array<{ metrics: number[]; dimensions: string[] }>).map((r) => [r.dimensions[0], r.metrics[0]!.toLocaleString('en-US')]);
    assert.deepEqual(await panelRows(p, panel), expected, `panel ${panel} (${dim}) over ${range} with ${JSON.stringify(filters)}`);
  }
}

before(async () => {
  if (skip) return;
  fs.mkdirSync(OUT, { recursive: true });
  const dir = tempDir();
  await seedDashboard(dir);
  srv = await startServer({ dataDir: dir });
  key = await newKey(dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  watch(page, consoleErrors);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('a wrong password is refused on the login page', { skip }, async () => {
  const p = await ctx.newPage(); // its expected 401 is not counted as a console error of the main page
  await p.goto(`${srv.url}/login`);
  await p.fill('input[name=email]', SEED_USER.email);
  await p.fill('input[name=password]', 'not the password');
  await p.click('button[type=submit]');
  await p.getByText('Wrong email or password').waitFor();
  assert.match(p.url(), /\/login$/);
  await p.close();
});

test('log in, then every top stat and the first rows of every panel equal the Stats API', { skip }, async () => {
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name=email]', SEED_USER.email);
  await page.fill('input[name=password]', SEED_USER.password);
  await page.click('button[type=submit]');
  await page.waitForURL(new RegExp(`/${SEED_DOMAIN.replace('.', '\\.')}$`));
  await settled(page);
  const range: [string, string] = [daysAgo(29), today];
  const top = await assertTopStats(page, range);
  assert.ok(top.visitors! > 100, 'the seeded data is in the default range (last 30 days)');
  assert.deepEqual(Object.keys(top), ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration']);
  await page.screenshot({ path: path.join(OUT, 'dashboard-desktop.png'), fullPage: true });
  assert.ok((await page.locator('.map path[data-row]').count()) >= 3, 'the map colours the visitors’ countries');
  await assertPanels(page, range);
});

test('clicking a source filters every panel and the top stats', { skip }, async () => {
  await page.click('[data-panel="sources"] [data-tab="sources"]');
  await settled(page);
  const first = page.locator('[data-panel="sources"] li[data-row]').first();
  const source = (await first.getAttribute('data-row'))!;
  await first.locator('button').click();
  await page.waitForURL(/filters=/);
  await settled(page);
  const filters = [['is', 'visit:source', [source]]];
  assert.deepEqual(JSON.parse(new URL(page.url()).searchParams.get('filters')!), filters);
  await page.locator('.chip', { hasText: source }).waitFor();
  const range: [string, string] = [daysAgo(29), today];
  await assertTopStats(page, range, filters);
  await assertPanels(page, range, filters);
  await page.click(`[aria-label="Remove filter Source"]`);
  await settled(page);
  assert.equal(new URL(page.url()).searchParams.get('filters'), null);
});

test('saved segments: the filters saved under a name, applied from the menu, answered as their filters', { skip }, async () => {
  await page.goto(`${srv.url}/${SEED_DOMAIN}?filters=${encodeURIComponent(JSON.stringify([['is', 'visit:browser', ['Firefox']]]))}`);
  await settled(page);
  await page.click('[data-segments-button]');
  const form = page.locator('[data-form="segment-save"]');
  await form.locator('input[name=name]').fill('Firefox people');
  await form.locator('select[name=type]').selectOption('site');
  await form.locator('button[type=submit]').click();
  await page.waitForURL(/segment/);
  await settled(page);
  const filters = JSON.parse(new URL(page.url()).searchParams.get('filters')!);
  assert.equal(filters.length, 1);
  assert.equal(filters[0][1], 'segment');
  await page.locator('.chip', { hasText: 'Segment Firefox people' }).waitFor();
  const range: [string, string] = [daysAgo(29), today];
  await assertTopStats(page, range, [['is', 'visit:browser', ['Firefox']]]);
  await page.screenshot({ path: path.join(OUT, 'dashboard-segment.png') });
  // applied from the menu on a clean view, with a page filter beside it
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(page);
  await page.click('[data-segments-button]');
  await page.locator('[data-segment="Firefox people"] button.link').click();
  await page.waitForURL(/segment/);
  await settled(page);
  await assertTopStats(page, range, [['is', 'visit:browser', ['Firefox']]]);
  await page.locator('[data-panel="pages"] li[data-row] button.row').first().click();
  await page.waitForURL(/event%3Apage|event:page/);
  await settled(page);
  const page0 = JSON.parse(new URL(page.url()).searchParams.get('filters')!).find((f: any) => f[1] === 'event:page');
  await assertTopStats(page, range, [['is', 'visit:browser', ['Firefox']], page0]);
  // removed from the menu: the view drops it
  page.once('dialog', (d) => void d.accept());
  await page.click('[data-segments-button]');
  await page.locator('[data-segment="Firefox people"] button', { hasText: 'Remove' }).click();
  await page.waitForURL((u) => !(u.searchParams.get('filters') ?? '').includes('segment'));
  await page.keyboard.press('Escape');
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(page);
});

test('filtering by a goal shows its conversions', { skip }, async () => {
  await page.locator('[data-panel="goals"] li[data-row="Signup"] button').click();
  await page.waitForURL(/filters=/);
  await settled(page);
  const top = await assertTopStats(page, [daysAgo(29), today], [['is', 'event:goal', ['Signup']]]);
  assert.deepEqual(Object.keys(top), ['visitors', 'events', 'conversion_rate']);
  assert.equal(await page.locator('.graph h2').textContent(), 'Unique conversions');
  await page.click('[aria-label="Remove filter Goal"]');
  await settled(page);
});

test('imported history: included by default with a switch, and a word where a view cannot include it', { skip }, async () => {
  // a month of Plausible's export, long before the seeded native data
  const dir = tempDir('footfall-dash-import-');
  const days = Array.from({ length: 31 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`);
  fs.writeFileSync(path.join(dir, 'imported_visitors_20240101_20240131.csv'), ['"date","visitors","pageviews","bounces","visits","visit_duration"', ...days.map((d) => `"${d}",10,30,6,12,1200`)].join('\n'));
  fs.writeFileSync(path.join(dir, 'imported_sources_20240101_20240131.csv'), ['"date","source","visitors","visits","pageviews","bounces","visit_duration"', ...days.map((d) => `"${d}","Google",10,12,30,6,1200`)].join('\n'));
  const r = await cli(srv.dataDir, ['import', 'plausible', dir, '--site', SEED_DOMAIN]);
  assert.equal(r.code, 0, r.stderr);
  await page.goto(`${srv.url}/${SEED_DOMAIN}?period=custom&from=2024-01-01&to=2024-01-31`);
  await settled(page);
  assert.equal(await page.locator('[data-metric="visitors"]').getAttribute('data-value'), '310');
  assert.equal(await page.locator('.imports-line').getAttribute('data-imports'), 'included');
  // the export has no channel: derived from the source at import (Google → Organic Search)
  assert.equal(await page.locator('[data-panel="sources"] li[data-row="Organic Search"]').count(), 1);
  await page.screenshot({ path: path.join(OUT, 'dashboard-imported.png') });
  await page.locator('.imports-line input').uncheck();
  await page.waitForURL(/imports=false/);
  await settled(page);
  assert.equal(await page.locator('[data-metric="visitors"]').getAttribute('data-value'), '0');
  await page.locator('.imports-line input').check();
  await settled(page);
  assert.equal(await page.locator('[data-metric="visitors"]').getAttribute('data-value'), '310');
  await page.goto(`${srv.url}/${SEED_DOMAIN}?period=custom&from=2024-01-01&to=2024-01-31&interval=day&filters=${encodeURIComponent(JSON.stringify([['is', 'event:page', ['/']], ['is', 'visit:source', ['Google']]]))}`);
  await settled(page);
  assert.equal(await page.locator('.imports-line').getAttribute('data-imports'), 'unsupported_query');
  assert.match((await page.locator('.imports-line').textContent())!, /cannot include imported data/);
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(page);
});

test("settings › imports & exports: upload Plausible's zip, see it listed, download the export, delete the import", { skip }, async () => {
  const days = Array.from({ length: 10 }, (_, i) => `2023-06-${String(i + 1).padStart(2, '0')}`);
  const zip = zipSync({ 'imported_visitors_20230601_20230610.csv': strToU8(['"date","visitors","pageviews","bounces","visits","visit_duration"', ...days.map((d) => `"${d}",4,8,2,4,100`)].join('\n')) }, { level: 0 });
  const file = path.join(tempDir('footfall-upload-test-'), 'dash_example_20230611.zip');
  fs.writeFileSync(file, zip);
  await page.goto(`${srv.url}/${SEED_DOMAIN}/settings`);
  const section = page.locator('[data-section="imports"]');
  await section.locator('input[type=file]').setInputFiles(file);
  await section.locator('button[type=submit]').click();
  await section.locator('[data-import-message]').waitFor();
  assert.match((await section.locator('[data-import-message]').textContent())!, /Imported 2023-06-01 to 2023-06-10/);
  const row = section.locator('[data-imports-list] tr', { hasText: '2023-06-01 – 2023-06-10' });
  // the list is read again after the import: wait for its row
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.match((await row.textContent())!, /Plausible CSV.*10.*completed/);
  await page.screenshot({ path: path.join(OUT, 'settings-imports.png'), fullPage: true });
  const q = await statsApi({ metrics: ['visitors'], date_range: ['2023-06-01', '2023-06-10'], include: { imports: true } });
  assert.equal(q.results[0].metrics[0], 40);
  // the export: the site's own data as Plausible's zip, through the browser's download
  const [download] = await Promise.all([page.waitForEvent('download'), section.locator('[data-export-plausible]').click()]);
  assert.match(download.suggestedFilename(), /^dash_example_\d{8}\.zip$/);
  const names = Object.keys(unzipSync(fs.readFileSync((await download.path())!)));
  assert.equal(names.length, 10);
  assert.ok(names.every((n) => /^imported_[a-z_]+_\d{8}_\d{8}\.csv$/.test(n)), names.join(', '));
  page.once('dialog', (d) => void d.accept());
  await row.locator('button', { hasText: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  const after = await statsApi({ metrics: ['visitors'], date_range: ['2023-06-01', '2023-06-10'], include: { imports: true } });
  assert.equal(after.results[0].metrics[0], 0);
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(page);
});

/** Adds a filter through the filter menu (the dimension offered once the menu knows it) and waits for the numbers. */
async function addFilter(p: Page, dimension: string, value: string, operator?: string): Promise<void> {
  await p.click('text=+ Filter');
  await p.locator(`.modal option[value="${dimension}"]`).waitFor({ state: 'attached' });
  await p.selectOption('.modal select >> nth=0', dimension);
  if (operator) await p.selectOption('.modal select >> nth=1', operator);
  await p.fill('.modal input[list]', value);
  await p.click('.modal button[type=submit]');
  await p.waitForURL(/filters=/);
  await settled(p);
}

test('the filter menu adds any dimension with an operator', { skip }, async () => {
  await addFilter(page, 'visit:browser', 'Firefox', 'is_not');
  await assertTopStats(page, [daysAgo(29), today], [['is_not', 'visit:browser', ['Firefox']]]);
  await page.click('[aria-label="Remove filter Browser"]');
  await settled(page);
  // custom properties of the period are offered too
  await addFilter(page, 'event:props:plan', 'pro');
  await assertTopStats(page, [daysAgo(29), today], [['is', 'event:props:plan', ['pro']]]);
  await page.click('[aria-label="Remove filter Property plan"]');
  await settled(page);
});

test('the period (keyboard) and the comparison change the numbers correctly', { skip }, async () => {
  await page.locator('body').press('w');
  await page.waitForURL(/period=7d/);
  await settled(page);
  const cur = await assertTopStats(page, [daysAgo(6), today]);
  await page.selectOption('.compare select', 'previous_period');
  await page.waitForURL(/comparison=previous_period/);
  await settled(page);
  const prev = (await statsApi({ metrics: ['visitors', 'pageviews'], date_range: [daysAgo(13), daysAgo(7)] })).results[0].metrics as number[];
  const visitorsChange = Math.round(((cur.visitors! - prev[0]!) / prev[0]!) * 100);
  const text = (await page.locator('.stat', { has: page.locator('[data-metric="visitors"]') }).locator('.change').textContent())!;
  assert.equal(text.replace(/[↑↓]/, ''), `${Math.abs(visitorsChange)}%`, `change shown ${text}, expected ${visitorsChange}%`);
  // the tooltip at the cursor: the bucket's value and the comparison's
  const over = page.locator('.graph .u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.locator('.graph-tip');
  await tip.waitFor({ state: 'visible' });
  assert.match((await tip.textContent())!, /Unique visitors: \d/);
  assert.equal(await tip.locator('.muted').count(), 1, 'the comparison value in the tooltip');
  await page.screenshot({ path: path.join(OUT, 'dashboard-tooltip.png') });
  await page.mouse.move(0, 0);
  await page.locator('body').press('ArrowLeft'); // one period back: the 7 days before
  await page.waitForURL(new RegExp(`date=${daysAgo(7)}`));
  await settled(page);
  await assertTopStats(page, [daysAgo(13), daysAgo(7)]);
  await page.locator('body').press('d');
  await page.waitForURL(/period=day/);
  await settled(page);
  await assertTopStats(page, [today, today]);
  await page.selectOption('.period select', { label: 'Last 30 days (T)' });
  await page.waitForURL((u) => !u.searchParams.has('period'));
  await settled(page);
  // `c` opens the custom range, as the menu says
  await page.locator('body').press('c');
  const custom = page.locator('[data-range-dialog="Custom range"]');
  await custom.waitFor();
  await custom.locator('input[name=from]').fill(daysAgo(20));
  await custom.locator('input[name=to]').fill(daysAgo(10));
  await custom.locator('button[type=submit]').click();
  await page.waitForURL(/period=custom/);
  await settled(page);
  await assertTopStats(page, [daysAgo(20), daysAgo(10)]);
  // a custom comparison: the previous value is that of the chosen dates
  await page.selectOption('.compare select', 'custom');
  const cmp = page.locator('[data-range-dialog="Compare to"]');
  await cmp.waitFor();
  await cmp.locator('input[name=from]').fill(daysAgo(40));
  await cmp.locator('input[name=to]').fill(daysAgo(35));
  await cmp.locator('button[type=submit]').click();
  await page.waitForURL(/comparison=custom/);
  await settled(page);
  const before = (await statsApi({ metrics: ['visitors'], date_range: [daysAgo(40), daysAgo(35)] })).results[0].metrics[0] as number;
  await page.locator('[data-metric="visitors"] ~ .prev').waitFor();
  assert.equal(await page.locator('.stat', { has: page.locator('[data-metric="visitors"]') }).locator('.prev').getAttribute('data-prev'), String(before));
  await page.screenshot({ path: path.join(OUT, 'dashboard-custom-comparison.png') });
  await page.selectOption('.compare select', '');
  await page.selectOption('.period select', { label: 'Last 30 days (T)' });
  await page.waitForURL((u) => !u.searchParams.has('period') && !u.searchParams.has('comparison'));
  await settled(page);
});

test('a details table sorts by any column, both ways, as the Stats API orders it', { skip }, async () => {
  await page.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(page);
  await page.click('[data-panel="pages"] [data-tab="top"]');
  await page.click('[aria-label="Details of Top pages"]');
  const table = page.locator('table.details');
  await table.locator('tbody tr').first().waitFor();
  const rows = async () => {
    await page.waitForFunction(() => (globalThis as any).document.querySelector('table.details[aria-busy="false"], table.details:not([aria-busy])') !== null);
    return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr: any) => tr.getAttribute('data-row') as string));
  };
  const api = async (order_by: unknown) =>
    (await statsApi({ metrics: ['visitors'], date_range: [daysAgo(29), today], dimensions: ['event:page'], filters: [['is', 'event:name', ['pageview']]], order_by })).results.map((r: any) => r.dimensions[0]);
  await table.locator('[data-sort="event:page"]').click();
  assert.deepEqual(await rows(), [...(await api([['event:page', 'asc']]))], 'by page, ascending');
  await table.locator('[data-sort="event:page"]').click();
  assert.deepEqual(await rows(), [...(await api([['event:page', 'desc']]))], 'by page, descending');
  await table.locator('[data-sort="visitors"]').click();
  assert.equal(await table.locator('[data-sort="visitors"]').locator('..').getAttribute('aria-sort'), 'descending');
  await page.keyboard.press('Escape');
});

test('the view downloads as CSV files in a zip', { skip }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download CSV')]);
  const zip = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
  assert.deepEqual(Object.keys(zip).sort(), ['devices.csv', 'goals.csv', 'locations.csv', 'pages.csv', 'sources.csv', 'visitors.csv']);
  const sources = strFromU8(zip['sources.csv']!).trim().split('\r\n');
  assert.equal(sources[0], 'source,visitors,visits,bounce_rate,visit_duration');
  const api = await statsApi({ metrics: ['visitors'], date_range: [daysAgo(29), today], dimensions: ['visit:source'], pagination: { limit: 10000, offset: 0 } });
  assert.equal(sources.length - 1, api.results.length);
});

test('the sites page: the password form checks the current password', { skip }, async () => {
  const p = await ctx.newPage(); // logged in (the context's cookie); its expected 403 is not the main page's error
  await p.goto(`${srv.url}/`);
  await p.locator('[data-form=password]').waitFor();
  const inputs = p.locator('[data-form=password] input[type=password]');
  await inputs.nth(0).fill('not the password');
  await inputs.nth(1).fill('a brand new password');
  await inputs.nth(2).fill('a brand new password');
  await p.click('[data-form=password] button[type=submit]');
  await p.getByText('The current password is not right').waitFor();
  await p.screenshot({ path: path.join(OUT, 'sites.png'), fullPage: true });
  await p.close();
});

test('screenshots on a phone and in the dark theme', { skip }, async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await ctx.storageState() });
  const pp = await phone.newPage();
  const errs: string[] = [];
  watch(pp, errs);
  await pp.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(pp);
  const width = await pp.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
  assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
  // the header's controls in one row
  const tops = await pp.evaluate(() => [...(globalThis as any).document.querySelectorAll('.bar .controls > *')].map((e: any) => Math.round(e.getBoundingClientRect().top)) as number[]);
  assert.ok(Math.max(...tops) - Math.min(...tops) < 16, `controls on more than one row: tops ${tops}`);
  await pp.screenshot({ path: path.join(OUT, 'dashboard-phone.png'), fullPage: true });
  await phone.close();
  const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', storageState: await ctx.storageState() });
  const dp = await dark.newPage();
  watch(dp, errs);
  await dp.goto(`${srv.url}/${SEED_DOMAIN}?period=7d&comparison=previous_period`);
  await settled(dp);
  assert.equal(await dp.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string), 'rgb(17, 19, 24)');
  await dp.screenshot({ path: path.join(OUT, 'dashboard-dark.png'), fullPage: true });
  // the switch beside the system setting: system → light → dark → system, remembered across pages
  const bg = () => dp.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string);
  assert.equal(await dp.getAttribute('.theme', 'data-theme-choice'), 'system');
  await dp.click('.theme');
  assert.equal(await bg(), 'rgb(246, 247, 251)', 'light although the system is dark');
  await dp.reload();
  await settled(dp);
  assert.equal(await bg(), 'rgb(246, 247, 251)', 'the choice is remembered');
  await dp.click('.theme');
  assert.equal(await bg(), 'rgb(17, 19, 24)');
  await dp.click('.theme');
  assert.equal(await dp.getAttribute('.theme', 'data-theme-choice'), 'system');
  await dark.close();
  assert.deepEqual(errs, []);
});

test('a shared link opens the dashboard without a login; a wrong token is refused', { skip }, async () => {
  await page.goto(`${srv.url}/${SEED_DOMAIN}/settings`);
  await page.locator('section[aria-label="Shared links"] input[name=name]').fill('Team');
  await page.locator('section[aria-label="Shared links"] button[type=submit]').click();
  const link = await page.locator('section[aria-label="Shared links"] .secret[data-secret-of="link-add"] input').inputValue();
  assert.match(link, new RegExp(`^${srv.url}/share/${SEED_DOMAIN.replace('.', '\\.')}\\?auth=[A-Za-z0-9_-]{43}$`));
  await page.getByText('Team').first().waitFor();

  const anon = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const ap = await anon.newPage();
  const errs: string[] = [];
  watch(ap, errs);
  await ap.goto(link);
  await settled(ap);
  await assertTopStats(ap, [daysAgo(29), today]);
  assert.equal(await ap.locator('text=Settings').count(), 0, 'read-only: no settings');
  await ap.goto(`${srv.url}/share/${SEED_DOMAIN}?auth=wrong-token`);
  await ap.getByText('This link is not valid').waitFor();
  assert.equal(await ap.locator('[data-metric]').count(), 0);
  const direct = await ap.request.post(`${srv.url}/api/dashboard/query`, {
    headers: { 'x-footfall-share': 'wrong-token', origin: srv.url, 'content-type': 'application/json' },
    data: { site_id: SEED_DOMAIN, metrics: ['visitors'], date_range: 'day' },
  });
  assert.equal(direct.status(), 401);
  await ap.goto(`${srv.url}/${SEED_DOMAIN}`);
  await ap.waitForURL(/\/login/, { timeout: 10_000 });
  await anon.close();
  assert.deepEqual(errs, []);
});

/** Panel, tab (null: the default), as the walk clicks them. */
const WALK: Array<[string, string | null]> = [
  ['sources', 'channels'],
  ['sources', 'sources'],
  ['pages', 'top'],
  ['pages', 'entry'],
  ['pages', 'exit'],
  ['locations', 'countries'],
  ['locations', 'regions'],
  ['locations', 'cities'],
  ['devices', 'browsers'],
  ['devices', 'os'],
  ['devices', 'sizes'],
  ['goals', null],
  ['props', null],
];

/** No error text anywhere, and every top stat equal to the Stats API's answer for the filters in the URL. */
async function assertCleanView(p: Page, what: string, serverErrors: string[]): Promise<void> {
  await settled(p);
  const errors = await p.locator('.error, [data-error]').allTextContents();
  assert.deepEqual(errors, [], `${what}: error text on the page`);
  assert.deepEqual(serverErrors, [], `${what}: 5xx answers`);
  const filters = JSON.parse(new URL(p.url()).searchParams.get('filters') ?? '[]');
  await assertTopStats(p, [daysAgo(29), today], filters);
}

test('drilling in: one click on the first row of every panel and tab, and a few combined, leaves every view whole', { skip }, async () => {
  const p = await ctx.newPage();
  const serverErrors: string[] = [];
  p.on('response', (r) => {
    if (r.status() >= 500) serverErrors.push(`${r.status()} ${r.url()}`);
  });
  const errs: string[] = [];
  watch(p, errs);
  let busy = 0;
  p.on('response', (r) => void (r.status() === 429 && busy++));
  const base = `${srv.url}/${SEED_DOMAIN}?period=30d`;
  const clickFirst = async (panel: string, tab: string | null) => {
    if (tab) {
      await p.click(`[data-panel="${panel}"] [data-tab="${tab}"]`);
      await settled(p);
    }
    const row = p.locator(`[data-panel="${panel}"] li[data-row] button.row`).first();
    const value = await p.locator(`[data-panel="${panel}"] li[data-row]`).first().getAttribute('data-row');
    await row.click();
    return value;
  };
  for (const [panel, tab] of WALK) {
    await p.goto(base);
    await settled(p);
    const value = await clickFirst(panel, tab);
    await p.waitForURL(/filters=/);
    await assertCleanView(p, `${panel}/${tab ?? 'default'} = ${value}`, serverErrors);
  }
  // combined: a page and a source; a goal and a country; an entry page, a browser and a property
  for (const combo of [[['pages', 'top'], ['sources', 'sources']], [['goals', null], ['locations', 'countries']], [['pages', 'entry'], ['devices', 'browsers'], ['props', null]]] as Array<Array<[string, string | null]>>) {
    await p.goto(base);
    await settled(p);
    for (const [panel, tab] of combo) {
      await clickFirst(panel, tab);
      await settled(p);
    }
    const n = JSON.parse(new URL(p.url()).searchParams.get('filters') ?? '[]').length;
    assert.equal(n, combo.length, `${JSON.stringify(combo)}: ${n} filters in ${p.url()}`);
    await assertCleanView(p, JSON.stringify(combo), serverErrors);
  }
  // all time: daily buckets from the first day with data, no comparison invented before it
  await p.goto(`${srv.url}/${SEED_DOMAIN}?period=all`);
  await settled(p);
  assert.equal(await p.locator('.top-stats .change').count(), 0, 'no change against the time before the first data');
  const first = (await statsApi({ metrics: ['visitors'], date_range: 'all' })).query.date_range[0].slice(0, 10);
  await assertTopStats(p, [first, today]);
  await p.screenshot({ path: path.join(OUT, 'dashboard-all-time.png'), fullPage: true });
  await p.close();
  // The walk loads the dashboard faster than a person clicks: it may exceed the user's query budget (a 429 that the
  // dashboard retries by itself, and the view above still ended whole); any other console error fails.
  assert.deepEqual(errs.filter((e) => !/status of 429/.test(e)), []);
  if (busy) console.log(`# drill-in walk: ${busy} answers of 429 (query budget), retried by the dashboard`);
});

test('adding a site leads to its snippet, which turns into the dashboard when the first event arrives', { skip }, async () => {
  const p = await ctx.newPage();
  const errs: string[] = [];
  watch(p, errs);
  await p.goto(`${srv.url}/`);
  await p.locator('form.card input[placeholder="example.com"]').fill('fresh-install.example');
  await p.getByRole('button', { name: 'Add site' }).click();
  await p.waitForURL(/\/fresh-install\.example$/);
  await p.locator('[data-install="fresh-install.example"]').waitFor();
  const tag = (await p.locator('[data-snippet="script tag"]').textContent())!;
  assert.equal(tag, `<script defer data-domain="fresh-install.example" src="${srv.url}/js/script.js"></script>`);
  assert.match((await p.locator('[data-snippet="npm tracker"]').textContent())!, new RegExp(`endpoint: '${srv.url.replace(/\./g, '\\.')}/api/event'`));
  await p.screenshot({ path: path.join(OUT, 'install.png'), fullPage: true });
  const sent = await fetch(`${srv.url}/api/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'x-forwarded-for': '198.51.100.7' },
    body: JSON.stringify({ n: 'pageview', u: 'https://fresh-install.example/', d: 'fresh-install.example' }),
  });
  assert.equal(sent.status, 202);
  await p.locator('[data-metric="visitors"]').waitFor({ timeout: 15_000 });
  await settled(p);
  await p.screenshot({ path: path.join(OUT, 'install-after.png'), fullPage: true });
  assert.equal(await p.locator('[data-metric="visitors"]').getAttribute('data-value'), '1', p.url());
  await p.close();
  assert.deepEqual(errs, []);
});

test('a team: the owner invites a viewer; the link signs them up; viewers get no settings; two-factor with a QR code', { skip }, async () => {
  // the seeded user owns the store's team (moved into one at the first start)
  await page.goto(`${srv.url}/${SEED_DOMAIN}/settings`);
  await page.locator('[data-role=owner]').waitFor();
  const people = page.locator('section[aria-label^="People"]');
  await people.locator('input[name=email]').fill('viewer@dash.example');
  await people.locator('select[name=role]').selectOption('viewer');
  await people.locator('button[type=submit]').click();
  const link = await page.locator('.secret input').inputValue();
  assert.match(link, new RegExp(`^${srv.url}/invite/[A-Za-z0-9_-]{43}$`));
  await page.locator('[data-invitation="viewer@dash.example"]').waitFor();
  await page.screenshot({ path: path.join(OUT, 'settings-people.png'), fullPage: true });

  const guest = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const gp = await guest.newPage();
  const errs: string[] = [];
  watch(gp, errs);
  await gp.goto(link);
  await gp.locator('[data-invitation="viewer@dash.example"]').waitFor();
  await gp.getByText('is invited as').waitFor();
  await gp.screenshot({ path: path.join(OUT, 'invitation.png'), fullPage: true });
  await gp.locator('input[type=password]').fill('the viewer password');
  await gp.getByRole('button', { name: 'Create account and join' }).click();
  await gp.locator(`[data-site="${SEED_DOMAIN}"]`).waitFor();
  assert.match((await gp.locator(`[data-site="${SEED_DOMAIN}"]`).textContent()) ?? '', /viewer/);
  await gp.goto(`${srv.url}/${SEED_DOMAIN}`);
  await settled(gp);
  assert.equal(await gp.locator('a:text("Settings")').count(), 0, 'a viewer sees dashboards only');
  await assertTopStats(gp, [daysAgo(29), today]);

  // two-factor: set up from the sites page, the QR code drawn on the page
  await gp.goto(`${srv.url}/`);
  const tfa = gp.locator('[data-section="2fa"]');
  await tfa.locator('input[name=password]').fill('the viewer password');
  await tfa.getByRole('button', { name: 'Set up' }).click();
  await tfa.locator('svg.qr').waitFor();
  assert.ok((await tfa.locator('svg.qr rect').count()) > 200, 'a QR code of modules');
  const secret = ((await tfa.locator('[data-totp-secret]').textContent()) ?? '').replace(/\s+/g, '');
  await gp.screenshot({ path: path.join(OUT, 'two-factor-setup.png'), fullPage: true });
  await tfa.locator('input[name=code]').fill(totpCode(secret));
  await tfa.getByRole('button', { name: 'Turn on' }).click();
  const codes = ((await tfa.locator('[data-recovery-codes] pre').textContent()) ?? '').split('\n');
  assert.equal(codes.length, 10);
  await tfa.getByText('10 recovery codes left').waitFor();
  await gp.getByRole('button', { name: 'Log out' }).click();
  await gp.waitForURL(/\/login/);
  await gp.locator('input[name=email]').fill('viewer@dash.example');
  await gp.locator('input[name=password]').fill('the viewer password');
  await gp.locator('button[type=submit]').click();
  await gp.locator('[data-form=second-factor]').waitFor();
  await gp.screenshot({ path: path.join(OUT, 'two-factor-login.png'), fullPage: true });
  await gp.locator('input[name=code]').fill(codes[0]!);
  await gp.locator('button[type=submit]').click();
  await gp.locator(`[data-site="${SEED_DOMAIN}"]`).waitFor();
  await guest.close();
  assert.deepEqual(errs, []);
});

test('no console errors on the logged-in pages', { skip }, () => {
  assert.deepEqual(consoleErrors, []);
});
