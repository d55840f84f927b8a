import type { Logger } from '../util/log.js';
import type { TrustedProxies } from '../ingest/ip.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError, type Admin } from '../core/admin.js';
import { LINK_LOGIN_MS, USER_LOGIN_MS, type Accounts, type Principal } from '../core/accounts.js';
import { decodeJsonObject } from '../ingest/json.js';
import { normalizeDomain } from '../ingest/request.js';
import type { Site } from '../store/repo.js';
import type { StatsEngine } from '../stats/engine.js';
import { parseQuery, QueryError } from '../stats/query.js';
import { readBody } from './body.js';
import { AccountSlowdown, AttemptLimiter, DEVICE_COOKIE, DEVICE_COOKIE_SEC, LINK_COOKIE, USER_COOKIE, clientAddress, cookieHeader, deviceToken, knownDevice, overHttps, readCookie, sameOrigin } from './dashboard-auth.js';
import { sendError, sendJson } from './respond.js';
import { answer, runQuery } from './stats.js';
import { engineRefusal } from './refusal.js';
import { Gate, QUERY_BUDGETS, QueryBudget, type BudgetRate } from './query-budget.js';

export interface DashboardRouteDeps {
  admin: Admin;
  accounts: Accounts;
  stats: StatsEngine;
  trustForwardedProto: boolean;
  /** Failed logins per client address (a lock-out of that address for the window). */
  loginLimiter: AttemptLimiter;
  /** Failed logins per account (a short slowdown, never a lock-out; known devices pass). */
  accountSlowdown: AccountSlowdown;
  /** The key of the device cookies. */
  deviceKey: Buffer;
  trustedProxies: TrustedProxies | null;
  /** What each user, shared link and public visitor may query. */
  queryBudget: QueryBudget;
  /** Runs the queries of anonymous viewers one at a time, so that they take at most about one core together. */
  anonymousGate: Gate;
  log?: Logger;
}

/** One answer for every request without access, whether or not the site exists. */
const UNAUTHORIZED = 'Authentication required';
const SHARE_HEADER = 'x-footfall-share';

interface Access {
  site: Site;
  /** A user (may change settings) or a read-only visitor (public site, shared link). */
  via: 'user' | 'link' | 'public';
}

function user(req: IncomingMessage, deps: DashboardRouteDeps): Extract<Principal, { kind: 'user' }> | undefined {
  const p = deps.accounts.principal(readCookie(req, USER_COOKIE));
  return p?.kind === 'user' ? p : undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

type Refusal = { status: number; body: Record<string, unknown> };

/** What the request may see of the site `rawDomain`, or the refusal (401 without revealing anything). */
function resolveAccess(req: IncomingMessage, rawDomain: unknown, deps: DashboardRouteDeps): Access | Refusal {
  const site = typeof rawDomain === 'string' && rawDomain.length <= 300 ? deps.admin.byDomain(normalizeDomain(rawDomain)) : undefined;
  if (user(req, deps)) return site ? { site, via: 'user' } : { status: 404, body: { error: `no site ${String(rawDomain)}` } };
  if (site) {
    const link = deps.accounts.linkByToken(header(req, SHARE_HEADER));
    if (link && link.siteId === site.id) {
      if (!link.hasPassword) return { site, via: 'link' };
      const unlocked = deps.accounts.principal(readCookie(req, LINK_COOKIE));
      if (unlocked?.kind === 'link' && unlocked.link.id === link.id) return { site, via: 'link' };
      return { status: 401, body: { error: 'This shared link needs its password', passwordRequired: true } };
    }
    if (site.public) return { site, via: 'public' };
  }
  return { status: 401, body: { error: UNAUTHORIZED } };
}

/** resolveAccess, sending the refusal. */
function access(req: IncomingMessage, res: ServerResponse, rawDomain: unknown, deps: DashboardRouteDeps): Access | null {
  const a = resolveAccess(req, rawDomain, deps);
  if ('status' in a) {
    sendJson(res, a.status, a.body);
    return null;
  }
  return a;
}

/** The query budgets a request draws on: its user's, or its shared link's or public visitor's and the site's anonymous one. */
function budgetsOf(req: IncomingMessage, a: Access, deps: DashboardRouteDeps): Array<readonly [string, BudgetRate]> {
  if (a.via === 'user') return [[`user:${user(req, deps)?.user.id ?? 0}`, QUERY_BUDGETS.user]];
  const site = [`anon:${a.site.id}`, QUERY_BUDGETS.anonymousPerSite] as const;
  if (a.via === 'link') return [[`link:${deps.accounts.linkByToken(header(req, SHARE_HEADER))?.id ?? 0}`, QUERY_BUDGETS.link], site];
  return [[`public:${a.site.id}|${clientAddress(req, deps.trustedProxies)}`, QUERY_BUDGETS.public], site];
}

const QUERY_ROUTES = new Set(['POST /batch', 'POST /query', 'POST /prop-keys']);
/** How long a request refused for its budget is held before its 429 (at most its Retry-After). */
const REFUSAL_PAUSE_MS = 1000;

/**
 * Before the body is read (which names the site), each request costs its requester one token — a user's, else the
 * client address's (anonymous viewers of every site from that address share it); the seconds to wait when none is
 * left. The queries inside then draw on the site's budgets (budgetsOf).
 */
function budgetSpent(req: IncomingMessage, deps: DashboardRouteDeps): number {
  const u = user(req, deps);
  const key: readonly [string, BudgetRate] = u ? [`user:${u.user.id}`, QUERY_BUDGETS.user] : [`client:${clientAddress(req, deps.trustedProxies)}`, QUERY_BUDGETS.anonymousPerClient];
  return deps.queryBudget.take([key], 1, Date.now());
}

/** Anonymous viewers' queries (every public site and shared link together) run one at a time; users' as they come. */
function gated<T>(a: Access, deps: DashboardRouteDeps, fn: () => Promise<T>): Promise<T> {
  return a.via === 'user' ? fn() : deps.anonymousGate.run(fn);
}

/** Takes `n` queries from the request's budgets: null when granted, else the 429 to answer. */
function overBudget(req: IncomingMessage, a: Access, n: number, deps: DashboardRouteDeps): { status: 429; body: { error: string }; wait: number } | null {
  const wants = budgetsOf(req, a, deps);
  const wait = deps.queryBudget.take(wants, n, Date.now());
  if (wait === 0) return null;
  return { status: 429, wait, body: { error: `Too many queries for now (this dashboard may ask ${wants[0]![1].perSecond} a second): try again in ${wait} s.` } };
}

/**
 * `POST batch`: several queries in one request (the first view asks for a dozen at once), answered as JSON lines
 * in the order they finish — `{"i": index, "status": 200, "body": …}` — so that each panel fills as soon as its
 * query is done, without the browser's six-connections-per-host queue.
 */
async function batch(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 1024 * 1024);
  const queries = b.queries;
  if (!Array.isArray(queries) || queries.length === 0 || queries.length > 50) throw new AdminError(400, 'queries must be an array of 1 to 50 query bodies');
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  await Promise.all(
    queries.map(async (q: unknown, i) => {
      let line: { status: number; body: unknown };
      if (typeof q !== 'object' || q === null || Array.isArray(q)) line = { status: 400, body: { error: 'Invalid request body: expected a JSON object' } };
      else {
        const body = q as Record<string, unknown>;
        const a = resolveAccess(req, body.site_id, deps);
        const refused = 'status' in a ? null : overBudget(req, a, 1, deps);
        if ('status' in a) line = a;
        else if (refused) line = { status: 429, body: { ...refused.body, retry_after: refused.wait } };
        else {
          try {
            line = { status: 200, body: await gated(a, deps, () => runQuery({ ...body, site_id: a.site.domain, date_range: dashboardRange(body.date_range) }, a.site, deps, true)) };
          } catch (err) {
            const refused = engineRefusal(err);
            if (err instanceof QueryError) line = { status: 400, body: { error: err.message } };
            else if (refused) line = { status: refused.status, body: { error: refused.message } };
            else {
              deps.log?.error('dashboard query failed', { err });
              line = { status: 500, body: { error: 'internal error' } };
            }
          }
        }
      }
      res.write(JSON.stringify({ i, ...line }) + '\n');
    }),
  );
  res.end();
}

async function jsonBody(req: IncomingMessage, limit = 256 * 1024): Promise<Record<string, unknown>> {
  const r = await readBody(req, limit);
  if (!r.ok) throw new AdminError(413, 'Request body is too large');
  const obj = decodeJsonObject(r.body);
  if (!obj) throw new AdminError(400, 'Invalid request body: expected a JSON object');
  return obj;
}

function str(v: unknown, field: string, max = 1024): string {
  if (typeof v !== 'string' || v.length > max) throw new AdminError(400, `${field} must be a string of at most ${max} characters`);
  return v;
}


/** The dashboard's own date ranges: `realtime` (the last 30 minutes) and `current` (the last 5), in server time. */
function dashboardRange(raw: unknown): unknown {
  if (raw !== 'realtime' && raw !== 'current') return raw;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
  return [iso(now - (raw === 'realtime' ? 30 : 5) * 60_000), iso(now)];
}

function siteView(site: Site, via: Access['via'], deps: DashboardRouteDeps) {
  return {
    domain: site.domain,
    timezone: site.timezone,
    public: site.public,
    access: via,
    goals: deps.admin.listGoals(site.domain).map((g) => ({ id: g.id, name: g.name, currency: g.currency })),
  };
}

async function login(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const email = str(b.email, 'email', 300).trim().toLowerCase();
  const password = str(b.password, 'password', 1024);
  const now = Date.now();
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const known = knownDevice(req, deps.deviceKey, email);
  const wait = Math.max(deps.loginLimiter.retryAfter(client, now), known ? 0 : deps.accountSlowdown.retryAfter(email, now));
  if (wait > 0) return sendError(res, 429, 'Too many login attempts. Try again later.', { 'retry-after': String(wait) });
  const token = await deps.accounts.login(email, password);
  if (!token) {
    deps.loginLimiter.fail(client, Date.now());
    deps.accountSlowdown.fail(email, Date.now());
    return sendError(res, 401, 'Wrong email or password');
  }
  const secure = overHttps(req, deps.trustForwardedProto, deps.trustedProxies);
  res.setHeader('set-cookie', [cookieHeader(USER_COOKIE, token, USER_LOGIN_MS / 1000, secure), cookieHeader(DEVICE_COOKIE, deviceToken(deps.deviceKey, email), DEVICE_COOKIE_SEC, secure)]);
  sendJson(res, 200, { email });
}

async function unlock(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const link = deps.accounts.linkByToken(str(b.token, 'token', 200));
  const key = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const wait = deps.loginLimiter.retryAfter(key, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
  const token = link ? await deps.accounts.unlockLink(link, str(b.password, 'password')) : null;
  if (!token) {
    deps.loginLimiter.fail(key, Date.now());
    return sendError(res, 401, link ? 'Wrong password' : UNAUTHORIZED);
  }
  res.setHeader('set-cookie', cookieHeader(LINK_COOKIE, token, LINK_LOGIN_MS / 1000, overHttps(req, deps.trustForwardedProto, deps.trustedProxies)));
  sendJson(res, 200, { ok: true });
}

/** The settings page's view of a site: everything its owner can change. */
function settingsOf(site: Site, req: IncomingMessage, deps: DashboardRouteDeps) {
  return {
    site: { domain: site.domain, timezone: site.timezone, public: site.public, rateLimitPerMinute: site.rateLimitPerMinute, rateLimitBurst: site.rateLimitBurst },
    defaultRateLimit: deps.admin.defaultLimit,
    goals: deps.admin.listGoals(site.domain),
    shields: deps.admin.listShields(site.domain),
    links: deps.accounts.listLinks(site.id),
    keys: deps.admin.listKeys(),
    user: user(req, deps)?.user.email,
  };
}

/** One settings change, through the same Admin and Accounts code as the CLI. */
async function changeSetting(site: Site, b: Record<string, unknown>, deps: DashboardRouteDeps): Promise<unknown> {
  const { admin, accounts } = deps;
  const action = str(b.action, 'action', 50);
  switch (action) {
    case 'timezone':
      return admin.setTimezone(site.domain, str(b.timezone, 'timezone', 100));
    case 'public':
      if (typeof b.public !== 'boolean') throw new AdminError(400, 'public must be true or false');
      return admin.setPublic(site.domain, b.public);
    case 'rate-limit':
      return admin.setRateLimit(site.domain, Number(b.perMinute), Number(b.burst));
    case 'goal-add': {
      const opt = (v: unknown, f: string) => (v === undefined || v === null || v === '' ? undefined : str(v, f, 500));
      return admin.addGoal(site.domain, { eventName: opt(b.event, 'event'), pagePath: opt(b.page, 'page'), currency: opt(b.currency, 'currency') });
    }
    case 'goal-remove':
      return admin.removeGoal(site.domain, String(b.goal));
    case 'shield-add':
      return admin.addShield(site.domain, str(b.kind, 'kind', 20), str(b.value, 'value', 500));
    case 'shield-remove':
      return admin.removeShield(site.domain, str(b.kind, 'kind', 20), str(b.value, 'value', 500));
    case 'link-add':
      return accounts.createLink(site.id, str(b.name, 'name', 200), b.password ? str(b.password, 'password') : undefined);
    case 'link-remove':
      return accounts.removeLink(site.id, Number(b.id));
    case 'key-create':
      return admin.createKey(str(b.name, 'name', 200));
    case 'key-revoke':
      return admin.revokeKey(Number(b.id));
    default:
      throw new AdminError(400, `unknown action ${JSON.stringify(action)}`);
  }
}

/**
 * What the page may know before its first request, put in the HTML (saves a round trip before the dashboard's
 * queries start): on a site's page the site's view when this browser has access (the share token from the URL),
 * on the other pages who is logged in. Nothing when there is no access: the same page as for a site that does
 * not exist.
 */
export function pageBootstrap(req: IncomingMessage, url: URL, deps: DashboardRouteDeps): Record<string, unknown> | null {
  const m = /^\/(share\/)?([^/]+)\/?$/.exec(url.pathname);
  const me = user(req, deps);
  if (!m || m[2] === 'login') return me ? { me: me.user.email } : null;
  let raw: string;
  try {
    raw = decodeURIComponent(m[2]!);
  } catch {
    return null;
  }
  const site = raw.length <= 300 ? deps.admin.byDomain(normalizeDomain(raw)) : undefined;
  if (!site) return null;
  if (me) return { me: me.user.email, access: 'user', site: siteView(site, 'user', deps) };
  if (m[1]) {
    const link = deps.accounts.linkByToken(url.searchParams.get('auth') ?? undefined);
    if (!link || link.siteId !== site.id) return null;
    const unlocked = deps.accounts.principal(readCookie(req, LINK_COOKIE));
    if (link.hasPassword && !(unlocked?.kind === 'link' && unlocked.link.id === link.id)) return null;
    return { access: 'link', site: siteView(site, 'link', deps) };
  }
  return site.public ? { access: 'public', site: siteView(site, 'public', deps) } : null;
}

/** `/api/dashboard/*`: the dashboard's JSON API (cookie logins, shared links, public sites). */
export async function handleDashboard(req: IncomingMessage, res: ServerResponse, url: URL, deps: DashboardRouteDeps): Promise<void> {
  const route = `${req.method} ${url.pathname.slice('/api/dashboard'.length).replace(/\/$/, '')}`;
  res.setHeader('cache-control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (!sameOrigin(req)) {
      req.resume();
      return sendError(res, 403, 'Cross-site request refused');
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      req.resume();
      return sendError(res, 415, 'Expected a JSON body (content-type: application/json)');
    }
  } else req.resume();

  if (QUERY_ROUTES.has(route)) {
    // A requester whose budget is spent is refused before its body is read, and answered after a pause: a closed
    // loop of refused batches then costs the server a few requests a second, not thousands.
    const wait = budgetSpent(req, deps);
    if (wait > 0) {
      req.resume();
      await new Promise((r) => setTimeout(r, Math.min(wait, REFUSAL_PAUSE_MS / 1000) * 1000));
      return sendError(res, 429, `Too many queries for now: try again in ${wait} s.`, { 'retry-after': String(wait) });
    }
  }

  switch (route) {
    case 'POST /login':
      return login(req, res, deps);
    case 'POST /logout': {
      req.resume();
      await deps.accounts.logout(readCookie(req, USER_COOKIE));
      res.setHeader('set-cookie', cookieHeader(USER_COOKIE, '', 0, overHttps(req, deps.trustForwardedProto, deps.trustedProxies)));
      return sendJson(res, 200, { ok: true });
    }
    case 'POST /password': {
      const u = user(req, deps);
      if (!u) {
        req.resume();
        return sendError(res, 401, UNAUTHORIZED);
      }
      const b = await jsonBody(req, 16 * 1024);
      const wait = deps.accountSlowdown.retryAfter(u.user.email, Date.now());
      if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
      try {
        await deps.accounts.changePassword(u.user.id, str(b.current, 'current'), str(b.password, 'password'), readCookie(req, USER_COOKIE));
      } catch (err) {
        if (err instanceof AdminError && err.status === 403) deps.accountSlowdown.fail(u.user.email, Date.now());
        throw err;
      }
      return sendJson(res, 200, { ok: true });
    }
    case 'POST /share/unlock':
      return unlock(req, res, deps);
    case 'GET /me': {
      // Not a data endpoint: tells the page whether to show the login form (without a failed request in the console).
      return sendJson(res, 200, { email: user(req, deps)?.user.email ?? null });
    }
    case 'GET /access': {
      // How this browser may open a site: 'user', 'link', 'public', or null (no access, or no such site: the same
      // answer), and whether a shared link waits for its password.
      const site = deps.admin.byDomain(normalizeDomain(url.searchParams.get('site') ?? ''));
      // With access, the site's view comes along (one round trip less before the dashboard's queries start).
      const granted = (via: Access['via']) => sendJson(res, 200, { access: via, site: site ? siteView(site, via, deps) : undefined });
      if (user(req, deps)) return site ? granted('user') : sendJson(res, 200, { access: null, exists: false });
      if (!site) return sendJson(res, 200, { access: null });
      const link = deps.accounts.linkByToken(header(req, SHARE_HEADER));
      if (link && link.siteId === site.id) {
        const unlocked = deps.accounts.principal(readCookie(req, LINK_COOKIE));
        if (!link.hasPassword || (unlocked?.kind === 'link' && unlocked.link.id === link.id)) return granted('link');
        return sendJson(res, 200, { access: null, passwordRequired: true });
      }
      return site.public ? granted('public') : sendJson(res, 200, { access: null });
    }
    case 'GET /sites': {
      if (!user(req, deps)) return sendError(res, 401, UNAUTHORIZED);
      return sendJson(res, 200, deps.admin.listSites().map((s) => ({ domain: s.domain, timezone: s.timezone, public: s.public })));
    }
    case 'POST /sites': {
      if (!user(req, deps)) return void (req.resume(), sendError(res, 401, UNAUTHORIZED));
      const b = await jsonBody(req, 16 * 1024);
      const s = await deps.admin.addSite(str(b.domain, 'domain', 300), b.timezone ? str(b.timezone, 'timezone', 100) : undefined);
      return sendJson(res, 201, { domain: s.domain, timezone: s.timezone, public: s.public });
    }
    case 'GET /site': {
      const a = access(req, res, url.searchParams.get('site'), deps);
      if (a) sendJson(res, 200, siteView(a.site, a.via, deps));
      return;
    }
    case 'POST /batch':
      return batch(req, res, deps);
    case 'POST /query': {
      const b = await jsonBody(req);
      const a = access(req, res, b.site_id, deps);
      if (!a) return;
      const refused = overBudget(req, a, 1, deps);
      if (refused) return sendJson(res, 429, refused.body, { 'retry-after': String(refused.wait) });
      const body = { ...b, site_id: a.site.domain, date_range: dashboardRange(b.date_range) };
      return answer(res, () => gated(a, deps, () => runQuery(body, a.site, deps, true)));
    }
    case 'POST /prop-keys': {
      const b = await jsonBody(req, 16 * 1024);
      const a = access(req, res, b.site_id, deps);
      if (!a) return;
      const refused = overBudget(req, a, 2, deps); // the keys, and the first key's query
      if (refused) return sendJson(res, 429, refused.body, { 'retry-after': String(refused.wait) });
      return answer(res, async () => {
        const statsStart = b.date_range === 'all' ? await deps.stats.statsStart(a.site.id, a.site.timezone) : null;
        const q = parseQuery({ site_id: a.site.domain, metrics: ['visitors'], date_range: dashboardRange(b.date_range) }, a.site, [], { nowMs: Date.now(), statsStart });
        const keys = await deps.stats.propKeys(a.site.id, q.range.fromMs, q.range.toMs);
        // `first`: a query body whose `event:props:*` stands for the most used key, answered in the same round trip
        if (!keys.length || typeof b.first !== 'object' || b.first === null) return { keys };
        const dim = JSON.stringify(`event:props:${keys[0]}`).slice(1, -1);
        const first = JSON.parse(JSON.stringify(b.first).split('event:props:*').join(dim)) as Record<string, unknown>;
        return { keys, first: await runQuery({ ...first, site_id: a.site.domain, date_range: dashboardRange(first.date_range) }, a.site, deps, true) };
      });
    }
    case 'GET /settings': {
      const a = access(req, res, url.searchParams.get('site'), deps);
      if (!a) return;
      if (a.via !== 'user') return sendError(res, 403, 'Only users can change settings');
      return sendJson(res, 200, settingsOf(a.site, req, deps));
    }
    case 'POST /settings': {
      const b = await jsonBody(req, 16 * 1024);
      const a = access(req, res, b.site, deps);
      if (!a) return;
      if (a.via !== 'user') return sendError(res, 403, 'Only users can change settings');
      const result = await changeSetting(a.site, b, deps);
      return sendJson(res, 200, { result, settings: settingsOf(deps.admin.byDomain(a.site.domain) ?? a.site, req, deps) });
    }
    default:
      return sendError(res, 404, 'Not found');
  }
}

