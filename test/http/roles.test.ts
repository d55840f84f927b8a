import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { admin, cli, newSite, serverForFile, type TestServer } from '../helpers/server.js';
import { totpCode } from '../../src/core/two-factor.js';

/**
 * Teams and roles against the real server: every dashboard, Stats API and export endpoint for every kind of
 * requester — each role of the site's team, a user of another team, a shared link, a public site's visitor and
 * nobody — with the status each must get.
 */
let srv: TestServer;
let operatorKey: string;
serverForFile((s, k) => {
  srv = s;
  operatorKey = k;
});

const PASSWORD = 'a long enough password';

async function dash(path: string, opts: { method?: string; body?: unknown; cookie?: string; share?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if ((opts.method ?? 'GET') !== 'GET') headers.origin = srv.url;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.share) headers['x-footfall-share'] = opts.share;
  const res = await fetch(`${srv.url}/api/dashboard/${path}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
}

const post = (path: string, body: unknown, cookie?: string, share?: string) => dash(path, { method: 'POST', body, cookie, share });

function cookieOf(res: { headers: Headers }, name: string): string {
  const all = res.headers.getSetCookie();
  const c = all.find((x) => x.startsWith(`${name}=`));
  assert.ok(c, `no ${name} cookie in ${JSON.stringify(all)}`);
  return c.split(';')[0]!;
}

async function login(email: string, password = PASSWORD): Promise<string> {
  const r = await post('login', { email, password });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return cookieOf(r, 'ff_session');
}

async function addUser(email: string): Promise<void> {
  const r = await admin(srv.dataDir, 'POST', '/admin/users', { email, password: PASSWORD });
  assert.equal(r.status, 201, JSON.stringify(r.data));
}

async function op(name: string, args: Record<string, unknown>): Promise<any> {
  const r = await admin(srv.dataDir, 'POST', `/admin/op/${name}`, args);
  assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.data)}`);
  return r.data;
}

type Who = 'owner' | 'admin' | 'editor' | 'viewer' | 'outsider' | 'link' | 'nobody';
const WHO: Who[] = ['owner', 'admin', 'editor', 'viewer', 'outsider', 'link', 'nobody'];
const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;

let site: string;
let publicSite: string;
let otherSite: string;
const cookies: Partial<Record<Who, string>> = {};
const keys: Partial<Record<Who, string>> = {};
let linkToken: string;

let setUp: Promise<void> | null = null;
/** Once, before the first suite (after the file's server started). */
const setup = () => (setUp ??= makeFixture());
async function makeFixture(): Promise<void> {
  // The first user of the server owns its default team, where the operator's sites go.
  await addUser('owner@roles.test');
  site = await newSite(srv.dataDir);
  publicSite = await newSite(srv.dataDir);
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    await addUser(`${role}@roles.test`);
    assert.equal((await op('members-add', { domain: site, email: `${role}@roles.test`, role })).member.role, role);
  }
  await addUser('outsider@roles.test');
  for (const who of [...ROLES, 'outsider'] as const) {
    cookies[who] = await login(`${who}@roles.test`);
    const k = await post('account', { action: 'key-create', name: `${who}'s key` }, cookies[who]);
    assert.equal(k.status, 200, JSON.stringify(k.body));
    keys[who] = k.body.result.key;
  }
  // the outsider's own site: a team of their own is made for it
  const own = await post('sites', { domain: 'outsider-own.test', timezone: 'Etc/UTC' }, cookies.outsider);
  assert.equal(own.status, 201, JSON.stringify(own.body));
  assert.equal(own.body.role, 'owner');
  otherSite = own.body.domain;
  linkToken = (await post('settings', { site, action: 'link-add', name: 'Board' }, cookies.owner)).body.result.token;
  assert.equal((await post('settings', { site: publicSite, action: 'public', public: true }, cookies.owner)).status, 200);
}

function asWho(who: Who): { cookie?: string; share?: string } {
  if (who === 'link') return { share: linkToken };
  return { cookie: cookies[who] };
}

/** Expected statuses by requester: members by capability, others by how they reach the site. */
function expect(needs: 'viewer' | 'editor' | 'admin' | 'owner', readOnlyVisitors: number, ok = 200): Record<Who, number> {
  const rank = { viewer: 1, editor: 2, admin: 3, owner: 4 };
  const out = {} as Record<Who, number>;
  for (const r of ROLES) out[r] = rank[r] >= rank[needs] ? ok : 403;
  out.outsider = 404;
  out.link = readOnlyVisitors;
  out.nobody = 401;
  return out;
}

describe('every dashboard endpoint × every requester', () => {
  before(setup);
  let seq = 0;
  const cases: Array<{ name: string; want: Record<Who, number>; call: (who: Who) => Promise<{ status: number; body: any }> }> = [
    { name: 'GET site', want: expect('viewer', 200), call: (w) => dash(`site?site=${site}`, asWho(w)) },
    { name: 'GET access', want: expect('viewer', 200), call: async (w) => {
      const r = await dash(`access?site=${site}`, asWho(w));
      // /access answers 200 to everyone: the status here is the access it grants
      return { status: r.body.access ? 200 : w === 'nobody' ? 401 : 404, body: r.body };
    } },
    { name: 'POST query', want: expect('viewer', 200), call: (w) => post('query', { site_id: site, metrics: ['visitors'], date_range: 'day' }, asWho(w).cookie, asWho(w).share) },
    { name: 'POST batch (its line)', want: expect('viewer', 200), call: async (w) => {
      const r = await fetch(`${srv.url}/api/dashboard/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: srv.url, ...(asWho(w).cookie ? { cookie: asWho(w).cookie! } : {}), ...(asWho(w).share ? { 'x-footfall-share': asWho(w).share! } : {}) },
        body: JSON.stringify({ queries: [{ site_id: site, metrics: ['visitors'], date_range: 'day' }] }),
      });
      const line = JSON.parse((await r.text()).trim().split('\n')[0]!);
      return { status: line.status, body: line.body };
    } },
    { name: 'POST prop-keys', want: expect('viewer', 200), call: (w) => post('prop-keys', { site_id: site, date_range: 'day' }, asWho(w).cookie, asWho(w).share) },
    { name: 'GET settings', want: expect('editor', 401), call: (w) => dash(`settings?site=${site}`, asWho(w)) },
    { name: 'settings: timezone', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'timezone', timezone: 'Europe/Berlin' }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: public', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'public', public: false }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: rate limit', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'rate-limit', perMinute: 0, burst: 0 }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: goal', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'goal-add', event: `Goal ${++seq}` }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: shield', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'shield-add', kind: 'ip', value: `198.51.100.${++seq}` }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: shared link', want: expect('editor', 401), call: (w) => post('settings', { site, action: 'link-add', name: `Link ${++seq}` }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: invite a viewer', want: expect('admin', 401), call: (w) => post('settings', { site, action: 'invite-add', email: `invitee${++seq}@roles.test`, role: 'viewer' }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: invite an owner', want: expect('owner', 401), call: (w) => post('settings', { site, action: 'invite-add', email: `boss${++seq}@roles.test`, role: 'owner' }, asWho(w).cookie, asWho(w).share) },
    { name: "settings: change the viewer's role", want: expect('admin', 401), call: (w) => post('settings', { site, action: 'member-role', email: 'viewer@roles.test', role: 'viewer' }, asWho(w).cookie, asWho(w).share) },
    { name: "settings: change the owner's role", want: { ...expect('owner', 401), owner: 409 }, call: (w) => post('settings', { site, action: 'member-role', email: 'owner@roles.test', role: 'admin' }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: transfer the site', want: { ...expect('owner', 401), owner: 404 }, call: (w) => post('settings', { site, action: 'site-transfer', team: 999 }, asWho(w).cookie, asWho(w).share) },
    { name: 'settings: delete the site', want: expect('owner', 401, 400), call: (w) => post('settings', { site, action: 'site-delete', confirm: 'not the domain' }, asWho(w).cookie, asWho(w).share) },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const got = {} as Record<Who, number>;
      for (const w of WHO) got[w] = (await c.call(w)).status;
      assert.deepEqual(got, c.want);
    });
  }

  test('a public site: anyone reads it, nobody but its members changes it', async () => {
    assert.equal((await dash(`site?site=${publicSite}`)).body.access, 'public');
    assert.equal((await post('query', { site_id: publicSite, metrics: ['visitors'], date_range: 'day' })).status, 200);
    assert.equal((await dash(`site?site=${publicSite}`, { cookie: cookies.outsider })).body.access, 'public', 'a user of another team reads it as the public does');
    assert.equal((await dash(`settings?site=${publicSite}`)).status, 401);
    assert.equal((await dash(`settings?site=${publicSite}`, { cookie: cookies.outsider })).status, 404);
    assert.equal((await post('settings', { site: publicSite, action: 'public', public: false }, cookies.outsider)).status, 404);
    assert.equal((await dash(`settings?site=${publicSite}`, { cookie: cookies.viewer })).status, 403, 'a viewer of its team reads it, as a member');
    assert.equal((await dash(`site?site=${publicSite}`, { cookie: cookies.viewer })).body.access, 'user');
  });

  test('a shared link reads only its own site', async () => {
    assert.equal((await dash(`site?site=${publicSite}`, { share: linkToken })).body.access, 'public');
    assert.equal((await dash(`site?site=${otherSite}`, { share: linkToken })).status, 401);
  });
});

describe('sites lists and API keys follow the roles', () => {
  before(setup);
  test("each user's sites list holds the sites of their teams, with their role", async () => {
    for (const who of ROLES) {
      const list = (await dash('sites', { cookie: cookies[who] })).body as Array<{ domain: string; role: string }>;
      assert.equal(list.find((s) => s.domain === site)?.role, who);
      assert.ok(!list.some((s) => s.domain === otherSite), `${who} must not see another team's site`);
    }
    const theirs = (await dash('sites', { cookie: cookies.outsider })).body as Array<{ domain: string }>;
    assert.deepEqual(theirs.map((s) => s.domain), [otherSite]);
  });

  test("Stats API v2, v1 and the export: a user's key reaches their sites only; an operator key every site", async () => {
    const v2 = (key: string, domain: string) =>
      fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: domain, metrics: ['visitors'], date_range: 'day' }) });
    const v1 = (key: string, domain: string) => fetch(`${srv.url}/api/v1/stats/aggregate?site_id=${domain}&metrics=visitors`, { headers: { authorization: `Bearer ${key}` } });
    const exp = (key: string, domain: string) => fetch(`${srv.url}/api/v1/export/events?site_id=${domain}`, { headers: { authorization: `Bearer ${key}` } });
    for (const call of [v2, v1, exp]) {
      const got: Record<string, number[]> = {};
      for (const who of [...ROLES, 'outsider'] as const) {
        const a = await call(keys[who]!, site);
        const b = await call(keys[who]!, otherSite);
        const c = await call(keys[who]!, 'no-such-site.test');
        await Promise.all([a.text(), b.text(), c.text()]);
        got[who] = [a.status, b.status, c.status];
      }
      const o = [await call(operatorKey, site), await call(operatorKey, otherSite)];
      await Promise.all(o.map((r) => r.text()));
      got.operator = o.map((r) => r.status);
      assert.deepEqual(got, {
        owner: [200, 401, 401],
        admin: [200, 401, 401],
        editor: [200, 401, 401],
        viewer: [200, 401, 401],
        outsider: [401, 200, 401],
        operator: [200, 200],
      }, call.name);
    }
  });

  test('keys are their user\'s: listed and revoked only by them; a removed member\'s key stops reaching the site', async () => {
    const viewerKeys = (await dash('account', { cookie: cookies.viewer })).body.keys as Array<{ id: number; name: string }>;
    assert.deepEqual(viewerKeys.map((k) => k.name), ["viewer's key"]);
    assert.equal((await post('account', { action: 'key-revoke', id: viewerKeys[0]!.id }, cookies.outsider)).status, 404, "another user's key is no key");
    const temp = await post('account', { action: 'key-create', name: 'temporary' }, cookies.editor);
    await addUser('leaver@roles.test');
    await op('members-add', { domain: site, email: 'leaver@roles.test', role: 'viewer' });
    const leaver = await login('leaver@roles.test');
    const key = (await post('account', { action: 'key-create', name: 'mine' }, leaver)).body.result.key as string;
    const read = () => fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: site, metrics: ['visitors'], date_range: 'day' }) }).then((r) => r.status);
    assert.equal(await read(), 200);
    assert.equal((await post('settings', { site, action: 'member-remove', email: 'leaver@roles.test' }, cookies.admin)).status, 200);
    assert.equal(await read(), 401);
    assert.equal((await dash(`site?site=${site}`, { cookie: leaver })).status, 404);
    assert.equal((await post('account', { action: 'key-revoke', id: temp.body.result.info.id }, cookies.editor)).status, 200);
  });
});

describe('members, invitations, ownership', () => {
  before(setup);
  test('an admin manages admins, editors and viewers but not owners; the last owner stays', async () => {
    await addUser('helper@roles.test');
    assert.equal((await op('members-add', { domain: site, email: 'helper@roles.test', role: 'editor' })).member.role, 'editor');
    assert.equal((await post('settings', { site, action: 'member-role', email: 'helper@roles.test', role: 'admin' }, cookies.admin)).status, 200);
    assert.equal((await post('settings', { site, action: 'member-role', email: 'helper@roles.test', role: 'owner' }, cookies.admin)).status, 403);
    assert.equal((await post('settings', { site, action: 'member-remove', email: 'owner@roles.test' }, cookies.admin)).status, 403);
    assert.equal((await post('settings', { site, action: 'member-remove', email: 'owner@roles.test' }, cookies.owner)).status, 409, 'the last owner cannot leave');
    const people = (await dash(`settings?site=${site}`, { cookie: cookies.admin })).body.people;
    assert.equal(people.members.find((m: { email: string }) => m.email === 'helper@roles.test').role, 'admin');
    assert.equal((await dash(`settings?site=${site}`, { cookie: cookies.editor })).body.people, null, 'editors do not see the members');
    assert.equal((await post('settings', { site, action: 'member-remove', email: 'helper@roles.test' }, cookies.admin)).status, 200);
  });

  test('a member leaves a team (the last owner cannot)', async () => {
    await addUser('quitter@roles.test');
    await op('members-add', { domain: site, email: 'quitter@roles.test', role: 'viewer' });
    const cookie = await login('quitter@roles.test');
    assert.equal((await dash(`site?site=${site}`, { cookie })).body.role, 'viewer');
    assert.equal((await post('settings', { site, action: 'leave' }, cookie)).status, 200);
    assert.equal((await dash(`site?site=${site}`, { cookie })).status, 404);
    assert.equal((await post('settings', { site, action: 'leave' }, cookies.owner)).status, 409);
  });

  test('an invitation link: a new address signs up and joins with its role; another user cannot take it; once only', async () => {
    const inv = await post('settings', { site, action: 'invite-add', email: 'New.Person@Roles.test', role: 'editor' }, cookies.admin);
    assert.equal(inv.status, 200, JSON.stringify(inv.body));
    const token = inv.body.result.token as string;
    const view = await dash(`invitation?token=${token}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.email, 'new.person@roles.test');
    assert.equal(view.body.role, 'editor');
    assert.equal(view.body.hasAccount, false);
    assert.ok(view.body.sites.includes(site));
    assert.equal((await post('invitation/accept', { token }, cookies.outsider)).status, 403, 'made out to another address');
    assert.equal((await post('invitation/accept', { token, password: 'short' })).status, 400);
    const signup = await post('invitation/accept', { token, password: PASSWORD });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    const cookie = cookieOf(signup, 'ff_session');
    assert.equal((await dash(`site?site=${site}`, { cookie })).body.role, 'editor');
    assert.equal((await dash(`invitation?token=${token}`)).status, 410, 'used up');
    assert.equal((await post('invitation/accept', { token, password: PASSWORD })).status, 410);
    assert.equal((await dash('invitation?token=nonsense')).status, 410);
  });

  test('an invitation to an existing user is accepted when logged in as them; withdrawn ones stop working', async () => {
    await addUser('existing@roles.test');
    const cookie = await login('existing@roles.test');
    const first = (await post('settings', { site, action: 'invite-add', email: 'existing@roles.test', role: 'viewer' }, cookies.owner)).body.result;
    assert.equal((await post('settings', { site, action: 'invite-remove', id: first.invitation.id }, cookies.owner)).status, 200);
    assert.equal((await post('invitation/accept', { token: first.token }, cookie)).status, 410);
    const second = (await post('settings', { site, action: 'invite-add', email: 'existing@roles.test', role: 'viewer' }, cookies.owner)).body.result;
    assert.equal((await dash(`invitation?token=${second.token}`)).body.hasAccount, true);
    assert.equal((await post('invitation/accept', { token: second.token, password: PASSWORD })).status, 409, 'an account exists: log in instead');
    const ok = await post('invitation/accept', { token: second.token }, cookie);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.role, 'viewer');
    assert.equal((await post('settings', { site, action: 'invite-add', email: 'existing@roles.test', role: 'viewer' }, cookies.owner)).status, 409, 'already a member');
  });

  test('ownership transfer and a site moved to another team', async () => {
    const team = await op('teams-add', { name: 'Second team', owner: 'owner@roles.test' });
    const moved = await newSite(srv.dataDir);
    await op('members-add', { domain: moved, email: 'admin@roles.test', role: 'viewer' }); // the default team: admin@ is its admin already
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.admin })).body.role, 'viewer', 'one role per team (the last one given)');
    await op('members-role', { domain: moved, email: 'admin@roles.test', role: 'admin' });
    assert.equal((await post('settings', { site: moved, action: 'site-transfer', team: team.id }, cookies.admin)).status, 403);
    const settings = (await dash(`settings?site=${moved}`, { cookie: cookies.owner })).body;
    assert.deepEqual(settings.transferTo, [{ id: team.id, name: 'Second team' }]);
    const t = await post('settings', { site: moved, action: 'site-transfer', team: team.id }, cookies.owner);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.admin })).status, 404, 'not in the new team');
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.owner })).body.role, 'owner');
    // ownership of the second team to the outsider, after they join it
    await op('members-add', { domain: moved, email: 'outsider@roles.test', role: 'viewer' });
    const tr = await post('settings', { site: moved, action: 'transfer-ownership', email: 'outsider@roles.test' }, cookies.owner);
    assert.equal(tr.status, 200, JSON.stringify(tr.body));
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.outsider })).body.role, 'owner');
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.owner })).body.role, 'admin', 'the owner who gave it stays as admin');
    const del = await post('settings', { site: moved, action: 'site-delete', confirm: moved }, cookies.outsider);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal(del.body.settings, null);
    assert.equal((await dash(`site?site=${moved}`, { cookie: cookies.outsider })).status, 404);
  });

  test('CLI: members add (an invitation for an unknown address), list, role, remove', async () => {
    const domain = await newSite(srv.dataDir);
    const inv = await cli(srv.dataDir, ['members', 'add', domain, 'cli-new@roles.test', '--role', 'viewer']);
    assert.equal(inv.code, 0, inv.stderr);
    assert.match(inv.stderr, /has no account/);
    const token = /\/invite\/([A-Za-z0-9_-]+)/.exec(inv.stdout)?.[1];
    assert.ok(token, inv.stdout);
    assert.equal((await dash(`invitation?token=${token}`)).body.role, 'viewer');
    await addUser('cli-member@roles.test');
    const add = await cli(srv.dataDir, ['members', 'add', domain, 'cli-member@roles.test', '--role', 'editor']);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /cli-member@roles\.test is now editor/);
    const list = JSON.parse((await cli(srv.dataDir, ['members', 'list', domain, '--json'])).stdout);
    assert.equal(list.members.find((m: { email: string }) => m.email === 'cli-member@roles.test').role, 'editor');
    assert.ok(list.invitations.some((i: { email: string }) => i.email === 'cli-new@roles.test'));
    assert.equal((await cli(srv.dataDir, ['members', 'role', domain, 'cli-member@roles.test', '--role', 'boss'])).code, 1);
    assert.equal((await cli(srv.dataDir, ['members', 'remove', domain, 'cli-member@roles.test'])).code, 0);
    assert.equal((await cli(srv.dataDir, ['members', 'remove', domain, 'owner@roles.test'])).code, 1, 'the last owner stays');
  });
});

describe('accounts: reset links and two-factor', () => {
  before(setup);
  test('a reset link from the CLI sets a new password once, ends the logins, and expires', async () => {
    await addUser('forgetful@roles.test');
    const old = await login('forgetful@roles.test');
    const r = await cli(srv.dataDir, ['users', 'reset-link', 'forgetful@roles.test']);
    assert.equal(r.code, 0, r.stderr);
    const token = /\/reset\/([A-Za-z0-9_-]+)/.exec(r.stdout)?.[1];
    assert.ok(token, r.stdout);
    assert.equal((await dash(`reset?token=${token}`)).body.email, 'forgetful@roles.test');
    assert.equal((await post('reset', { token, password: 'short' })).status, 400);
    assert.equal((await post('reset', { token, password: 'a brand new password' })).status, 200);
    assert.equal((await dash('me', { cookie: old })).body.email, null, 'logins ended');
    assert.equal((await post('reset', { token, password: 'yet another password' })).status, 410, 'once only');
    assert.equal((await dash(`reset?token=${token}`)).status, 410);
    await login('forgetful@roles.test', 'a brand new password');
  });

  test('TOTP: set up with the password and a code; login asks for a code; a code once; recovery codes once; off again', async () => {
    await addUser('careful@roles.test');
    let cookie = await login('careful@roles.test');
    assert.equal((await post('account', { action: '2fa-setup', password: 'wrong password' }, cookie)).status, 403);
    const setup = await post('account', { action: '2fa-setup', password: PASSWORD }, cookie);
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.result.secret as string;
    assert.match(setup.body.result.uri, /^otpauth:\/\/totp\/Footfall:careful%40roles\.test\?.*secret=/);
    assert.equal((await post('account', { action: '2fa-enable', code: '000000' }, cookie)).status, 400);
    const on = await post('account', { action: '2fa-enable', code: totpCode(secret) }, cookie);
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const recovery = on.body.result.recoveryCodes as string[];
    assert.equal(recovery.length, 10);
    assert.deepEqual(on.body.account.twoFactor, { enabled: true, recoveryCodesLeft: 10 });

    // the password alone is not a login now
    const first = await post('login', { email: 'careful@roles.test', password: PASSWORD });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { twoFactorRequired: true });
    assert.ok(!first.headers.getSetCookie().some((c) => c.startsWith('ff_session=')), 'no session before the code');
    const pending = cookieOf(first, 'ff_2fa');
    assert.equal((await dash('sites', { cookie: pending })).status, 401);
    assert.equal((await post('login/2fa', { code: '123456' }, pending)).status, 401);
    // the code used to turn it on was used: the next login needs a later one, or a recovery code
    const rec = await post('login/2fa', { code: recovery[0] }, pending);
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    cookie = cookieOf(rec, 'ff_session');
    assert.equal((await dash('me', { cookie })).body.email, 'careful@roles.test');
    const again = await post('login', { email: 'careful@roles.test', password: PASSWORD });
    assert.equal((await post('login/2fa', { code: recovery[0] }, cookieOf(again, 'ff_2fa'))).status, 401, 'a recovery code works once');
    assert.equal((await dash('account', { cookie })).body.twoFactor.recoveryCodesLeft, 9);

    // five wrong codes end the pending login
    const tries = await post('login', { email: 'careful@roles.test', password: PASSWORD });
    const p2 = cookieOf(tries, 'ff_2fa');
    for (let i = 0; i < 5; i++) assert.equal((await post('login/2fa', { code: String(100000 + i) }, p2)).status, 401);
    assert.equal((await post('login/2fa', { code: recovery[1] }, p2)).status, 401, 'expired after five wrong codes');

    // off: the password and a code are asked
    assert.equal((await post('account', { action: '2fa-disable', password: PASSWORD, code: '000000' }, cookie)).status, 403);
    assert.equal((await post('account', { action: '2fa-disable', password: PASSWORD, code: recovery[2] }, cookie)).status, 200);
    await login('careful@roles.test');
  });

  test('the operator turns two-factor off for a user who lost their device', async () => {
    await addUser('lost@roles.test');
    const cookie = await login('lost@roles.test');
    const setup = await post('account', { action: '2fa-setup', password: PASSWORD }, cookie);
    await post('account', { action: '2fa-enable', code: totpCode(setup.body.result.secret) }, cookie);
    assert.deepEqual((await post('login', { email: 'lost@roles.test', password: PASSWORD })).body, { twoFactorRequired: true });
    const r = await cli(srv.dataDir, ['users', 'disable-2fa', 'lost@roles.test']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await dash('me', { cookie })).body.email, null, 'their logins ended');
    await login('lost@roles.test');
  });
});
