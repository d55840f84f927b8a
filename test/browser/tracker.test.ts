/**
 * The tracker script Footfall serves, in a real browser: a website on its own host name loads the standard snippet
 * from Footfall (only the host changed), and the pageview, an outbound click, the engagement event, custom events,
 * and the variants (manual, exclusions, hash, pageview props, file downloads) arrive and are stored as Plausible
 * would store them. The browser runs without automation flags (`navigator.webdriver` is false), as the official
 * tracker sends nothing otherwise, and with an ordinary Chrome User-Agent (a headless one is a bot).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { BROWSER_UA, admin, exportRows, newKey, startServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.FOOTFALL_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
if (!haveBrowser && process.env.FOOTFALL_REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}: run scripts/install-chromium.sh`);
const skip = haveBrowser ? false : `no Chromium at ${CHROMIUM} (scripts/install-chromium.sh installs it)`;

const SITE = 'shop.test';
let srv: TestServer;
let key: string;
let website: http.Server;
let site: string; // http://shop.test:<port>
let footfall: string; // http://footfall.test:<port>
let browser: Browser;
let ctx: BrowserContext;

/** The website: a few pages, each with the snippet of one script variant. */
function page(script: string, body = '', attrs = ''): string {
  return `<!doctype html><html><head><title>shop</title>
<script>window.plausible = window.plausible || function () { (window.plausible.q = window.plausible.q || []).push(arguments) }</script>
<script defer data-domain="${SITE}" src="${footfall}/js/${script}" ${attrs}></script></head><body>${body}</body></html>`;
}

function startWebsite(): Promise<number> {
  website = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    let html: string;
    switch (u.pathname) {
      case '/':
        html = page('stats.outbound-links.js', `<a id="out" href="http://elsewhere.test:${(website.address() as AddressInfo).port}/away">away</a>
<button id="signup" onclick="plausible('Signup', {props: {plan: 'pro'}, revenue: {amount: 12.5, currency: 'EUR'}})">sign up</button>`);
        break;
      case '/manual':
        html = page('script.manual.js', `<script>plausible('pageview', {u: location.origin + '/virtual/page'})</script>`);
        break;
      case '/private/area':
        html = page('script.exclusions.js', '<p>not tracked</p>', 'data-exclude="/private/*, /admin/**"');
        break;
      case '/app':
        html = page('script.hash.pageview-props.js', '<a id="next" href="#/settings">next</a>', 'event-author="ada" event-section="docs"');
        break;
      case '/files':
        html = page('script.file-downloads.js', `<a id="pdf" href="/report.pdf">report</a>`);
        break;
      default:
        res.writeHead(u.pathname === '/report.pdf' ? 200 : 404, { 'content-type': u.pathname === '/report.pdf' ? 'application/pdf' : 'text/html' });
        return res.end(u.pathname === '/report.pdf' ? '%PDF-1.4' : '<p>elsewhere</p>');
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve) => website.listen(0, '127.0.0.1', () => resolve((website.address() as AddressInfo).port)));
}

/** The stored events once `done` says they are complete (or after 20 s, for the assertions to explain). */
async function events(done: number | ((rows: Array<Record<string, any>>) => boolean)): Promise<Array<Record<string, any>>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = await exportRows(srv.url, key, 'events', SITE);
    if ((typeof done === 'number' ? rows.length >= done : done(rows)) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const named = (name: string, n = 1) => (rows: Array<Record<string, any>>) => rows.filter((r) => r.name === name).length >= n;

before(async () => {
  if (skip) return;
  // renamed script and endpoint (ad-blocker resilience); /js/script.js keeps working beside them
  srv = await startServer({ env: { FOOTFALL_TRACKER_SCRIPT_NAME: 'stats', FOOTFALL_EVENT_PATH: '/api/collect' } });
  key = await newKey(srv.dataDir);
  assert.equal((await admin(srv.dataDir, 'POST', '/admin/sites', { domain: SITE })).status, 201);
  const port = await startWebsite();
  site = `http://shop.test:${port}`;
  footfall = `http://footfall.test:${srv.port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: ['--enable-automation'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-blink-features=AutomationControlled',
      '--host-resolver-rules=MAP shop.test 127.0.0.1, MAP footfall.test 127.0.0.1, MAP elsewhere.test 127.0.0.1',
      // for every request, the browser's own included: a keepalive fetch sent while a page unloads does not carry
      // a per-page override, and headless Chromium's own User-Agent is (rightly) a bot's
      `--user-agent=${BROWSER_UA}`,
    ],
  });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  website?.close();
  await srv?.stop();
});

test('the standard snippet: pageview, custom event with revenue, outbound click, engagement', { skip }, async () => {
  const p = await ctx.newPage();
  if (process.env.DEBUG_TRACKER) {
    p.on('request', (r) => r.method() === 'POST' && console.log('POST', r.url(), r.postData()));
    p.on('response', (r) => r.request().method() === 'POST' && console.log('->', r.status()));
    p.on('console', (m) => console.log('console', m.text()));
  }
  await p.goto(`${site}/?utm_source=newsletter`, { referer: 'https://www.google.com/' });
  assert.equal(await p.evaluate(() => (globalThis as any).navigator.webdriver), false);
  const first = await events(1);
  assert.equal(first.length, 1, 'the pageview arrived');
  await p.click('#signup');
  await events(2);
  await p.waitForTimeout(1200); // some engaged time on the page; leaving it reports the engagement
  await Promise.all([p.waitForURL(/elsewhere\.test/), p.click('#out')]);
  const rows = await events((r) => named('Outbound Link: Click')(r) && named('engagement')(r));
  await p.close();
  const by = (name: string) => rows.filter((r) => r.name === name);
  const [pv] = by('pageview');
  assert.equal(pv!.hostname, SITE);
  assert.equal(pv!.pathname, '/');
  assert.equal(pv!.utm_source, 'newsletter');
  assert.equal(pv!.referrer_source, 'newsletter', 'utm_source names the source, as in Plausible');
  assert.equal(pv!.referrer, 'google.com');
  assert.equal(pv!.browser, 'Chrome');
  const [signup] = by('Signup');
  assert.deepEqual([signup!['meta.key'], signup!['meta.value']], [['plan'], ['pro']], JSON.stringify(signup));
  assert.ok(JSON.stringify(signup).includes('EUR'), 'revenue currency stored');
  const [out] = by('Outbound Link: Click');
  assert.ok(out, `outbound click stored: ${rows.map((r) => r.name).join(', ')}`);
  assert.ok(JSON.stringify(out).includes(`elsewhere.test`), JSON.stringify(out));
  const [engagement] = by('engagement');
  assert.ok(engagement, `an engagement event: ${rows.map((r) => r.name).join(', ')}`);
  assert.equal(engagement!.pathname, '/');
  assert.ok(engagement!.engagement_time >= 1000, `engaged ${engagement!.engagement_time} ms`);
  assert.ok(engagement!.scroll_depth > 0 && engagement!.scroll_depth <= 100, `scroll depth ${engagement!.scroll_depth}`);
  assert.equal(new Set(rows.map((r) => r.user_id)).size, 1, 'one visitor');
});

test('variants: manual pageviews, exclusions, hash routing with pageview props, file downloads', { skip }, async () => {
  const before = (await events(0)).filter((r) => r.name === 'pageview').length;
  const p = await ctx.newPage();
  await p.goto(`${site}/manual`);
  await p.goto(`${site}/private/area`);
  await p.goto(`${site}/app`);
  await p.click('#next');
  await p.goto(`${site}/files`);
  await Promise.all([p.waitForRequest(/\/api\/collect/), p.click('#pdf')]);
  const rows = await events((r) => named('File Download')(r) && r.filter((x) => x.name === 'pageview').length >= before + 4);
  await p.close();
  const pages = rows.filter((r) => r.name === 'pageview').map((r) => r.pathname);
  assert.ok(pages.includes('/virtual/page'), `manual pageview with its own url: ${pages}`);
  assert.ok(!pages.includes('/manual'), 'no automatic pageview in the manual variant');
  assert.ok(!pages.some((x: string) => x.startsWith('/private')), 'excluded path not tracked');
  assert.ok(pages.includes('/app'), pages.join(','));
  assert.ok(pages.includes('/app#/settings'), `hash routing keeps the fragment: ${pages}`);
  const app = rows.find((r) => r.name === 'pageview' && r.pathname === '/app')!;
  assert.deepEqual([app['meta.key'], app['meta.value']], [['author', 'section'], ['ada', 'docs']], JSON.stringify(app));
  const dl = rows.find((r) => r.name === 'File Download');
  assert.ok(dl && JSON.stringify(dl).includes('/report.pdf'), `file download: ${rows.map((r) => r.name).join(', ')}`);
});

test('script URLs: variants in any order are served, unknown ones are not; the event path is the configured one', { skip }, async () => {
  for (const name of ['script.js', 'plausible.js', 'stats.js', 'script.outbound-links.file-downloads.js', 'script.file-downloads.outbound-links.hash.local.js', 'script.tagged-events.revenue.js']) {
    const r = await fetch(`${srv.url}/js/${name}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.status, 200, name);
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    assert.equal(r.headers.get('cache-control'), 'public, max-age=86400');
    const js = await r.text();
    assert.ok(js.includes('"/api/collect"') && !js.includes('__FOOTFALL_EVENT_PATH__'));
    assert.ok(js.includes('Plausible Insights'), 'the library’s licence travels with it');
  }
  for (const name of ['script.evil.js', 'other.js', 'script..js', 'script.hash.js.map']) assert.equal((await fetch(`${srv.url}/js/${name}`)).status, 404, name);
});
