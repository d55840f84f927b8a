import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, exportRows, postEvent, serverForFile, type TestServer, METRICS_AUTH } from '../helpers/server.js';

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

let n = 0;
async function site(): Promise<string> {
  const d = `shield${++n}.example`;
  assert.equal((await cli(srv.dataDir, ['sites', 'add', d])).code, 0);
  return d;
}
async function shield(...args: string[]): Promise<void> {
  const r = await cli(srv.dataDir, ['shields', ...args]);
  assert.equal(r.code, 0, r.stderr);
}
const send = (d: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postEvent(srv.url, { n: 'pageview', u: `https://${d}/`, d, ...body }, headers);

test('IP blocklist (single, CIDR, v6) applies within a second of the CLI command', async () => {
  const d = await site();
  await shield('add', d, 'ip', '203.0.113.7');
  await shield('add', d, 'ip', '198.51.100.0/24');
  await shield('add', d, 'ip', '2001:db8::/32');
  for (const ip of ['203.0.113.7', '198.51.100.200', '2001:db8::42']) {
    const r = await send(d, {}, { 'x-forwarded-for': ip });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-plausible-dropped'), '1', ip);
  }
  assert.equal((await send(d, {}, { 'x-forwarded-for': '203.0.113.8' })).headers.get('x-plausible-dropped'), null);
  assert.equal((await exportRows(srv.url, key, 'events', d)).length, 1);
  await shield('remove', d, 'ip', '203.0.113.7');
  assert.equal((await send(d, {}, { 'x-forwarded-for': '203.0.113.7' })).headers.get('x-plausible-dropped'), null);
});

test('page blocklist and hostname allowlist', async () => {
  const d = await site();
  await shield('add', d, 'page', '/admin*');
  assert.equal((await send(d, { u: `https://${d}/admin/users` })).headers.get('x-plausible-dropped'), '1');
  assert.equal((await send(d, { u: `https://${d}/blog` })).headers.get('x-plausible-dropped'), null);
  await shield('add', d, 'hostname', d);
  await shield('add', d, 'hostname', `*.${d}`);
  assert.equal((await send(d, { u: `https://staging-copy.net/` })).headers.get('x-plausible-dropped'), '1');
  assert.equal((await send(d, { u: `https://docs.${d}/` })).headers.get('x-plausible-dropped'), null);
  const list = JSON.parse((await cli(srv.dataDir, ['shields', 'list', d, '--json'])).stdout) as Array<{ kind: string; value: string }>;
  assert.deepEqual(list.map((r) => `${r.kind} ${r.value}`).sort(), [`hostname *.${d}`, `hostname ${d}`, 'page /admin*']);
});

test('location from the IP; country blocklist', async () => {
  const d = await site();
  assert.equal((await send(d, {}, { 'x-forwarded-for': '81.2.69.142' })).status, 202);
  assert.equal((await send(d, {}, { 'x-forwarded-for': '2a00:1450:4001:800::200e' })).status, 202);
  assert.equal((await send(d, {}, { 'x-forwarded-for': '192.168.1.20' })).status, 202);
  const rows = await exportRows(srv.url, key, 'events', d);
  const places = rows.map((r) => `${r.country_code} ${r.subdivision1_code} ${r.city_geoname_id}`).sort();
  assert.deepEqual(places, ['  0', 'DE DE-HE 2925533', 'GB GB-ENG 2643743']);
  for (const r of rows) assert.ok(!JSON.stringify(r).includes('81.2.69.142'), 'the IP is never stored');
  await shield('add', d, 'country', 'gb');
  assert.equal((await send(d, {}, { 'x-forwarded-for': '81.2.69.142' })).headers.get('x-plausible-dropped'), '1');
  assert.equal((await send(d, {}, { 'x-forwarded-for': '2a00:1450:4001:800::200e' })).headers.get('x-plausible-dropped'), null);
});

test('bad shields are refused with a message', async () => {
  const d = await site();
  const bad = await cli(srv.dataDir, ['shields', 'add', d, 'ip', '300.1.1.1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not an IP/);
  const kind = await cli(srv.dataDir, ['shields', 'add', d, 'planet', 'mars']);
  assert.equal(kind.code, 1);
  const none = await cli(srv.dataDir, ['shields', 'add', 'nosuch.example', 'ip', '1.2.3.4']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no site/);
});

test('rate limit: burst, 429 with Retry-After, per-site isolation, per-site setting', async () => {
  const a = await site();
  const b = await site();
  assert.equal((await cli(srv.dataDir, ['sites', 'rate-limit', a, '--per-minute', '60', '--burst', '5'])).code, 0);
  const statuses: number[] = [];
  let retryAfter = '';
  for (let i = 0; i < 7; i++) {
    const r = await send(a);
    statuses.push(r.status);
    if (r.status === 429) {
      retryAfter = r.headers.get('retry-after') ?? '';
      assert.ok(JSON.parse(r.text).errors.request[0]);
    }
  }
  assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429]);
  assert.match(retryAfter, /^[1-9]\d*$/);
  assert.equal((await send(b)).status, 202, 'another site is not limited');
  assert.equal((await exportRows(srv.url, key, 'events', a)).length, 5);
  // refill: one token a second
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await send(a)).status, 202);
  // the default: a burst of 120, refilled at 10 a second (however long the 125 requests take on a busy machine)
  const c = await site();
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: 125 }, () => send(c)));
  const seconds = (Date.now() - t0) / 1000;
  const accepted = results.filter((r) => r.status === 202).length;
  assert.ok(accepted >= 120 && accepted <= 120 + Math.ceil(seconds * 10) + 1, `${accepted} accepted in ${seconds} s`);
  assert.ok(results.every((r) => r.status === 202 || r.status === 429));
});

test('GET /metrics: Prometheus text with accepted, dropped by reason, rate-limited, buffer, insert and stage timings', async () => {
  const d = await site();
  await send(d);
  await send(d, {}, { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' });
  await exportRows(srv.url, key, 'events', d); // forces an insert
  const r = await fetch(`${srv.url}/metrics`, { headers: METRICS_AUTH });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
  const text = await r.text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  assert.ok(value(/^footfall_events_accepted_total (\d+)/m) >= 1);
  assert.ok(value(/^footfall_events_dropped_total\{reason="bot"\} (\d+)/m) >= 1);
  assert.ok(value(/^footfall_events_dropped_total\{reason="ip_blocklist"\} (\d+)/m) >= 3);
  assert.ok(value(/^footfall_events_rate_limited_total (\d+)/m) >= 2);
  assert.match(text, /^footfall_buffer_rows\{table="events"\} \d+/m);
  assert.ok(value(/^footfall_insert_duration_seconds_count\{table="events"\} (\d+)/m) >= 1);
  for (const stage of ['bots', 'shields', 'source', 'device', 'country_shield']) {
    assert.match(text, new RegExp(`^footfall_stage_seconds_total\\{stage="${stage}"\\} [0-9.e-]+`, 'm'), stage);
  }
  assert.match(text, /^footfall_process_resident_memory_bytes \d+/m);
});
