import type { SegmentActor } from '../core/segments.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError } from '../core/admin.js';
import { LINK_LOGIN_MS } from '../core/accounts.js';
import { normalizeDomain } from '../ingest/request.js';
import type { Site } from '../store/repo.js';
import { parseQuery, QueryError } from '../stats/query.js';
import { LINK_COOKIE, USER_COOKIE, clientAddress, cookieHeader, overHttps, readCookie, sameOrigin } from './dashboard-auth.js';
import { SHARE_HEADER, UNAUTHORIZED, header, jsonBody, str, user, type DashboardRouteDeps, type SiteAccess } from './dashboard-common.js';
import { acceptInvitation, changeAccount, changePassword, completeReset, firstRunSetup, getAccount, getInvitation, getReset, login, loginSecondFactor } from './dashboard-account.js';
import { addSite, getSettings, listSites, postSettings } from './dashboard-settings.js';
import { sendError, sendJson } from './respond.js';
import { answer, runQuery } from './stats.js';
import { changeImports, downloadExport, listImports, uploadImport, type ImportsRouteDeps } from './dashboard-imports.js';
import { engineRefusal } from './refusal.js';
import { QUERY_BUDGETS, type BudgetRate } from './query-budget.js';

export type { DashboardRouteDeps } from './dashboard-common.js';
type Access = SiteAccess;

type Refusal = { status: number; body: Record<string, unknown> };

/** What the request may see of the site `rawDomain`, or the refusal (401 without revealing anything). */
function resolveAccess(req: IncomingMessage, rawDomain: unknown, deps: DashboardRouteDeps, shareToken = header(req, SHARE_HEADER)): Access | Refusal {
  const site = typeof rawDomain === 'string' && rawDomain.length <= 300 ? deps.admin.byDomain(normalizeDomain(rawDomain)) : undefined;
  const me = user(req, deps);
  const role = me && site ? deps.access.roleOn(me.user.id, site) : undefined;
  if (site && role) return { site, via: 'user', role };
  if (site) {
    const link = deps.accounts.linkByToken(shareToken);
    if (link && link.siteId === site.id) {
      if (!link.hasPassword) return { site, via: 'link' };
      const unlocked = deps.accounts.principal(readCookie(req, LINK_COOKIE));
      if (unlocked?.kind === 'link' && unlocked.link.id === link.id) return { site, via: 'link' };
      return { status: 401, body: { error: 'This shared link needs its password', passwordRequired: true } };
    }
    if (site.public) return { site, via: 'public' };
  }
  // a logged-in user is told "no site" for a site of another team, as for one that does not exist
  if (me) return { status: 404, body: { error: `no site ${String(rawDomain).slice(0, 300)}` } };
  return { status: 401, body: { error: UNAUTHORIZED } };
}

/** Who asks, for the segments: a member with their role, or nobody in particular (a shared link, a public page). */
function segmentActor(req: IncomingMessage, a: Access, deps: DashboardRouteDeps): SegmentActor {
  return a.via === 'user' ? { userId: user(req, deps)?.user.id ?? null, role: a.role } : { userId: null };
}

/** A dashboard query body with its segment filters replaced by the segments' filters. */
function withSegments(req: IncomingMessage, a: Access, body: Record<string, unknown>, deps: DashboardRouteDeps): Record<string, unknown> {
  return body.filters === undefined ? body : { ...body, filters: deps.segments.expand(a.site, segmentActor(req, a, deps), body.filters) };
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
            line = { status: 200, body: await gated(a, deps, () => runQuery({ ...withSegments(req, a, body, deps), site_id: a.site.domain, date_range: dashboardRange(body.date_range) }, a.site, deps, true)) };
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

/** The dashboard's own date ranges: `realtime` (the last 30 minutes) and `current` (the last 5), in server time. */
function dashboardRange(raw: unknown): unknown {
  if (raw !== 'realtime' && raw !== 'current') return raw;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
  return [iso(now - (raw === 'realtime' ? 30 : 5) * 60_000), iso(now)];
}

function siteView(site: Site, via: Access['via'], deps: DashboardRouteDeps, role?: Access['role']) {
  return {
    domain: site.domain,
    timezone: site.timezone,
    public: site.public,
    access: via,
    role: role ?? null,
    // members get the install snippet's parts
    ...(via === 'user' ? { tracking: deps.tracking } : {}),
    goals: deps.admin.listGoals(site.domain).map((g) => ({ id: g.id, name: g.name, currency: g.currency })),
  };
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
  // a site's page: with the share token of the URL on /share/…, else as a member or a public site's visitor
  const a = resolveAccess(req, raw, deps, m[1] ? (url.searchParams.get('auth') ?? undefined) : '');
  if ('status' in a) return me ? { me: me.user.email } : null;
  return { ...(me ? { me: me.user.email } : {}), access: a.via, site: siteView(a.site, a.via, deps, a.role) };
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
    if (route !== 'POST /imports/upload' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
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
    case 'POST /setup':
      return firstRunSetup(req, res, deps);
    case 'POST /login/2fa':
      return loginSecondFactor(req, res, deps);
    case 'POST /password':
      return changePassword(req, res, deps);
    case 'GET /account':
      return getAccount(req, res, deps);
    case 'POST /account':
      return changeAccount(req, res, deps);
    case 'GET /invitation':
      return getInvitation(req, res, url, deps);
    case 'POST /invitation/accept':
      return acceptInvitation(req, res, deps);
    case 'GET /reset':
      return getReset(req, res, url, deps);
    case 'POST /reset':
      return completeReset(req, res, deps);
    case 'POST /share/unlock':
      return unlock(req, res, deps);
    case 'GET /me': {
      // Not a data endpoint: tells the page whether to show the login form (without a failed request in the console).
      // `setup`: a fresh server whose first account the browser may make (with the token from the server's log)
      const email = user(req, deps)?.user.email ?? null;
      return sendJson(res, 200, email ? { email } : { email: null, ...(deps.firstRun.active() ? { setup: true } : {}) });
    }
    case 'GET /access': {
      // How this browser may open a site: 'user', 'link', 'public', or null (no access, or no such site: the same
      // answer), and whether a shared link waits for its password.
      // With access, the site's view comes along (one round trip less before the dashboard's queries start).
      const a = resolveAccess(req, url.searchParams.get('site') ?? '', deps);
      if (!('status' in a)) return sendJson(res, 200, { access: a.via, site: siteView(a.site, a.via, deps, a.role) });
      if (a.body.passwordRequired) return sendJson(res, 200, { access: null, passwordRequired: true });
      return sendJson(res, 200, user(req, deps) ? { access: null, exists: false } : { access: null });
    }
    case 'GET /sites':
      return listSites(req, res, deps);
    case 'POST /sites':
      return addSite(req, res, deps);
    case 'GET /site': {
      const a = access(req, res, url.searchParams.get('site'), deps);
      if (a) sendJson(res, 200, siteView(a.site, a.via, deps, a.role));
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
      return answer(res, () => gated(a, deps, () => runQuery({ ...withSegments(req, a, b, deps), site_id: a.site.domain, date_range: dashboardRange(b.date_range) }, a.site, deps, true)));
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
        const names = Array.isArray(b.event_names) ? b.event_names.filter((n): n is string => typeof n === 'string' && n.length <= 200).slice(0, 50) : [];
        const keys = await deps.stats.propKeys(a.site.id, q.range.fromMs, q.range.toMs, 100, names);
        // `first`: a query body whose `event:props:*` stands for the most used key, answered in the same round trip
        if (!keys.length || typeof b.first !== 'object' || b.first === null) return { keys };
        const dim = JSON.stringify(`event:props:${keys[0]}`).slice(1, -1);
        const first = JSON.parse(JSON.stringify(b.first).split('event:props:*').join(dim)) as Record<string, unknown>;
        return { keys, first: await runQuery({ ...withSegments(req, a, first, deps), site_id: a.site.domain, date_range: dashboardRange(first.date_range) }, a.site, deps, true) };
      });
    }
    case 'GET /segments': {
      const a = access(req, res, url.searchParams.get('site'), deps);
      if (a) sendJson(res, 200, { segments: deps.segments.list(a.site, segmentActor(req, a, deps)) });
      return;
    }
    case 'POST /segments': {
      const b = await jsonBody(req, 200 * 1024);
      const a = access(req, res, b.site, deps);
      if (!a) return;
      const actor = segmentActor(req, a, deps);
      const input = { name: b.name as string | undefined, type: b.type as 'personal' | 'site' | undefined, filters: b.filters as unknown[] | undefined };
      const id = Number(b.id);
      const result =
        b.action === 'create'
          ? await deps.segments.create(a.site, actor, input)
          : b.action === 'update'
            ? await deps.segments.update(a.site, actor, id, input)
            : b.action === 'delete'
              ? await deps.segments.remove(a.site, actor, id)
              : null;
      if (!result) return sendError(res, 400, 'action must be create, update or delete');
      return sendJson(res, 200, { result, segments: deps.segments.list(a.site, actor) });
    }
    case 'GET /settings':
      return getSettings(req, res, url, deps);
    case 'GET /imports':
      return listImports(req, res, url, deps);
    case 'POST /imports':
      return changeImports(req, res, deps);
    case 'POST /imports/upload':
      return uploadImport(req, res, url, deps);
    case 'GET /export-plausible':
      return downloadExport(req, res, url, deps);
    case 'POST /settings':
      return postSettings(req, res, deps);
    default:
      return sendError(res, 404, 'Not found');
  }
}

