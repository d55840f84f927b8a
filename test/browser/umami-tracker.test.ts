/**
 * Umami's script tag, pointed at Footfall (only the host changed), in a real browser: the tracker served at
 * /script.js sends the pageview, a single-page navigation and a data-umami-event click to /api/send, and
 * Footfall stores them for the site that carries the website id. Launched as tracker.test does (no automation
 * flags, an ordinary Chrome User-Agent).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { BROWSER_UA, cli, exportRows, newKey, startServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.FOOTFALL_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
if (!haveBrowser && process.env.FOOTFALL_REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}: run scripts/install-chromium.sh`);
const skip = haveBrowser ? false : `no Chromium at ${CHROMIUM} (scripts/install-chromium.sh installs it)`;

const SITE = 'blog.test';
const WEBSITE = '0b7c2d4e-1f3a-4b5c-8d9e-a1b2c3d4e5f6';
let srv: TestServer;
let key: string;
let website: http.Server;
let browser: Browser;

before(async () => {
  if (skip) return;
  srv = await startServer();
  key = await newKey(srv.dataDir);
  assert.equal((await cli(srv.dataDir, ['sites', 'add', SITE, '--umami-id', WEBSITE])).code, 0);
  website = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    // Umami's snippet as its docs give it, the host being Footfall's
    res.end(`<!doctype html><html><head><title>blog</title>
<script defer src="http://footfall.test:${srv.port}/script.js" data-website-id="${WEBSITE}"></script></head>
<body><button id="signup" data-umami-event="Signup" data-umami-event-plan="pro">sign up</button>
<a id="spa" href="#" onclick="history.pushState({}, '', '/posts/second'); return false">next</a></body></html>`);
  });
  await new Promise<void>((r) => website.listen(0, '127.0.0.1', () => r()));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: ['--enable-automation'],
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-blink-features=AutomationControlled', '--host-resolver-rules=MAP blog.test 127.0.0.1, MAP footfall.test 127.0.0.1', `--user-agent=${BROWSER_UA}`],
  });
});

after(async () => {
  await browser?.close();
  website?.close();
  await srv?.stop();
});

test("Umami's script tag: pageview, single-page navigation and a data-umami-event click are stored", { skip }, async () => {
  const page = await browser.newPage();
  const responses: number[] = [];
  page.on('response', (r) => r.url().endsWith('/api/send') && responses.push(r.status()));
  await page.goto(`http://blog.test:${(website.address() as AddressInfo).port}/posts/first?a=1`, { referer: 'https://news.ycombinator.com/' });
  await page.waitForFunction(() => typeof (globalThis as { umami?: unknown }).umami === 'object');
  await page.click('#spa');
  await page.click('#signup');
  const deadline = Date.now() + 20_000;
  let rows: Array<Record<string, any>> = [];
  while (Date.now() < deadline) {
    rows = await exportRows(srv.url, key, 'events', SITE);
    if (rows.length >= 3) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(responses.slice(0, 3), [200, 200, 200]);
  const byName = (n: string) => rows.filter((r) => r.name === n);
  assert.deepEqual(byName('pageview').map((r) => r.pathname).sort(), ['/posts/first', '/posts/second']);
  const first = byName('pageview').find((r) => r.pathname === '/posts/first')!;
  assert.equal(first.referrer_source, 'Hacker News');
  assert.equal(first.browser, 'Chrome');
  const signup = byName('Signup')[0]!;
  assert.deepEqual([signup['meta.key'], signup['meta.value']], [['plan'], ['pro']]);
  assert.equal(new Set(rows.map((r) => r.session_id)).size, 1, 'one visit');
  const script = await fetch(`${srv.url}/script.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type')!, /javascript/);
  assert.equal(script.headers.get('content-encoding'), 'gzip');
});
