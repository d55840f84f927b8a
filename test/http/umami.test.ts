import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BROWSER_UA, admin, cli, exportRows, startServer, type TestServer } from '../helpers/server.js';

/** Umami's collection API (`/api/send`, `/api/batch`) with Umami's request and answer shapes, black-box. */
const WEBSITE = '4f1a3c2e-8d7b-4e6f-9a0b-1c2d3e4f5a6b';
const SITE = 'umami.example';

describe("Umami's /api/send and /api/batch", () => {
  let srv: TestServer;
  let key: string;
  const send = (body: unknown, ua = BROWSER_UA, path = '/api/send') =>
    fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': ua, 'x-forwarded-for': '81.2.69.142' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const payload = (extra: Record<string, unknown> = {}) => ({ website: WEBSITE, hostname: SITE, screen: '1920x1080', language: 'en-US', title: 'Home', url: `https://${SITE}/pricing?utm_source=newsletter`, referrer: 'https://www.google.com/search?q=x', ...extra });
  before(async () => {
    srv = await startServer();
    const r = await cli(srv.dataDir, ['sites', 'add', SITE, '--umami-id', WEBSITE.toUpperCase()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`takes Umami's tracker events for website ${WEBSITE}`));
    key = (await admin(srv.dataDir, 'POST', '/admin/keys', { name: 'umami test' })).data.key as string;
  });
  after(async () => {
    await srv?.stop();
  });

  test('a pageview and a custom event with data: 200 with a cache token, stored as Plausible events', async () => {
    const r = await send({ type: 'event', payload: payload() });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const body = (await r.json()) as { cache: string; sessionId: string; visitId: string };
    assert.match(body.cache, /^[A-Za-z0-9_-]{20,}$/);
    assert.match(body.sessionId, /^[0-9a-f-]{36}$/);
    assert.match(body.visitId, /^[0-9a-f-]{36}$/);
    // an old tracker's path-only url, and a custom event with nested data
    const ev = await send({ type: 'event', payload: payload({ url: '/docs', referrer: '', name: 'Signup', data: { plan: 'pro', seats: 3, nested: { a: true } }, tag: 'beta' }) });
    assert.equal(ev.status, 200);
    const rows = await exportRows(srv.url, key, 'events', SITE);
    assert.equal(rows.length, 2);
    const pv = rows.find((x) => x.name === 'pageview')!;
    // (utm_source names the source before the referrer, as Plausible)
    assert.deepEqual([pv.hostname, pv.pathname, pv.utm_source, pv.referrer_source, pv.browser, pv.country_code], [SITE, '/pricing', 'newsletter', 'newsletter', 'Chrome', 'GB']);
    const signup = rows.find((x) => x.name === 'Signup')!;
    assert.equal(signup.pathname, '/docs');
    assert.deepEqual(Object.fromEntries((signup['meta.key'] as string[]).map((k, i) => [k, (signup['meta.value'] as string[])[i]])), { plan: 'pro', seats: '3', 'nested.a': 'true', tag: 'beta' });
    // one visitor, one visit
    assert.equal(pv.user_id, signup.user_id);
    assert.equal(pv.session_id, signup.session_id);
  });

  test("Umami's refusals: bots beep, unknown websites and bad bodies are 400; identify is accepted and stores nothing", async () => {
    const bot = await send({ type: 'event', payload: payload() }, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
    assert.equal(bot.status, 200);
    assert.deepEqual(await bot.json(), { beep: 'boop' });
    const unknown = await send({ type: 'event', payload: payload({ website: '00000000-0000-4000-8000-000000000000' }) });
    assert.equal(unknown.status, 400);
    assert.deepEqual(await unknown.json(), { error: { message: 'Website not found.', code: 'bad-request', status: 400 } });
    for (const bad of ['not json', '[]', JSON.stringify({ type: 'event' }), JSON.stringify({ type: 'nope', payload: payload() }), JSON.stringify({ type: 'event', payload: { ...payload(), website: 'x' } }), JSON.stringify({ type: 'event', payload: { ...payload(), name: 'n'.repeat(51) } })]) {
      const r = await send(bad);
      assert.equal(r.status, 400, bad);
      const b = (await r.json()) as { error: { message: string; code: string; status: number } };
      assert.deepEqual([b.error.message, b.error.code, b.error.status], ['Bad request', 'bad-request', 400], bad);
    }
    const id = await send({ type: 'identify', payload: { ...payload(), id: 'user-1', data: { plan: 'pro' } } });
    assert.equal(id.status, 200);
    assert.equal((await exportRows(srv.url, key, 'events', SITE)).length, 2);
    const pre = await fetch(`${srv.url}/api/send`, { method: 'OPTIONS', headers: { origin: 'https://umami.example', 'access-control-request-headers': 'content-type, x-umami-cache' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-headers'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, DELETE, POST, PUT');
    assert.equal((await fetch(`${srv.url}/api/send`)).status, 405);
  });

  test('/api/batch: each item answered as /api/send; failures listed with their index', async () => {
    const r = await send([{ type: 'event', payload: payload({ url: '/a' }) }, { type: 'event', payload: payload({ url: '/b' }) }, { type: 'event', payload: payload({ website: '00000000-0000-4000-8000-000000000000' }) }], BROWSER_UA, '/api/batch');
    assert.equal(r.status, 200);
    const b = (await r.json()) as { size: number; processed: number; errors: number; details: Array<{ index: number; response: { error: { message: string } } }>; cache: string };
    assert.deepEqual([b.size, b.processed, b.errors, b.details.map((d) => [d.index, d.response.error.message])], [3, 2, 1, [[2, 'Website not found.']]]);
    assert.ok(b.cache);
    const paths = (await exportRows(srv.url, key, 'events', SITE)).map((x) => x.pathname).sort();
    assert.deepEqual(paths, ['/a', '/b', '/docs', '/pricing']);
    assert.equal((await send({ no: 'array' }, BROWSER_UA, '/api/batch')).status, 400);
  });

  test('the website id: a UUID, one site each, settable later and cleared', async () => {
    const bad = await cli(srv.dataDir, ['sites', 'umami-id', SITE, 'not-a-uuid']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /an Umami website id is a UUID/);
    await cli(srv.dataDir, ['sites', 'add', 'other.example']);
    const taken = await cli(srv.dataDir, ['sites', 'umami-id', 'other.example', WEBSITE]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /belongs to umami\.example already/);
    const cleared = await cli(srv.dataDir, ['sites', 'umami-id', SITE, '']);
    assert.match(cleared.stdout, /umami\.example has no Umami website id/);
    assert.equal((await send({ type: 'event', payload: payload() })).status, 400);
    assert.match((await cli(srv.dataDir, ['sites', 'umami-id', 'other.example', WEBSITE])).stdout, /other\.example takes/);
    const list = JSON.parse((await cli(srv.dataDir, ['sites', 'list', '--json'])).stdout) as Array<{ domain: string; umamiId: string }>;
    assert.equal(list.find((s) => s.domain === 'other.example')!.umamiId, WEBSITE);
  });
});
