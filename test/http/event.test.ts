import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROWSER_UA, exportRows, startServer, newSite, postEvent, serverForFile, type TestServer, METRICS_AUTH } from '../helpers/server.js';
import { UA_CORPUS } from '../fixtures/user-agents.js';

let srv: TestServer;
let key: string;
// One client sends everything here: the per-client share of a site's rate limit is tested in hardening.test.
serverForFile(
  (s, k) => {
    srv = s;
    key = k;
  },
  { env: { FOOTFALL_RATE_LIMIT_CLIENT_SHARE: '1' } },
);

type Row = Record<string, any>;
async function rowsOf(site: string): Promise<Row[]> {
  return exportRows(srv.url, key, 'events', site);
}
/** Posts one event to a fresh site and returns the single stored row. */
async function storeOne(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Row> {
  const site = await newSite(srv.dataDir);
  const r = await postEvent(srv.url, { d: site, ...body }, headers);
  assert.equal(r.status, 202, r.text);
  assert.equal(r.text, 'ok');
  const rows = await rowsOf(site);
  assert.equal(rows.length, 1);
  return rows[0]!;
}
async function errorsOf(body: unknown, headers: Record<string, string> = {}): Promise<Record<string, string[]>> {
  const r = await postEvent(srv.url, body, headers);
  assert.equal(r.status, 400, r.text);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  return JSON.parse(r.text).errors;
}

describe('request fields', () => {
  test('long field names are stored', async () => {
    const site = await newSite(srv.dataDir);
    const r = await postEvent(srv.url, {
      name: 'Signup',
      url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch&utm_content=hero&utm_term=analytics',
      domain: site,
      referrer: 'https://news.ycombinator.com/item/',
      props: { plan: 'pro', seats: 3, trial: false },
      revenue: { currency: 'EUR', amount: '1322.22' },
      interactive: false,
      v: 5,
    });
    assert.equal(r.status, 202);
    const [row] = await rowsOf(site);
    assert.ok(row);
    assert.equal(row.name, 'Signup');
    assert.equal(row.hostname, 'example.com');
    assert.equal(row.pathname, '/pricing');
    assert.equal(row.referrer, 'news.ycombinator.com/item');
    assert.equal(row.utm_source, 'newsletter');
    assert.equal(row.referrer_source, 'newsletter');
    assert.equal(row.utm_medium, 'email');
    assert.equal(row.utm_campaign, 'launch');
    assert.equal(row.utm_content, 'hero');
    assert.equal(row.utm_term, 'analytics');
    assert.deepEqual(row['meta.key'], ['plan', 'seats', 'trial']);
    assert.deepEqual(row['meta.value'], ['pro', '3', 'false']);
    assert.equal(Number(row.revenue_source_amount), 1322.22);
    assert.equal(row.revenue_source_currency, 'EUR');
    assert.equal(row.interactive, 0);
    assert.equal(row.tracker_script_version, 5);
    assert.match(row.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  test('short field names are stored the same way', async () => {
    const row = await storeOne({
      n: 'pageview',
      u: 'https://example.com/docs',
      r: 'https://duckduckgo.com/',
      p: { lang: 'en' },
      $: { currency: 'USD', amount: 10 },
      i: false,
    });
    assert.equal(row.name, 'pageview');
    assert.equal(row.pathname, '/docs');
    assert.equal(row.referrer, 'duckduckgo.com');
    assert.equal(row.referrer_source, 'DuckDuckGo');
    assert.deepEqual(row['meta.key'], ['lang']);
    assert.equal(Number(row.revenue_source_amount), 10);
    assert.equal(row.revenue_source_currency, 'USD');
    assert.equal(row.interactive, 0);
  });

  test('meta and m are props too; interactive defaults to true', async () => {
    const a = await storeOne({ n: 'x', u: 'https://e.com/', meta: { a: '1' } });
    assert.deepEqual(a['meta.key'], ['a']);
    assert.equal(a.interactive, 1);
    const b = await storeOne({ n: 'x', u: 'https://e.com/', m: { b: '2' } });
    assert.deepEqual(b['meta.value'], ['2']);
  });

  for (const ct of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', '']) {
    test(`body is read as JSON with content-type ${JSON.stringify(ct)}`, async () => {
      const site = await newSite(srv.dataDir);
      const res = await fetch(`${srv.url}/api/event`, {
        method: 'POST',
        headers: ct ? { 'content-type': ct, 'user-agent': BROWSER_UA } : { 'user-agent': BROWSER_UA },
        body: JSON.stringify({ n: 'pageview', u: 'https://example.com/', d: site }),
      });
      assert.equal(res.status, 202);
      assert.equal((await rowsOf(site)).length, 1);
    });
  }

  test('an integer name is stored as its decimal string', async () => {
    assert.equal((await storeOne({ n: 404, u: 'https://e.com/missing' })).name, '404');
  });

  test('name rules', async () => {
    assert.deepEqual(await errorsOf({ u: 'https://e.com/', d: 'e.com' }), { event_name: ["can't be blank"] });
    assert.deepEqual(await errorsOf({ n: '   ', u: 'https://e.com/', d: 'e.com' }), { event_name: ["can't be blank"] });
    assert.deepEqual(await errorsOf({ n: 'x'.repeat(121), u: 'https://e.com/', d: 'e.com' }), {
      event_name: ['should be at most 120 character(s)'],
    });
    assert.deepEqual(await errorsOf({ n: { a: 1 }, u: 'https://e.com/', d: 'e.com' }), { event_name: ['is invalid'] });
    assert.equal((await storeOne({ n: 'é'.repeat(120), u: 'https://e.com/' })).name, 'é'.repeat(120));
  });

  test('url rules', async () => {
    assert.deepEqual(await errorsOf({ n: 'pageview', d: 'e.com' }), { url: ['is required'] });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 42, d: 'e.com' }), { url: ['must be a valid url'] });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 'https://e.com/' + 'a'.repeat(2000), d: 'e.com' }), {
      url: ['must be a valid url'],
    });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 'data:text/html,<h1>hi</h1>', d: 'e.com' }), { url: ['scheme is not allowed'] });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 'http://exa mple.com/', d: 'e.com' }), { url: ['must be a valid url'] });
    // exactly 2,000 bytes is fine
    const u = 'https://e.com/' + 'a'.repeat(2000 - 'https://e.com/'.length);
    assert.equal((await storeOne({ n: 'pageview', u })).pathname.length, 2000 - 'https://e.com'.length);
  });

  test('several errors are reported at once', async () => {
    assert.deepEqual(await errorsOf({ d: '' }), { event_name: ["can't be blank"], url: ['is required'], domain: ["can't be blank"] });
  });

  test('domain rules', async () => {
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 'https://e.com/', d: '' }), { domain: ["can't be blank"] });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: 'https://e.com/', d: ' , ' }), { domain: ["can't be blank"] });
    assert.deepEqual(await errorsOf({ n: 'pageview', u: '/relative', }), { domain: ["can't be blank"] });
  });

  test('absent domain is taken from the url host without www.', async () => {
    const site = await newSite(srv.dataDir);
    const r = await postEvent(srv.url, { n: 'pageview', u: `https://www.${site}/from-url` });
    assert.equal(r.status, 202);
    const rows = await rowsOf(site);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.pathname, '/from-url');
  });

  test('a comma-separated domain list records one event per site', async () => {
    const a = await newSite(srv.dataDir);
    const b = await newSite(srv.dataDir);
    const r = await postEvent(srv.url, { n: 'pageview', u: 'https://shared.example/', d: ` ${a} ,www.${b}` });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-plausible-dropped'), null);
    const [ra, rb] = [await rowsOf(a), await rowsOf(b)];
    assert.equal(ra.length, 1);
    assert.equal(rb.length, 1);
    assert.notEqual(ra[0]!.site_id, rb[0]!.site_id);
  });

  test('unknown sites are dropped with 202 and x-plausible-dropped', async () => {
    const r = await postEvent(srv.url, { n: 'pageview', u: 'https://nope.example/', d: 'nope.example' });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-plausible-dropped'), '1');
    const unknownDrops = async () =>
      Number(/^footfall_events_dropped_total\{reason="unknown_site"\} (\d+)$/m.exec(await (await fetch(`${srv.url}/metrics`, { headers: METRICS_AUTH })).text())?.[1] ?? 0);
    const before = await unknownDrops();
    const two = await postEvent(srv.url, { n: 'pageview', u: 'https://nope.example/', d: 'nope1.example,nope2.example' });
    assert.equal(two.status, 202);
    assert.equal(two.text, 'ok');
    assert.equal(two.headers.get('x-plausible-dropped'), '2');
    assert.equal(two.headers.get('access-control-allow-origin'), '*');
    assert.equal(await unknownDrops(), before + 2, 'each unknown domain counted once');
    const known = await newSite(srv.dataDir);
    const m = await postEvent(srv.url, { n: 'pageview', u: 'https://x.example/', d: `unknown1.example,${known},unknown2.example` });
    assert.equal(m.status, 202);
    assert.equal(m.headers.get('x-plausible-dropped'), '2');
    assert.equal((await rowsOf(known)).length, 1);
  });

  test('referrer is cut to 2,000 characters', async () => {
    const row = await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'https://ref.example/' + 'p'.repeat(3000) });
    assert.equal(row.referrer, ('ref.example/' + 'p'.repeat(3000)).slice(0, 2000 - 'https://'.length));
  });

  test('tracker version, screen width, and sd/e outside engagement events', async () => {
    const row = await storeOne({ n: 'pageview', u: 'https://e.com/', v: 27, w: 1280, sd: 50, e: 1000 });
    assert.equal(row.tracker_script_version, 27);
    assert.equal(row.scroll_depth, 0);
    assert.equal(row.engagement_time, 0);
  });

  test('engagement events store scroll depth and engagement time (the tracker payload)', async () => {
    // engagement events need a live session: the visitor's pageview first, then the tracker's payload
    const site = await newSite(srv.dataDir);
    assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://e.com/article', d: site })).status, 202);
    assert.equal((await postEvent(srv.url, { n: 'engagement', u: 'https://e.com/article', d: site, p: '{}', sd: 73, e: 5230, v: 27 })).status, 202);
    const row = (await rowsOf(site)).find((r) => r.name === 'engagement')!;
    assert.equal(row.name, 'engagement');
    assert.equal(row.scroll_depth, 73);
    assert.equal(row.engagement_time, 5230);
    assert.equal(row.session_id, (await rowsOf(site)).find((r) => r.name === 'pageview')!.session_id);
    await postEvent(srv.url, { n: 'pageleave', u: 'https://e.com/', d: site, sd: '150', e: '10' });
    await postEvent(srv.url, { n: 'engagement', u: 'https://e.com/', d: site, sd: 10, e: 30 * 24 * 3600 * 1000 });
    const rows = await rowsOf(site);
    const capped = rows.find((r) => r.name === 'pageleave')!;
    assert.equal(capped.scroll_depth, 100);
    assert.equal(capped.engagement_time, 10);
    const tooLong = rows.find((r) => r.name === 'engagement' && r.scroll_depth === 10)!;
    assert.equal(tooLong.engagement_time, 0);
    // no valid scroll depth: stored as 255 (missing), not 0; neither sd nor e valid: 400 with Plausible's message
    assert.equal((await postEvent(srv.url, { n: 'engagement', u: 'https://e.com/noscroll', d: site, sd: '12asd', e: 700 })).status, 202);
    assert.equal((await rowsOf(site)).find((r) => r.pathname === '/noscroll')!.scroll_depth, 255);
    const neither = await postEvent(srv.url, { n: 'engagement', u: 'https://e.com/', d: site, sd: -5 });
    assert.equal(neither.status, 400);
    assert.deepEqual(JSON.parse(neither.text), { errors: { event_name: ["engagement event requires a valid integer value for at least one of 'sd' or 'e' fields"] } });
    // without a live session an engagement event is dropped
    const other = await newSite(srv.dataDir);
    const lone = await postEvent(srv.url, { n: 'engagement', u: 'https://e.com/', d: other, sd: 10, e: 100 });
    assert.equal(lone.status, 202);
    assert.equal(lone.headers.get('x-plausible-dropped'), '1');
  });
});

describe('User-Agent: device, browser, OS, bots', () => {
  test('every browser of the corpus is stored with its browser, OS and device; every bot is dropped', async () => {
    for (const c of UA_CORPUS) {
      const site = await newSite(srv.dataDir);
      const r = await postEvent(srv.url, { n: 'pageview', u: `https://${site}/`, d: site }, { 'user-agent': c.ua });
      assert.equal(r.status, 202, c.name);
      const rows = await rowsOf(site);
      if (c.bot) {
        assert.equal(r.headers.get('x-plausible-dropped'), '1', c.name);
        assert.equal(rows.length, 0, c.name);
        continue;
      }
      assert.equal(rows.length, 1, c.name);
      const row = rows[0]!;
      if (c.browser !== undefined) assert.equal(row.browser, c.browser, c.name);
      if (c.browser_version !== undefined) assert.equal(row.browser_version, c.browser_version, c.name);
      if (c.os !== undefined) assert.equal(row.operating_system, c.os, c.name);
      if (c.os_version !== undefined) assert.equal(row.operating_system_version, c.os_version, c.name);
      if (c.screen !== undefined) assert.equal(row.screen_size, c.screen, c.name);
      assert.ok(!JSON.stringify(row).includes(c.ua), 'the raw User-Agent is never stored');
    }
  });

  test('an 8 KiB User-Agent is stored (Plausible: "times out parsing user agent" keeps the event)', async () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 ' + 'x'.repeat(8 * 1024);
    const row = await storeOne({ n: 'pageview', u: 'https://e.com/' }, { 'user-agent': ua });
    assert.equal(row.browser, 'Chrome');
  });

  test('a missing User-Agent is not a bot; nothing is known of the device', async () => {
    const row = await storeOne({ n: 'pageview', u: 'https://e.com/' }, { 'user-agent': '' });
    assert.equal(row.browser, '');
    assert.equal(row.screen_size, '');
  });
});

describe('derived from the url', () => {
  const cases: Array<[string, boolean, string, string]> = [
    ['https://www.Example.com/a/b', false, 'example.com', '/a/b'],
    ['https://example.com', false, 'example.com', '/'],
    ['https://example.com/caf%C3%A9%20menu', false, 'example.com', '/café menu'],
    ['https://example.com/bad%E0%A4%A', false, 'example.com', '/bad%E0%A4%A'],
    ['https://example.com/x%20%20', false, 'example.com', '/x'],
    ['app://localhost/login', false, 'localhost', '/login'],
    ['/blog', false, '(none)', '/blog'],
    ['https://example.com/#/settings', true, 'example.com', '/#/settings'],
    ['https://example.com/app#/caf%C3%A9', true, 'example.com', '/app#/café'],
    ['https://example.com/app#/settings', false, 'example.com', '/app'],
    ['https://example.com/app#', true, 'example.com', '/app'],
    ['http://192.168.1.10:8080/x', false, '192.168.1.10', '/x'],
  ];
  for (const [u, hash, hostname, pathname] of cases) {
    test(`${u}${hash ? ' (hash mode)' : ''} → ${hostname} ${pathname}`, async () => {
      const row = await storeOne({ n: 'pageview', u, h: hash ? 1 : 0 });
      assert.equal(row.hostname, hostname);
      assert.equal(row.pathname, pathname);
    });
  }

  test('hashMode long name', async () => {
    assert.equal((await storeOne({ name: 'pageview', url: 'https://e.com/#x', hashMode: 1 })).pathname, '/#x');
  });

  test('source falls back from utm_source to source to ref', async () => {
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?source=prod&ref=other' })).utm_source, 'prod');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?ref=producthunt' })).referrer_source, 'producthunt');
  });

  test('sources: referrer database, tagged source mapping, click-id mediums', async () => {
    const g = await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'https://www.google.co.uk/' });
    assert.equal(g.referrer_source, 'Google');
    assert.equal(g.referrer, 'google.co.uk');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'https://m.facebook.com/' })).referrer_source, 'Facebook');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?utm_source=ig' })).referrer_source, 'Instagram');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?utm_source=GOOGLE', r: 'https://t.co/x' })).referrer_source, 'Google');
    const gclid = await storeOne({ n: 'pageview', u: 'https://e.com/?gclid=abc', r: 'https://www.google.com/' });
    assert.equal(gclid.utm_medium, '(gclid)');
    const tagged = await storeOne({ n: 'pageview', u: 'https://e.com/?gclid=abc&utm_medium=cpc', r: 'https://www.google.com/' });
    assert.equal(tagged.utm_medium, 'cpc');
    const bing = await storeOne({ n: 'pageview', u: 'https://e.com/?msclkid=abc&utm_source=bing' });
    assert.equal(bing.referrer_source, 'Bing');
    assert.equal(bing.utm_medium, '(msclkid)');
    const notGoogle = await storeOne({ n: 'pageview', u: 'https://e.com/?gclid=abc', r: 'https://duckduckgo.com/' });
    assert.equal(notGoogle.utm_medium, '');
  });

  test('spam referrers are dropped with 202 and x-plausible-dropped', async () => {
    const site = await newSite(srv.dataDir);
    for (const r of ['https://semalt.com/', 'http://www.darodar.com/x', 'https://sub.buttons-for-website.com/']) {
      const res = await postEvent(srv.url, { n: 'pageview', u: `https://${site}/`, d: site, r });
      assert.equal(res.status, 202);
      assert.equal(res.headers.get('x-plausible-dropped'), '1', r);
    }
    assert.equal((await rowsOf(site)).length, 0);
  });

  test('the first click id parameter present is stored', async () => {
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?fbclid=1&gclid=2' })).click_id_param, 'gclid');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?twclid=1&msclkid=2' })).click_id_param, 'msclkid');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?wbraid=1' })).click_id_param, 'wbraid');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/?x=1' })).click_id_param, '');
  });

  test('referrer rules: self-referral, localhost, schemes, android-app', async () => {
    const self = await storeOne({ n: 'pageview', u: 'https://www.e.com/b', r: 'https://e.com/a' });
    assert.equal(self.referrer, '');
    assert.equal(self.referrer_source, '');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'http://localhost:3000/' })).referrer, '');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'ftp://files.example/x' })).referrer, '');
    assert.equal((await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'not a url' })).referrer, '');
    const app = await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'android-app://com.google.android.gm/' });
    assert.equal(app.referrer, 'android-app://com.google.android.gm');
    assert.equal(app.referrer_source, 'android-app://com.google.android.gm', 'no app ids in Snowplow’s data: kept as the referrer, as Plausible does');
    const unknownApp = await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'android-app://org.example.reader' });
    assert.equal(unknownApp.referrer_source, 'android-app://org.example.reader');
    const unknown = await storeOne({ n: 'pageview', u: 'https://e.com/', r: 'https://www.markosaric.com/x/' });
    assert.equal(unknown.referrer, 'markosaric.com/x');
    assert.equal(unknown.referrer_source, 'markosaric.com');
  });
});

describe('props', () => {
  test('a JSON string holding an object is accepted', async () => {
    const row = await storeOne({ n: 'x', u: 'https://e.com/', p: '{"author":"Uku","n":7}' });
    assert.deepEqual(row['meta.key'], ['author', 'n']);
    assert.deepEqual(row['meta.value'], ['Uku', '7']);
  });

  test('at most 30 pairs are kept', async () => {
    const props = Object.fromEntries(Array.from({ length: 35 }, (_, i) => [`k${i}`, `v${i}`]));
    const row = await storeOne({ n: 'x', u: 'https://e.com/', p: props });
    assert.equal(row['meta.key'].length, 30);
    assert.equal(row['meta.key'][29], 'k29');
  });

  test('objects, arrays, nulls and blank keys or values are discarded', async () => {
    const row = await storeOne({
      n: 'x',
      u: 'https://e.com/',
      p: { obj: { a: 1 }, arr: [1], nul: null, ' ': 'blank key', blank: '  ', ok: 'yes', num: 1.5, t: true },
    });
    assert.deepEqual(row['meta.key'], ['ok', 'num', 't']);
    assert.deepEqual(row['meta.value'], ['yes', '1.5', 'true']);
  });

  test('props that are not an object are ignored', async () => {
    assert.deepEqual((await storeOne({ n: 'x', u: 'https://e.com/', p: [1, 2] }))['meta.key'], []);
    assert.deepEqual((await storeOne({ n: 'x', u: 'https://e.com/', p: 'not json' }))['meta.key'], []);
    assert.deepEqual((await storeOne({ n: 'x', u: 'https://e.com/', p: 12 }))['meta.key'], []);
  });

  test('key over 300 bytes or value over 2,000 bytes → 400', async () => {
    const msg = { props: ['keys should have at most 300 bytes and values 2000 bytes'] };
    assert.deepEqual(await errorsOf({ n: 'x', u: 'https://e.com/', d: 'e.com', p: { ['k'.repeat(301)]: 'v' } }), msg);
    assert.deepEqual(await errorsOf({ n: 'x', u: 'https://e.com/', d: 'e.com', p: { k: 'v'.repeat(2001) } }), msg);
    assert.deepEqual(await errorsOf({ n: 'x', u: 'https://e.com/', d: 'e.com', p: { k: 'é'.repeat(1001) } }), msg); // 2,002 bytes
    const row = await storeOne({ n: 'x', u: 'https://e.com/', p: { ['k'.repeat(300)]: 'v'.repeat(2000) } });
    assert.equal(row['meta.value'][0].length, 2000);
  });
});

describe('revenue', () => {
  const ok: Array<[unknown, number, string]> = [
    [{ currency: 'EUR', amount: 1322.22 }, 1322.22, 'EUR'],
    [{ currency: 'usd', amount: '1322.22' }, 1322.22, 'USD'],
    [{ currency: 'JPY', amount: '0.0005' }, 0.001, 'JPY'],
  ];
  for (const [rev, amount, currency] of ok) {
    test(`revenue ${JSON.stringify(rev)} is stored`, async () => {
      const row = await storeOne({ n: 'Purchase', u: 'https://e.com/', $: rev });
      assert.equal(Number(row.revenue_source_amount), amount);
      assert.equal(row.revenue_source_currency, currency);
    });
  }
  const bad: unknown[] = [
    { currency: 'XXY', amount: 10 },
    { currency: 'EUR', amount: 'ten' },
    { currency: 'EUR', amount: '1,322.22' },
    { currency: 'EUR' },
    { amount: 10 },
    { currency: 'EUR', amount: 1e30 },
    'EUR 10',
    [10],
  ];
  for (const rev of bad) {
    test(`invalid revenue ${JSON.stringify(rev)} is discarded; the event is kept`, async () => {
      const row = await storeOne({ n: 'Purchase', u: 'https://e.com/', revenue: rev });
      assert.equal(row.revenue_source_amount, null);
      assert.equal(row.revenue_source_currency, '');
    });
  }
});

describe('http behaviour', () => {
  test('CORS preflight and headers', async () => {
    const pre = await fetch(`${srv.url}/api/event`, {
      method: 'OPTIONS',
      headers: { origin: 'https://blog.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    // cors_plug's defaults, as Plausible answers
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET,POST,PUT,PATCH,DELETE,OPTIONS');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization,Content-Type,Accept,Origin,User-Agent,DNT,Cache-Control,X-Mx-ReqToken,Keep-Alive,X-Requested-With,If-Modified-Since,X-CSRF-Token');
    assert.equal(pre.headers.get('access-control-max-age'), '1728000');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    // an OPTIONS that is no preflight has no route
    assert.equal((await fetch(`${srv.url}/api/event`, { method: 'OPTIONS' })).status, 404);
    // the snippet's error beacon and the live check, as Plausible
    const e = await fetch(`${srv.url}/api/error`);
    assert.deepEqual([e.status, await e.text()], [200, '']);
    assert.deepEqual(await (await fetch(`${srv.url}/api/system/health/live`)).json(), { ok: true });
    // the domain is matched with its case (sites are stored lower-case), a leading lower-case www. removed
    assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://x.example/', d: 'WWW.Nope.Example' })).headers.get('x-plausible-dropped'), '1');
    const r = await postEvent(srv.url, { n: 'pageview', u: 'https://nope.example/' }, { origin: 'https://blog.example' });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const bad = await postEvent(srv.url, 'nope');
    assert.equal(bad.headers.get('access-control-allow-origin'), '*');
  });

  test('X-Debug-Request answers 200 with the IP the server would use', async () => {
    const r = await postEvent(srv.url, { n: 'pageview', u: 'https://e.com/' }, { 'x-debug-request': 'true', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '203.0.113.9');
    const plain = await postEvent(srv.url, {}, { 'x-debug-request': 'true' });
    assert.equal(plain.text, '127.0.0.1');
    const chain = await postEvent(srv.url, {}, { 'x-debug-request': 'true', 'x-plausible-ip': '2001:db8::1', 'cf-connecting-ip': '198.51.100.1' });
    assert.equal(chain.text, '2001:db8::1');
  });

  test('GET /api/event is 405 with a JSON error', async () => {
    const r = await fetch(`${srv.url}/api/event`);
    assert.equal(r.status, 405);
    assert.ok((await r.json() as any).errors);
  });

  test('unknown routes are 404 JSON', async () => {
    const r = await fetch(`${srv.url}/nope`);
    assert.equal(r.status, 404);
    assert.equal((await r.json() as any).error, 'Not found');
  });
});

describe('export', () => {
  test('what was sent is what export returns, events in order', async () => {
    const site = await newSite(srv.dataDir);
    const sent = Array.from({ length: 25 }, (_, i) => ({ n: i % 2 ? 'pageview' : 'Click', u: `https://${site}/p/${i}`, d: site, p: { i } }));
    for (const e of sent) assert.equal((await postEvent(srv.url, e)).status, 202);
    const rows = await rowsOf(site);
    assert.equal(rows.length, sent.length);
    const got = rows.map((r) => `${r.name} ${r.pathname} ${r['meta.value'][0]}`).sort();
    const want = sent.map((e) => `${e.n} /p/${e.p.i} ${e.p.i}`).sort();
    assert.deepEqual(got, want);
    for (const r of rows) assert.equal(r.hostname, site);
  });

  test('date_range filters in the site time zone', async () => {
    const site = await newSite(srv.dataDir, 'Pacific/Kiritimati');
    await postEvent(srv.url, { n: 'pageview', u: `https://${site}/`, d: site });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati' }).format(new Date());
    assert.equal((await exportRows(srv.url, key, 'events', site, `${today},${today}`)).length, 1);
    assert.equal((await exportRows(srv.url, key, 'events', site, '2020-01-01,2020-12-31')).length, 0);
    const bad = await fetch(`${srv.url}/api/v1/export/events?site_id=${site}&date_range=2020-02-30,2020-03-01`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(bad.status, 400);
    assert.match((await bad.json() as any).error, /date/);
  });

  test('sessions export answers NDJSON', async () => {
    const site = await newSite(srv.dataDir);
    const r = await fetch(`${srv.url}/api/v1/export/sessions?site_id=${site}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/x-ndjson/);
  });

  test('auth failures are 401 JSON; unknown site is 404', async () => {
    const site = await newSite(srv.dataDir);
    const u = `${srv.url}/api/v1/export/events?site_id=${site}`;
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }, { authorization: `Bearer ${key}x` }]) {
      const r = await fetch(u, { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(typeof (await r.json() as any).error, 'string');
    }
    const missing = await fetch(`${srv.url}/api/v1/export/events?site_id=missing.example`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(missing.status, 404);
    const noSite = await fetch(`${srv.url}/api/v1/export/events`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(noSite.status, 400);
  });
});

describe('health', () => {
  test('health endpoints', async () => {
    const h = await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH });
    assert.equal(h.status, 200);
    const body = (await h.json()) as any;
    assert.equal(body.store.status, 'ok');
    assert.equal(body.store.kind, 'chdb');
    assert.equal(body.events_buffer.status, 'ok');
    assert.equal((await fetch(`${srv.url}/api/system/health/live`)).status, 200);
    assert.equal((await fetch(`${srv.url}/api/system/health/ready`)).status, 200);
  });

  test('operator views: without the metrics token the public port gives the verdict only; the admin socket gives all', async () => {
    const anonymous = await fetch(`${srv.url}/api/health`);
    assert.equal(anonymous.status, 200);
    assert.deepEqual(await anonymous.json(), { status: 'ok' });
    const wrong = await fetch(`${srv.url}/api/health`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    assert.deepEqual(await wrong.json(), { status: 'ok' });
    const m = await fetch(`${srv.url}/metrics`);
    assert.equal(m.status, 401);
    assert.match(((await m.json()) as { error: string }).error, /metrics token/);
    const http = await import('node:http');
    const viaSocket = (p: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http.get({ socketPath: `${srv.dataDir}/footfall.sock`, path: p }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        }).on('error', reject);
      });
    const sm = await viaSocket('/metrics');
    assert.equal(sm.status, 200);
    assert.match(sm.text, /^footfall_events_accepted_total/m);
    const sh = await viaSocket('/api/health');
    assert.equal(JSON.parse(sh.text).store.kind, 'chdb');
  });

  test('without a metrics token /metrics is not on the public port at all', async () => {
    const bare = await startServer({ env: { FOOTFALL_METRICS_TOKEN: '' } });
    try {
      const m = await fetch(`${bare.url}/metrics`, { headers: METRICS_AUTH });
      assert.equal(m.status, 404);
      assert.match(((await m.json()) as { error: string }).error, /admin socket/);
      assert.deepEqual(await (await fetch(`${bare.url}/api/health`, { headers: METRICS_AUTH })).json(), { status: 'ok' });
    } finally {
      await bare.stop();
    }
  });
});
