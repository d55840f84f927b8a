import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { CLI, admin, cli, newSite, postEvent, serverForFile, startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let key: string;
serverForFile((s, k) => {
  srv = s;
  key = k;
});

const PASSWORD = 'a long enough password';

/** A request as the dashboard page makes it: same-origin, JSON. */
async function dash(path: string, opts: { method?: string; body?: unknown; cookie?: string; origin?: string | null; share?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.origin !== null && (opts.method ?? 'GET') !== 'GET') headers.origin = opts.origin ?? srv.url;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.share) headers['x-footfall-share'] = opts.share;
  const res = await fetch(`${srv.url}/api/dashboard/${path}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
}

/** A user who owns the server's default team (where the sites of newSite go), as every user did before teams. */
async function addUser(email: string): Promise<void> {
  const r = await admin(srv.dataDir, 'POST', '/admin/users', { email, password: PASSWORD });
  assert.equal(r.status, 201, JSON.stringify(r.data));
  if (r.data.team) return;
  const m = await admin(srv.dataDir, 'POST', '/admin/op/members-add', { domain: await newSite(srv.dataDir), email, role: 'owner' });
  assert.equal(m.status, 200, JSON.stringify(m.data));
}

async function login(email: string): Promise<string> {
  const r = await dash('login', { method: 'POST', body: { email, password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const c = r.headers.get('set-cookie')!;
  return c.split(';')[0]!;
}

function runCli(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FOOTFALL_DATA_DIR: srv.dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

test('users CLI: a generated password is printed once and works; stdin passwords; list; reset ends logins; remove', async () => {
  const add = await cli(srv.dataDir, ['users', 'add', 'Ada@Example.com']);
  assert.equal(add.code, 0, add.stderr);
  const generated = add.stdout.trim();
  assert.match(generated, /^[A-Za-z0-9_-]{24}$/);
  const ok = await dash('login', { method: 'POST', body: { email: 'ada@example.com', password: generated } });
  assert.equal(ok.status, 200);
  const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
  assert.deepEqual((await dash('me', { cookie })).body, { email: 'ada@example.com' });

  assert.equal((await cli(srv.dataDir, ['users', 'add', 'ada@example.com'])).code, 1, 'a second user with the same email is refused');
  const piped = await runCli(['users', 'add', 'bob@example.com', '--password-stdin'], 'bob password 123\n');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.trim(), 'added user bob@example.com');
  assert.equal((await dash('login', { method: 'POST', body: { email: 'bob@example.com', password: 'bob password 123' } })).status, 200);
  assert.equal((await runCli(['users', 'add', 'carol@example.com', '--password-stdin'], 'short\n')).code, 1, 'passwords under 8 characters are refused');

  const list = await cli(srv.dataDir, ['users', 'list', '--json']);
  const emails = (JSON.parse(list.stdout) as Array<{ email: string; passwordHash?: string }>).map((u) => u.email);
  assert.ok(emails.includes('ada@example.com') && emails.includes('bob@example.com'));
  assert.ok(!list.stdout.includes('scrypt'), 'no password hashes are listed');

  const reset = await runCli(['users', 'reset-password', 'ada@example.com', '--password-stdin'], 'a brand new password\n');
  assert.equal(reset.code, 0, reset.stderr);
  assert.deepEqual((await dash('me', { cookie })).body, { email: null }, 'the old login ended with the reset');
  assert.equal((await dash('login', { method: 'POST', body: { email: 'ada@example.com', password: generated } })).status, 401);
  assert.equal((await dash('login', { method: 'POST', body: { email: 'ada@example.com', password: 'a brand new password' } })).status, 200);
  assert.equal((await cli(srv.dataDir, ['users', 'remove', 'bob@example.com'])).code, 0);
  assert.equal((await dash('login', { method: 'POST', body: { email: 'bob@example.com', password: 'bob password 123' } })).status, 401);
});

test('the login cookie is HttpOnly and SameSite=Lax; Secure only over https through a trusted proxy; logout ends it', async () => {
  await addUser('cookie@example.com');
  const r = await dash('login', { method: 'POST', body: { email: 'cookie@example.com', password: PASSWORD } });
  const [c, device] = r.headers.getSetCookie();
  assert.match(c!, /^ff_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
  assert.match(device!, /^ff_device=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax$/);
  const forwarded = await dash('login', { method: 'POST', body: { email: 'cookie@example.com', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
  assert.doesNotMatch(forwarded.headers.get('set-cookie')!, /Secure/, 'X-Forwarded-Proto is not believed by default');
  // believed from any peer with FOOTFALL_TRUST_FORWARDED_PROTO=on, and from a trusted proxy whenever proxies are set
  for (const env of [{ FOOTFALL_TRUST_FORWARDED_PROTO: 'on' }, { FOOTFALL_TRUSTED_PROXIES: '127.0.0.1' }] as Array<Record<string, string>>) {
    const trusting = await startServer({ env });
    try {
      assert.equal((await admin(trusting.dataDir, 'POST', '/admin/users', { email: 'tls@example.com', password: PASSWORD })).status, 201);
      const res = await fetch(`${trusting.url}/api/dashboard/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: trusting.url, 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ email: 'tls@example.com', password: PASSWORD }),
      });
      assert.equal(res.status, 200);
      for (const sc of res.headers.getSetCookie()) assert.match(sc, /; Secure$/, JSON.stringify(env));
    } finally {
      await trusting.stop();
    }
  }
  const untrusted = await startServer({ env: { FOOTFALL_TRUSTED_PROXIES: '10.0.0.1' } });
  try {
    assert.equal((await admin(untrusted.dataDir, 'POST', '/admin/users', { email: 'tls@example.com', password: PASSWORD })).status, 201);
    const res = await fetch(`${untrusted.url}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: untrusted.url, 'x-forwarded-proto': 'https' }, body: JSON.stringify({ email: 'tls@example.com', password: PASSWORD }) });
    assert.doesNotMatch(res.headers.get('set-cookie')!, /Secure/, 'a peer that is not a trusted proxy is not believed');
  } finally {
    await untrusted.stop();
  }
  const cookie = c!.split(';')[0]!;
  assert.equal((await dash('sites', { cookie })).status, 200);
  const out = await dash('logout', { method: 'POST', body: {}, cookie });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie')!, /^ff_session=; Path=\/; Max-Age=0;/);
  assert.equal((await dash('sites', { cookie })).status, 401, 'the token itself is dead, not only the cookie');
});

test('state-changing requests from another origin, or without one, are refused (CSRF)', async () => {
  await addUser('csrf@example.com');
  const cookie = await login('csrf@example.com');
  const domain = await newSite(srv.dataDir);
  const change = { site: domain, action: 'public', public: true };
  assert.equal((await dash('settings', { method: 'POST', body: change, cookie, origin: 'https://evil.example' })).status, 403);
  assert.equal((await dash('settings', { method: 'POST', body: change, cookie, origin: null })).status, 403);
  assert.equal((await dash('settings', { method: 'POST', body: change, cookie, origin: null, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  const form = await fetch(`${srv.url}/api/dashboard/settings`, { method: 'POST', headers: { origin: srv.url, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'site=x' });
  assert.equal(form.status, 415, 'a form post (no preflight) is not JSON and is refused');
  assert.equal((await dash(`site?site=${domain}`)).status, 401, 'still private');
  assert.equal((await dash('settings', { method: 'POST', body: change, cookie })).status, 200);
  assert.equal((await dash(`site?site=${domain}`)).status, 200, 'public now: readable without a login');
});

test('query budgets: an anonymous flood of a public site gets 429s with Retry-After; a user is not held back by it', async () => {
  const own = await startServer();
  try {
    assert.equal((await admin(own.dataDir, 'POST', '/admin/users', { email: 'budget@example.com', password: PASSWORD })).status, 201);
    const domain = 'budget.example';
    assert.equal((await admin(own.dataDir, 'POST', '/admin/sites', { domain })).status, 201);
    const post = async (path: string, body: unknown, cookie?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', origin: own.url };
      if (cookie) headers.cookie = cookie;
      const res = await fetch(`${own.url}/api/dashboard/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), cookies: res.headers.getSetCookie() };
    };
    const loggedIn = await post('login', { email: 'budget@example.com', password: PASSWORD });
    const cookie = loggedIn.cookies[0]!.split(';')[0]!;
    assert.equal((await post('settings', { site: domain, action: 'public', public: true }, cookie)).status, 200);
    const q = { site_id: domain, metrics: ['visitors'], date_range: 'day' };
    const batch = { queries: Array.from({ length: 50 }, () => q) };
    const first = (await post('batch', batch)).text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: number; body: { retry_after?: number; error?: string } });
    assert.ok(first.filter((l) => l.status === 200).length >= 40, 'a burst of queries is answered');
    const second = (await post('batch', batch)).text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: number; body: { retry_after?: number; error?: string } });
    const refusedLine = second.find((l) => l.status === 429);
    assert.ok(refusedLine, 'past the budget, queries are refused');
    assert.match(refusedLine.body.error!, /Too many queries for now .* try again in \d+ s/);
    assert.ok(Number(refusedLine.body.retry_after) >= 1);
    // requests keep coming: the requester's own budget runs out, and whole requests get 429 before their body is read
    let whole: { status: number; retryAfter: string | null } | undefined;
    for (let i = 0; i < 40 && !whole; i++) {
      const r = await post('query', q);
      if (r.status === 429 && r.retryAfter) whole = r;
      else assert.ok([200, 429].includes(r.status), String(r.status));
    }
    assert.ok(whole, 'a 429 with Retry-After for the request');
    assert.ok(Number(whole.retryAfter) >= 1);
    // the site's user queries through its own budget
    assert.equal((await post('query', q, cookie)).status, 200);
  } finally {
    await own.stop();
  }
});

test('login limits behind a proxy: per visitor, and per account a short slowdown that a known browser skips', async () => {
  const proxied = await startServer({ env: { FOOTFALL_LOGIN_ATTEMPTS: '3', FOOTFALL_TRUSTED_PROXIES: '127.0.0.1' } });
  try {
    assert.equal((await admin(proxied.dataDir, 'POST', '/admin/users', { email: 'owner@example.com', password: PASSWORD })).status, 201);
    const attempt = async (from: string, password: string, cookie?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', origin: proxied.url, 'x-forwarded-for': from };
      if (cookie) headers.cookie = cookie;
      const res = await fetch(`${proxied.url}/api/dashboard/login`, { method: 'POST', headers, body: JSON.stringify({ email: 'owner@example.com', password }) });
      await res.text();
      return { status: res.status, retryAfter: Number(res.headers.get('retry-after')), cookies: res.headers.getSetCookie() };
    };
    // the owner logs in once from home: that browser gets its device cookie
    const home = await attempt('203.0.113.7', PASSWORD);
    assert.equal(home.status, 200);
    const device = home.cookies.find((c) => c.startsWith('ff_device='))!.split(';')[0]!;
    // one visitor behind the proxy fails until it is locked out; the others are not (the budget is per visitor)
    for (let i = 0; i < 3; i++) assert.equal((await attempt('198.51.100.9', 'wrong password')).status, 401);
    const locked = await attempt('198.51.100.9', PASSWORD);
    assert.equal(locked.status, 429);
    assert.ok(locked.retryAfter > 800 && locked.retryAfter <= 900, String(locked.retryAfter));
    // guesses at the account from many addresses: the account slows down, never locks
    for (let i = 0; i < 6; i++) assert.ok([401, 429].includes((await attempt(`198.51.100.${20 + i}`, 'wrong password')).status));
    const stranger = await attempt('192.0.2.50', PASSWORD);
    assert.equal(stranger.status, 429, 'a browser the account never logged in from waits');
    assert.ok(stranger.retryAfter >= 1 && stranger.retryAfter <= 60, `a short wait, not a lock-out: ${stranger.retryAfter} s`);
    const known = await attempt('192.0.2.51', PASSWORD, device);
    assert.equal(known.status, 200, 'the owner\'s own browser logs in at once');
    assert.equal((await attempt('192.0.2.52', PASSWORD, 'ff_device=forged-value')).status, 429, 'a forged device cookie is no device cookie');
  } finally {
    await proxied.stop();
  }
});

test('a user changes their own password: the current one is checked, other logins end, this one stays', async () => {
  await addUser('changer@example.com');
  const here = await login('changer@example.com');
  const elsewhere = await login('changer@example.com');
  const change = (current: string, password: string, cookie = here) => dash('password', { method: 'POST', body: { current, password }, cookie });
  assert.equal((await change('not the password', 'a new long password')).status, 403);
  assert.equal((await change(PASSWORD, 'short')).status, 400);
  assert.equal((await dash('password', { method: 'POST', body: { current: PASSWORD, password: 'a new long password' } })).status, 401, 'only a logged-in user');
  assert.equal((await change(PASSWORD, 'a new long password')).status, 200);
  assert.equal((await dash('sites', { cookie: here })).status, 200, 'this login stays');
  assert.equal((await dash('sites', { cookie: elsewhere })).status, 401, 'the other login ended');
  assert.equal((await dash('login', { method: 'POST', body: { email: 'changer@example.com', password: PASSWORD } })).status, 401);
  assert.equal((await dash('login', { method: 'POST', body: { email: 'changer@example.com', password: 'a new long password' } })).status, 200);
});

test('a malformed cookie is no cookie: the pages and the API answer as without one', async () => {
  for (const p of ['/', '/api/dashboard/sites', '/api/dashboard/access?site=x.example']) {
    const res = await fetch(`${srv.url}${p}`, { headers: { cookie: 'ff_session=%E0%A4%A; ff_share=%' } });
    assert.ok(res.status < 500, `${p}: ${res.status}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    await res.text();
  }
});

test('login attempts are limited per client, with Retry-After', async () => {
  const limited = await startServer({ env: { FOOTFALL_LOGIN_ATTEMPTS: '3' } });
  try {
    assert.equal((await admin(limited.dataDir, 'POST', '/admin/users', { email: 'limited@example.com', password: PASSWORD })).status, 201);
    const attempt = async (password: string) => {
      const res = await fetch(`${limited.url}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: limited.url }, body: JSON.stringify({ email: 'limited@example.com', password }) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
    };
    for (let i = 0; i < 3; i++) assert.equal((await attempt('wrong password')).status, 401);
    const r = await attempt(PASSWORD);
    assert.equal(r.status, 429, 'even the right password waits');
    assert.ok(Number(r.retryAfter) > 800 && Number(r.retryAfter) <= 900, String(r.retryAfter));
    assert.deepEqual(r.body, { error: 'Too many login attempts. Try again later.' });
  } finally {
    await limited.stop();
  }
});

test('without access, every data endpoint answers 401 with the same body whether the site exists or not', async () => {
  const domain = await newSite(srv.dataDir);
  const answers: string[] = [];
  for (const site of [domain, 'no-such-site.example', "x' OR 1=1"]) {
    const q = await dash('query', { method: 'POST', body: { site_id: site, metrics: ['visitors'], date_range: 'day' } });
    const s = await dash(`site?site=${encodeURIComponent(site)}`);
    const st = await dash(`settings?site=${encodeURIComponent(site)}`);
    const pk = await dash('prop-keys', { method: 'POST', body: { site_id: site, date_range: 'day' } });
    const a = await dash(`access?site=${encodeURIComponent(site)}`);
    for (const r of [q, s, st, pk]) assert.equal(r.status, 401);
    assert.deepEqual(a.body, { access: null });
    answers.push(JSON.stringify([q.body, s.body, st.body, pk.body]));
  }
  assert.equal(new Set(answers).size, 1, answers.join('\n'));
  assert.equal((await dash('sites')).status, 401);
  assert.equal((await dash('query', { method: 'POST', body: { site_id: domain, metrics: ['visitors'], date_range: 'day' }, share: 'forged-token' })).status, 401);
});

test('the dashboard query runs the Stats API engine: same answers as /api/v2/query, plus realtime ranges and minute buckets', async () => {
  await addUser('reader@example.com');
  const cookie = await login('reader@example.com');
  const domain = await newSite(srv.dataDir);
  for (const [ip, page] of [['10.1.0.1', '/'], ['10.1.0.2', '/a'], ['10.1.0.2', '/b']]) {
    assert.equal((await postEvent(srv.url, { n: 'pageview', u: `https://${domain}${page}`, d: domain }, { 'x-forwarded-for': ip! })).status, 202);
  }
  const body = { site_id: domain, metrics: ['visitors', 'pageviews', 'bounce_rate'], date_range: 'day', dimensions: ['event:page'] };
  // Events and sessions are inserted separately: wait until both tables hold every event (the sessions' final
  // states: 2 visits, 3 pageviews between them), so that both answers below read the same data.
  const api = async (q: object) => (await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(q) })).json() as Promise<any>;
  for (const deadline = Date.now() + 15_000; ; ) {
    const t = await api({ site_id: domain, metrics: ['visits', 'views_per_visit', 'pageviews'], date_range: 'day' });
    if (JSON.stringify(t.results?.[0]?.metrics) === JSON.stringify([2, 1.5, 3])) break;
    assert.ok(Date.now() < deadline, `the events are stored in both tables: ${JSON.stringify(t)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  const viaApi = await api(body);
  assert.equal(viaApi.results.length, 3);
  const viaDash = await dash('query', { method: 'POST', body, cookie });
  assert.equal(viaDash.status, 200);
  assert.deepEqual(viaDash.body.results, viaApi.results);
  const rt = await dash('query', { method: 'POST', body: { site_id: domain, metrics: ['pageviews'], date_range: 'realtime', dimensions: ['time:minute'], include: { time_labels: true } }, cookie });
  assert.equal(rt.status, 200, JSON.stringify(rt.body));
  assert.ok(rt.body.meta.time_labels.length >= 30 && rt.body.meta.time_labels.length <= 32, String(rt.body.meta.time_labels.length));
  assert.equal(rt.body.results.reduce((n: number, r: any) => n + r.metrics[0], 0), 3);
  for (const r of rt.body.results) assert.ok(rt.body.meta.time_labels.includes(r.dimensions[0]), `${r.dimensions[0]} is one of the minute labels`);
  const cur = await dash('query', { method: 'POST', body: { site_id: domain, metrics: ['visitors'], date_range: 'current' }, cookie });
  assert.deepEqual(cur.body.results, [{ metrics: [2], dimensions: [] }]);
  const publicApi = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ ...body, dimensions: ['time:minute'] }) });
  assert.equal(publicApi.status, 400, 'minute buckets are the dashboard’s own, not the public API’s');
  const bad = await dash('query', { method: 'POST', body: { ...body, metrics: ['nope'] }, cookie });
  assert.deepEqual(bad, { status: 400, headers: bad.headers, body: { error: '#/metrics/0: Invalid metric "nope"' } });
});

test('the batch endpoint: answers as JSON lines, each query judged on its own; bad input is a 4xx, never a 500', async () => {
  await addUser('batch@example.com');
  const cookie = await login('batch@example.com');
  const domain = await newSite(srv.dataDir);
  const ok = { site_id: domain, metrics: ['visitors'], date_range: 'day' };
  const res = await fetch(`${srv.url}/api/dashboard/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: srv.url, cookie },
    body: JSON.stringify({ queries: [ok, { ...ok, metrics: ['nope'] }, { ...ok, site_id: 'no-such.example' }, 'not an object', { ...ok, dimensions: ['time:minute'], date_range: 'realtime' }] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { i: number; status: number; body: any });
  const byI = new Map(lines.map((l) => [l.i, l]));
  assert.equal(lines.length, 5);
  assert.deepEqual(byI.get(0)!.body.results, [{ metrics: [0], dimensions: [] }]);
  assert.deepEqual([byI.get(1)!.status, byI.get(1)!.body], [400, { error: '#/metrics/0: Invalid metric "nope"' }]);
  assert.equal(byI.get(2)!.status, 404);
  assert.equal(byI.get(3)!.status, 400);
  assert.equal(byI.get(4)!.status, 200);
  const post = (body: unknown, c = cookie) => dash('batch', { method: 'POST', body, cookie: c });
  for (const bad of [{}, { queries: [] }, { queries: 'x' }, { queries: Array.from({ length: 51 }, () => ok) }]) assert.equal((await post(bad)).status, 400, JSON.stringify(bad).slice(0, 40));
  const anon = await fetch(`${srv.url}/api/dashboard/batch`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ queries: [ok] }) });
  assert.equal(anon.status, 200);
  const line = JSON.parse((await anon.text()).trim());
  assert.deepEqual(line, { i: 0, status: 401, body: { error: 'Authentication required' } }, 'without access each query is refused like /query');
  const badJson = await fetch(`${srv.url}/api/dashboard/batch`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url, cookie }, body: '{oops' });
  assert.equal(badJson.status, 400);
});

test('settings through the dashboard API use the admin code: time zone, goals, shields, rate limit, keys', async () => {
  await addUser('owner@example.com');
  const cookie = await login('owner@example.com');
  const domain = await newSite(srv.dataDir);
  const set = (b: Record<string, unknown>) => dash('settings', { method: 'POST', body: { site: domain, ...b }, cookie });
  assert.equal((await set({ action: 'timezone', timezone: 'Europe/Berlin' })).body.settings.site.timezone, 'Europe/Berlin');
  assert.equal((await set({ action: 'timezone', timezone: 'Mars/Olympus' })).status, 400);
  assert.deepEqual((await set({ action: 'goal-add', event: 'Signup', currency: 'EUR' })).body.result.name, 'Signup');
  assert.equal((await set({ action: 'goal-add', page: '/pricing*' })).body.settings.goals.length, 2);
  // Plausible CE's other goal kinds: a display name with property conditions, a scroll-depth goal
  const pro = await set({ action: 'goal-add', event: 'Signup', display_name: 'Pro signup', props: { plan: 'pro' } });
  assert.deepEqual([pro.status, pro.body.result.name, pro.body.result.props], [200, 'Pro signup', [['plan', 'pro']]]);
  assert.equal((await set({ action: 'goal-add', event: 'Signup', props: { plan: 'free' } })).status, 409, 'two goals on one event need display names');
  assert.equal((await set({ action: 'goal-add', page: '/blog/**', scroll: '50' })).body.result.name, 'Scroll 50% on /blog/**');
  assert.equal((await set({ action: 'goal-add', event: 'Download', scroll: '50' })).status, 400, 'scroll thresholds are for page goals');
  assert.equal((await set({ action: 'goal-add', page: '/x', scroll: '150' })).status, 400);
  assert.equal((await set({ action: 'goal-add', event: 'Odd', props: 'plan=pro' })).status, 400, 'props is an object');
  for (const name of ['Pro signup', 'Scroll 50% on /blog/**']) assert.equal((await set({ action: 'goal-remove', goal: name })).status, 200);
  assert.equal((await set({ action: 'shield-add', kind: 'ip', value: '203.0.113.0/24' })).status, 200);
  assert.equal((await set({ action: 'rate-limit', perMinute: 60, burst: 10 })).body.settings.site.rateLimitPerMinute, 60);
  const k = await dash('account', { method: 'POST', body: { action: 'key-create', name: 'from the dashboard' }, cookie });
  assert.match(k.body.result.key, /^ff_/);
  assert.deepEqual(k.body.account.keys.map((x: { name: string }) => x.name), ['from the dashboard'], "the user's own keys only");
  const cliGoals = JSON.parse((await cli(srv.dataDir, ['goals', 'list', domain, '--json'])).stdout) as Array<{ name: string }>;
  assert.deepEqual(cliGoals.map((g) => g.name), ['Signup', 'Visit /pricing*'], 'the CLI sees what the page changed');
  const shields = JSON.parse((await cli(srv.dataDir, ['shields', 'list', domain, '--json'])).stdout);
  assert.deepEqual(shields, [{ kind: 'ip', value: '203.0.113.0/24' }]);
  assert.equal((await set({ action: 'goal-remove', goal: 'Signup' })).body.settings.goals.length, 1);
  assert.equal((await set({ action: 'explode' })).status, 400);
  const view = await dash(`site?site=${domain}`, { cookie });
  assert.deepEqual(view.body, { domain, timezone: 'Europe/Berlin', public: false, access: 'user', role: 'owner', goals: [{ id: view.body.goals[0].id, name: 'Visit /pricing*', currency: '' }], tracking: { script: '/js/script.js', eventPath: '/api/event' } });
});

test('shared links: the token opens one site read-only; a password link needs its password; removal ends it', async () => {
  await addUser('sharer@example.com');
  const cookie = await login('sharer@example.com');
  const domain = await newSite(srv.dataDir);
  const other = await newSite(srv.dataDir);
  const open = (await dash('settings', { method: 'POST', body: { site: domain, action: 'link-add', name: 'Team' }, cookie })).body.result;
  assert.match(open.token, /^[A-Za-z0-9_-]{43}$/);
  const q = { site_id: domain, metrics: ['visitors'], date_range: 'day' };
  assert.equal((await dash('query', { method: 'POST', body: q, share: open.token })).status, 200);
  const viaLink = (await dash(`access?site=${domain}`, { share: open.token })).body;
  assert.equal(viaLink.access, 'link');
  assert.equal(viaLink.site.domain, domain);
  assert.equal((await dash('query', { method: 'POST', body: { ...q, site_id: other }, share: open.token })).status, 401, 'one site only');
  assert.equal((await dash(`settings?site=${domain}`, { share: open.token })).status, 401, 'read-only');
  assert.equal((await dash('settings', { method: 'POST', body: { site: domain, action: 'public', public: true }, share: open.token })).status, 401);

  const locked = (await dash('settings', { method: 'POST', body: { site: domain, action: 'link-add', name: 'Board', password: 'board password' }, cookie })).body.result;
  const needs = await dash('query', { method: 'POST', body: q, share: locked.token });
  assert.deepEqual([needs.status, needs.body], [401, { error: 'This shared link needs its password', passwordRequired: true }]);
  assert.equal((await dash('share/unlock', { method: 'POST', body: { token: locked.token, password: 'wrong one' } })).status, 401);
  const un = await dash('share/unlock', { method: 'POST', body: { token: locked.token, password: 'board password' } });
  assert.equal(un.status, 200);
  const shareCookie = un.headers.get('set-cookie')!.split(';')[0]!;
  assert.match(shareCookie, /^ff_share=/);
  assert.equal((await dash('query', { method: 'POST', body: q, share: locked.token, cookie: shareCookie })).status, 200);
  assert.equal((await dash('query', { method: 'POST', body: q, share: open.token, cookie: shareCookie })).status, 200);
  assert.equal((await dash('sites', { cookie: shareCookie })).status, 401, 'an unlocked link is not a user');

  assert.equal((await dash('settings', { method: 'POST', body: { site: domain, action: 'link-remove', id: open.link.id }, cookie })).status, 200);
  assert.equal((await dash('query', { method: 'POST', body: q, share: open.token })).status, 401);
});

test('the page carries what its viewer may know at once, and nothing for others', async () => {
  await addUser('boot@example.com');
  const cookie = await login('boot@example.com');
  const domain = await newSite(srv.dataDir);
  const page = async (p: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${srv.url}${p}`, { headers });
    return { cc: r.headers.get('cache-control'), html: await r.text() };
  };
  const mine = await page(`/${domain}`, { cookie });
  assert.equal(mine.cc, 'no-store');
  const boot = JSON.parse(/<script type="application\/json" id="footfall-boot">(.*?)<\/script>/.exec(mine.html)![1]!);
  assert.equal(boot.me, 'boot@example.com');
  assert.equal(boot.site.domain, domain);
  const anonymous = await page(`/${domain}`);
  const missing = await page('/no-such-site.example');
  assert.equal(anonymous.html, missing.html, 'a private site’s page is the page of a site that does not exist');
  assert.ok(!anonymous.html.includes('footfall-boot'));
  assert.equal(anonymous.cc, 'no-cache');
  const link = (await dash('settings', { method: 'POST', body: { site: domain, action: 'link-add', name: 'Boot' }, cookie })).body.result;
  const shared = await page(`/share/${domain}?auth=${link.token}`);
  assert.ok(shared.html.includes(`"access":"link"`));
  assert.ok(!(await page(`/share/${domain}?auth=wrong`)).html.includes('footfall-boot'));
});

test('the page and its assets: CSP on the page, immutable compressed assets, page routes only', async () => {
  const page = await fetch(`${srv.url}/some-site.example?period=7d`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self';/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  const html = await page.text();
  const js = /src="(\/assets\/app-[A-Za-z0-9]+\.js)"/.exec(html)![1]!;
  assert.match(html, /<link rel="modulepreload" href="\/assets\/chunk-/, 'the first view’s chunks are announced');
  for (const enc of ['br', 'gzip']) {
    const a = await fetch(`${srv.url}${js}`, { headers: { 'accept-encoding': enc } });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(a.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok(a.headers.get('vary')?.includes('accept-encoding'));
  }
  const raw = await fetch(`${srv.url}${js}`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(raw.headers.get('content-encoding'), null);
  assert.equal((await fetch(`${srv.url}/assets/nope.js`)).status, 404);
  assert.equal((await fetch(`${srv.url}/wp-login.php`)).status, 404);
  assert.equal((await fetch(`${srv.url}/favicon.ico`)).status, 404);
  assert.equal((await fetch(`${srv.url}/a/b/c`)).status, 404);
  for (const p of ['/', '/login', '/share/x.example', '/x.example/settings']) assert.equal((await fetch(`${srv.url}${p}`)).status, 200, p);
  assert.equal((await fetch(`${srv.url}/robots.txt`)).status, 200);
  const tracker = await fetch(`${srv.url}/js/script.outbound-links.js`);
  assert.equal(tracker.status, 200);
  assert.ok((await tracker.text()).includes('"/api/event"'), 'by default the tracker posts to /api/event of its own origin');
});
