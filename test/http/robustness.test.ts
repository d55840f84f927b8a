import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { exportRows, newSite, postEvent, serverForFile, type TestServer, METRICS_AUTH } from '../helpers/server.js';

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

const PARSE = { errors: { request: ['Unable to parse request body as json'] } };

/** Raw request with full control over headers and body chunks; resolves with status and body. */
function raw(opts: { headers?: Record<string, string | number>; chunks: Array<Buffer | string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${srv.url}/api/event`, { method: 'POST', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of opts.chunks) req.write(c);
    req.end();
  });
}

const malformed: Array<[string, string | Buffer]> = [
  ['empty body', ''],
  ['invalid JSON', '{"n":"pageview",'],
  ['an array', '[{"n":"pageview"}]'],
  ['a string', '"pageview"'],
  ['a number', '42'],
  ['null', 'null'],
  ['trailing garbage', '{"n":"x"} {"n":"y"}'],
  ['non-UTF-8 bytes', Buffer.concat([Buffer.from('{"n":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","u":"https://e.com/","d":"e.com"}')])],
  ['deeply nested arrays', '['.repeat(200_000) + ']'.repeat(200_000)],
  ['an unterminated deep nest', '{"a":['.repeat(150_000)],
];
for (const [what, body] of malformed) {
  test(`${what} → 400 with a JSON error`, async () => {
    const r = await postEvent(srv.url, body);
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), PARSE);
  });
}

test('a deeply nested (valid) object → 400 naming the missing fields', async () => {
  const r = await postEvent(srv.url, '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys(JSON.parse(r.text).errors).sort(), ['domain', 'event_name', 'url']);
});

const wrongTypes: Array<[string, unknown]> = [
  ['name is an object', { n: { x: 1 }, u: 'https://e.com/', d: 'e.com' }],
  ['name is a float', { n: 1.5, u: 'https://e.com/', d: 'e.com' }],
  ['name is a boolean', { n: true, u: 'https://e.com/', d: 'e.com' }],
  ['url is an array', { n: 'x', u: ['https://e.com/'], d: 'e.com' }],
  ['url is an object', { n: 'x', u: { href: 'https://e.com/' }, d: 'e.com' }],
  ['hash mode is an object', { n: 'x', u: 'https://e.com/', d: 'e.com', h: {} }],
];
for (const [what, body] of wrongTypes) {
  test(`${what} → 400 naming the field`, async () => {
    const r = await postEvent(srv.url, body);
    assert.equal(r.status, 400, r.text);
    const errors = JSON.parse(r.text).errors as Record<string, string[]>;
    assert.ok(Object.keys(errors).length > 0);
    for (const msgs of Object.values(errors)) for (const m of msgs) assert.equal(typeof m, 'string');
  });
}

test('wrong types in optional fields are ignored, the event kept', async () => {
  const site = await newSite(srv.dataDir);
  const r = await postEvent(srv.url, { n: 'x', u: `https://${site}/`, d: site, r: 5, p: 7, $: 'lots', i: 'maybe', v: 'nine', sd: [], e: {} });
  assert.equal(r.status, 202, r.text);
  const rows = await exportRows(srv.url, key, 'events', site);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.interactive, 1);
  assert.equal(rows[0]!.tracker_script_version, 0);
});

test('a domain that is not a string is ignored as if absent: the url’s host is the site (Plausible)', async () => {
  const site = await newSite(srv.dataDir);
  for (const d of [12, [site], { a: 1 }]) {
    const r = await postEvent(srv.url, { n: 'x', u: `https://${site}/d`, d });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.headers.get('x-plausible-dropped'), null, 'recorded for the url’s site');
  }
  assert.equal((await exportRows(srv.url, key, 'events', site)).length, 3);
});

test('a form-encoded body is accepted; a 404 event gets the page as its path prop', async () => {
  const site = await newSite(srv.dataDir);
  const form = new URLSearchParams({ n: '404', u: `https://${site}/gone?x=1`, d: site, p: JSON.stringify({ from: 'form' }) }).toString();
  const r = await postEvent(srv.url, form, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 202, r.text);
  const [row] = await exportRows(srv.url, key, 'events', site);
  assert.equal(row!.name, '404');
  assert.deepEqual([row!['meta.key'], row!['meta.value']], [['path', 'from'], ['/gone', 'form']]);
});

test('a body over the limit with Content-Length → 413 without reading it', async () => {
  const r = await raw({ headers: { 'content-type': 'application/json', 'content-length': 5_000_000 }, chunks: ['{"n":"x"'] });
  assert.equal(r.status, 413);
  assert.match(JSON.parse(r.body).errors.request[0], /too large/);
});

test('a chunked body that grows over the limit → 413', async () => {
  const big = Buffer.alloc(256 * 1024, 'a');
  const r = await raw({ headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks: ['{"n":"', big, big, big, big, big, '"}'] }).catch(
    (err: Error) => ({ status: -1, body: err.message }),
  );
  // The server answers 413 and closes; the client may see the answer or a reset while still sending.
  assert.ok(r.status === 413 || r.status === -1, `got ${r.status}`);
  const health = await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH });
  assert.equal(health.status, 200);
});

test('a body just under the limit is parsed (and its big prop refused with 400, not 413)', async () => {
  const body = JSON.stringify({ n: 'x', u: 'https://e.com/', d: 'e.com', p: { k: 'v'.repeat(990_000) } });
  const r = await postEvent(srv.url, body);
  assert.equal(r.status, 400);
});

test('NUL bytes, lone surrogates and emoji are stored without poisoning the batch', async () => {
  const site = await newSite(srv.dataDir);
  const names = ['nul\u0000byte', 'lone\ud800surrogate', 'emoji 😀', 'quote\'"\\back'];
  for (const n of names) assert.equal((await postEvent(srv.url, { n, u: `https://${site}/`, d: site, p: { k: n } })).status, 202);
  const rows = await exportRows(srv.url, key, 'events', site);
  assert.deepEqual(rows.map((r) => r.name).sort(), ['nul\u0000byte', 'lone\ufffdsurrogate', 'emoji 😀', 'quote\'"\\back'].sort());
  const health = (await (await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH })).json()) as any;
  assert.equal(health.events_buffer.status, 'ok');
});

test('many concurrent bad requests leave the server healthy', async () => {
  const bodies = [...malformed.map(([, b]) => b), ...wrongTypes.map(([, b]) => JSON.stringify(b))];
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => postEvent(srv.url, bodies[i % bodies.length]!)));
  for (const r of results) assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  assert.equal((await fetch(`${srv.url}/api/system/health/live`)).status, 200);
  assert.equal(srv.proc.exitCode, null);
});

test('malformed HTTP gets 400 and the server lives on', async () => {
  const net = await import('node:net');
  const answer = await new Promise<string>((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => s.write('THIS IS NOT HTTP\r\n\r\n'));
    let data = '';
    s.on('data', (c) => (data += c.toString()));
    s.on('close', () => resolve(data));
  });
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.equal((await fetch(`${srv.url}/api/system/health/live`)).status, 200);
});
