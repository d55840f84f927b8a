import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { cli, startServer, tempDir } from '../helpers/server.js';

const PASSWORD = 'a long enough password';

test("a fresh server: the owner account is made in the browser with the one-time token of the server's log", async () => {
  const srv = await startServer();
  try {
    const post = (p: string, body: unknown) => fetch(`${srv.url}/api/dashboard/${p}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify(body) });
    assert.deepEqual(await (await fetch(`${srv.url}/api/dashboard/me`)).json(), { email: null, setup: true });
    const token = /login\?setup=([A-Za-z0-9_-]+)/.exec(srv.logs())?.[1];
    assert.ok(token, 'the log has the link');
    assert.match(srv.logs(), /first run: no account yet/);
    const wrong = await post('setup', { token: 'guessed', email: 'me@first.test', password: PASSWORD });
    assert.equal(wrong.status, 403);
    const ok = await post('setup', { token, email: 'Me@First.test', password: PASSWORD });
    assert.equal(ok.status, 201, await ok.clone().text());
    const cookie = ok.headers.getSetCookie().find((c) => c.startsWith('ff_session='))!.split(';')[0]!;
    assert.deepEqual(await (await fetch(`${srv.url}/api/dashboard/me`, { headers: { cookie } })).json(), { email: 'me@first.test' });
    assert.deepEqual(await (await fetch(`${srv.url}/api/dashboard/me`)).json(), { email: null }, 'no setup once an account exists');
    assert.equal((await post('setup', { token, email: 'other@first.test', password: PASSWORD })).status, 409, 'once only');
    // the first account owns the sites it adds, and the operator's
    const site = await fetch(`${srv.url}/api/dashboard/sites`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url, cookie }, body: JSON.stringify({ domain: 'first.test' }) });
    assert.equal(((await site.json()) as { role: string }).role, 'owner');
  } finally {
    await srv.stop();
  }
});

test('a server whose first account came from the CLI prints no setup token', async () => {
  const dir = tempDir();
  assert.equal((await cli(dir, ['users', 'add', 'cli@first.test'])).code, 0);
  const srv = await startServer({ dataDir: dir });
  try {
    assert.doesNotMatch(srv.logs(), /setup=/);
    assert.deepEqual(await (await fetch(`${srv.url}/api/dashboard/me`)).json(), { email: null });
  } finally {
    await srv.stop();
  }
});

test('the CLI refuses a data directory that does not exist (a shell without the server\'s FOOTFALL_DATA_DIR), and says when no server runs', async () => {
  const missing = path.join(tempDir(), 'not-there');
  const r = await cli(missing, ['sites', 'list']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no data directory at .*not-there and no server running on it: set FOOTFALL_DATA_DIR/);
  const existing = tempDir();
  const l = await cli(existing, ['sites', 'list']);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stderr, /no server is running on .*; working on its store directly/);
});
