import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cli, exportRows, postEvent, startServer, tempDir, type TestServer } from '../helpers/server.js';

describe('CLI with the server running', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ env: { FOOTFALL_FLUSH_INTERVAL_MS: '200' } });
  });
  after(async () => {
    await srv?.stop();
  });

  test('sites add: the running server accepts the site within a second', async () => {
    const before = await postEvent(srv.url, { n: 'pageview', u: 'https://Fresh.Example/' });
    assert.equal(before.headers.get('x-plausible-dropped'), '1');
    const r = await cli(srv.dataDir, ['sites', 'add', 'WWW.Fresh.Example', '--timezone', 'Europe/Tallinn']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /added fresh\.example \(id \d+, time zone Europe\/Tallinn, team \d+\)/);
    const t0 = Date.now();
    const after = await postEvent(srv.url, { n: 'pageview', u: 'https://fresh.example/' });
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(after.status, 202);
    assert.equal(after.headers.get('x-plausible-dropped'), null);
  });

  test('sites list, duplicate and invalid input', async () => {
    await cli(srv.dataDir, ['sites', 'add', 'listed.example']);
    const list = await cli(srv.dataDir, ['sites', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /listed\.example\s+Etc\/UTC/);
    const json = JSON.parse((await cli(srv.dataDir, ['sites', 'list', '--json'])).stdout) as Array<{ domain: string }>;
    assert.ok(json.some((s) => s.domain === 'listed.example'));
    const dup = await cli(srv.dataDir, ['sites', 'add', 'listed.example']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const bad = await cli(srv.dataDir, ['sites', 'add', 'not a domain']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a valid domain/);
    const tz = await cli(srv.dataDir, ['sites', 'add', 'tz.example', '--timezone', 'Mars/Olympus']);
    assert.equal(tz.code, 1);
    assert.match(tz.stderr, /unknown time zone/);
    const usage = await cli(srv.dataDir, ['sites', 'frobnicate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: footfall/);
  });

  test('keys create prints a working key once; list never shows it; revoke disables it', async () => {
    await cli(srv.dataDir, ['sites', 'add', 'keyed.example']);
    const created = await cli(srv.dataDir, ['keys', 'create', '--name', 'ci export']);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^ff_[A-Za-z0-9_-]{43}$/);
    assert.equal((await exportRows(srv.url, key, 'events', 'keyed.example')).length, 0);
    const list = await cli(srv.dataDir, ['keys', 'list', '--json']);
    assert.ok(!list.stdout.includes(key));
    const info = (JSON.parse(list.stdout) as Array<{ id: number; name: string; prefix: string }>).find((k) => k.name === 'ci export');
    assert.ok(info);
    assert.ok(key.startsWith(info.prefix));
    const revoked = await cli(srv.dataDir, ['keys', 'revoke', String(info.id)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const r = await fetch(`${srv.url}/api/v1/export/events?site_id=keyed.example`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.status, 401);
  });

  test('export events prints the same lines as the HTTP export', async () => {
    await cli(srv.dataDir, ['sites', 'add', 'exported.example']);
    for (let i = 0; i < 5; i++) await postEvent(srv.url, { n: 'pageview', u: `https://exported.example/${i}` });
    const key = (await cli(srv.dataDir, ['keys', 'create', '--name', 'x'])).stdout.trim();
    const viaHttp = await exportRows(srv.url, key, 'events', 'exported.example');
    const viaCli = await cli(srv.dataDir, ['export', 'events', '--site', 'exported.example']);
    assert.equal(viaCli.code, 0, viaCli.stderr);
    const lines = viaCli.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    const key2 = (r: any) => `${r.timestamp} ${r.pathname}`;
    assert.deepEqual(lines.map(key2).sort(), viaHttp.map(key2).sort());
    const missing = await cli(srv.dataDir, ['export', 'events', '--site', 'missing.example']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no site/);
  });

  test('sites remove: the server drops its events from then on', async () => {
    await cli(srv.dataDir, ['sites', 'add', 'gone.example']);
    assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://gone.example/' })).headers.get('x-plausible-dropped'), null);
    const r = await cli(srv.dataDir, ['sites', 'remove', 'gone.example']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://gone.example/' })).headers.get('x-plausible-dropped'), '1');
    const again = await cli(srv.dataDir, ['sites', 'remove', 'gone.example']);
    assert.equal(again.code, 1);
  });
});

describe('CLI with no server running', () => {
  test('opens the store itself; the server later sees what it did', async () => {
    const dataDir = tempDir();
    assert.equal((await cli(dataDir, ['sites', 'add', 'offline.example'])).code, 0);
    const key = (await cli(dataDir, ['keys', 'create', '--name', 'offline'])).stdout.trim();
    const srv = await startServer({ dataDir });
    try {
      assert.equal((await postEvent(srv.url, { n: 'pageview', u: 'https://offline.example/a' })).headers.get('x-plausible-dropped'), null);
      assert.equal((await exportRows(srv.url, key, 'events', 'offline.example')).length, 1);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
    const exported = await cli(dataDir, ['export', 'events', '--site', 'offline.example']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.trim().split('\n').length, 1);
    assert.equal(JSON.parse(exported.stdout).pathname, '/a');
    const list = await cli(dataDir, ['sites', 'list']);
    assert.match(list.stdout, /offline\.example/);
  });
});
