import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, newKey, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { SEED_DOMAIN, SEED_USER, seedDashboard } from '../helpers/seed.js';

/**
 * Saved segments against the real server: personal and site segments, who may make, see, change and remove them,
 * and a segment in the dashboard's queries answering as its filters do in the Stats API (which, as Plausible's
 * public API, refuses segment filters).
 */
let srv: TestServer;
let key: string;
let owner: string;
let viewer: string;
const PASSWORD = 'a long enough password';

async function dash(path: string, body?: unknown, cookie?: string, share?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', origin: srv.url });
  if (cookie) headers.cookie = cookie;
  if (share) headers['x-footfall-share'] = share;
  const res = await fetch(`${srv.url}/api/dashboard/${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function login(email: string, password: string): Promise<string> {
  const res = await fetch(`${srv.url}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ email, password }) });
  assert.equal(res.status, 200);
  return res.headers.getSetCookie().find((c) => c.startsWith('ff_session='))!.split(';')[0]!;
}

async function statsApi(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: SEED_DOMAIN, ...body }) });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  const dir = tempDir();
  await seedDashboard(dir);
  srv = await startServer({ dataDir: dir });
  key = await newKey(dir);
  owner = await login(SEED_USER.email, SEED_USER.password);
  assert.equal((await admin(dir, 'POST', '/admin/users', { email: 'viewer@segments.test', password: PASSWORD })).status, 201);
  assert.equal((await admin(dir, 'POST', '/admin/op/members-add', { domain: SEED_DOMAIN, email: 'viewer@segments.test', role: 'viewer' })).status, 200);
  viewer = await login('viewer@segments.test', PASSWORD);
});
after(async () => {
  await srv?.stop();
});

const FIREFOX_PRO = [['is', 'visit:browser', ['Firefox']], ['is', 'event:props:plan', ['pro']]];
const seg = (body: Record<string, unknown>, cookie: string) => dash('segments', { site: SEED_DOMAIN, ...body }, cookie);

test('a site segment: made by an editor or up, seen by every member, its filters in the dashboard queries', async () => {
  const made = await seg({ action: 'create', name: 'Firefox pro', type: 'site', filters: FIREFOX_PRO }, owner);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const id = made.body.result.id as number;
  assert.deepEqual({ ...made.body.result, updatedAt: undefined }, { id, name: 'Firefox pro', type: 'site', filters: FIREFOX_PRO, owner: true, editable: true, updatedAt: undefined });
  // the viewer sees it and cannot change it
  const seen = await dash(`segments?site=${SEED_DOMAIN}`, undefined, viewer);
  assert.deepEqual(seen.body.segments.map((s: any) => [s.name, s.editable]), [['Firefox pro', false]]);
  assert.equal((await seg({ action: 'update', id, name: 'Mine now' }, viewer)).status, 403);
  assert.equal((await seg({ action: 'delete', id }, viewer)).status, 403);
  assert.equal((await seg({ action: 'create', name: 'Nope', type: 'site', filters: FIREFOX_PRO }, viewer)).status, 403, 'viewers make personal segments only');
  // in a dashboard query: the numbers of its filters
  const body = { metrics: ['visitors', 'pageviews', 'bounce_rate'], date_range: '30d', dimensions: ['event:page'] };
  const viaSegment = await dash('query', { site_id: SEED_DOMAIN, ...body, filters: [['is', 'segment', [id]]] }, viewer);
  assert.equal(viaSegment.status, 200, JSON.stringify(viaSegment.body));
  const direct = await statsApi({ ...body, filters: FIREFOX_PRO });
  assert.ok(direct.body.results.length > 0);
  assert.deepEqual(viaSegment.body.results, direct.body.results);
  // with another filter beside it
  const both = await dash('query', { site_id: SEED_DOMAIN, metrics: ['visitors'], date_range: '30d', filters: [['is', 'segment', [id]], ['is', 'event:page', ['/docs']]] }, owner);
  assert.deepEqual(both.body.results, (await statsApi({ metrics: ['visitors'], date_range: '30d', filters: [...FIREFOX_PRO, ['is', 'event:page', ['/docs']]] })).body.results);
  // the public Stats API refuses segment filters, as Plausible's does
  assert.equal((await statsApi({ metrics: ['visitors'], date_range: '30d', filters: [['is', 'segment', [id]]] })).status, 400);
  // renamed, then removed, by its maker
  assert.equal((await seg({ action: 'update', id, name: 'Firefox on pro' }, owner)).body.result.name, 'Firefox on pro');
  assert.equal((await seg({ action: 'delete', id }, owner)).status, 200);
  assert.equal((await dash('query', { site_id: SEED_DOMAIN, metrics: ['visitors'], date_range: '30d', filters: [['is', 'segment', [id]]] }, owner)).status, 400, 'a removed segment');
});

test('a personal segment: its owner only, also a viewer', async () => {
  const made = await seg({ action: 'create', name: 'My mobile', type: 'personal', filters: [['is', 'visit:device', ['Mobile']]] }, viewer);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const id = made.body.result.id as number;
  assert.deepEqual((await dash(`segments?site=${SEED_DOMAIN}`, undefined, owner)).body.segments, [], "not in the owner's list");
  assert.equal((await dash('query', { site_id: SEED_DOMAIN, metrics: ['visitors'], date_range: '30d', filters: [['is', 'segment', [id]]] }, owner)).status, 400, "another member's personal segment answers as none");
  const mine = await dash('query', { site_id: SEED_DOMAIN, metrics: ['visitors'], date_range: '30d', filters: [['is', 'segment', [id]]] }, viewer);
  assert.deepEqual(mine.body.results, (await statsApi({ metrics: ['visitors'], date_range: '30d', filters: [['is', 'visit:device', ['Mobile']]] })).body.results);
  assert.equal((await seg({ action: 'delete', id }, owner)).status, 404);
  assert.equal((await seg({ action: 'delete', id }, viewer)).status, 200);
});

test('segments are checked: a name, known filters, no segment inside, and only for members', async () => {
  const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
    const r = await seg({ action: 'create', type: 'personal', ...body }, owner);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.body.error, message);
  };
  await bad({ name: '', filters: FIREFOX_PRO }, 400, /needs a name/);
  await bad({ name: 'x'.repeat(256), filters: FIREFOX_PRO }, 400, /1 to 255/);
  await bad({ name: 'Empty', filters: [] }, 400, /at least one filter/);
  await bad({ name: 'Odd', filters: [['is', 'visit:nonsense', ['x']]] }, 400, /The segment's filters: #\/filters\/0: Invalid filter/);
  await bad({ name: 'Nested', filters: [['is', 'segment', [1]]] }, 400, /cannot contain another segment/);
  await bad({ name: 'Kind', type: 'team', filters: FIREFOX_PRO }, 400, /personal or for the site/);
  assert.equal((await seg({ action: 'explode' }, owner)).status, 400);
  assert.equal((await dash('segments', { site: SEED_DOMAIN, action: 'create', name: 'Anon', type: 'personal', filters: FIREFOX_PRO })).status, 401);
  assert.equal((await dash(`segments?site=${SEED_DOMAIN}`)).status, 401);
});
