import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError } from '../core/admin.js';
import { SECOND_FACTOR_MS, USER_LOGIN_MS } from '../core/accounts.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_SEC, USER_COOKIE, clientAddress, cookieHeader, deviceToken, knownDevice, overHttps, readCookie } from './dashboard-auth.js';
import { UNAUTHORIZED, jsonBody, str, user, type DashboardRouteDeps } from './dashboard-common.js';
import { sendError, sendJson } from './respond.js';

/** The cookie that carries a right password to the second step (two-factor), for 5 minutes. */
export const SECOND_FACTOR_COOKIE = 'ff_2fa';

function secure(req: IncomingMessage, deps: DashboardRouteDeps): boolean {
  return overHttps(req, deps.trustForwardedProto, deps.trustedProxies);
}

function startSession(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps, token: string, email: string, extra: string[] = []): void {
  const s = secure(req, deps);
  res.setHeader('set-cookie', [cookieHeader(USER_COOKIE, token, USER_LOGIN_MS / 1000, s), cookieHeader(DEVICE_COOKIE, deviceToken(deps.deviceKey, email), DEVICE_COOKIE_SEC, s), ...extra]);
}

/** `POST login`: email and password; with two-factor on, a wait for the code (`twoFactorRequired`). */
export async function login(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const email = str(b.email, 'email', 300).trim().toLowerCase();
  const password = str(b.password, 'password', 1024);
  const now = Date.now();
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const known = knownDevice(req, deps.deviceKey, email);
  const wait = Math.max(deps.loginLimiter.retryAfter(client, now), known ? 0 : deps.accountSlowdown.retryAfter(email, now));
  if (wait > 0) return sendError(res, 429, 'Too many login attempts. Try again later.', { 'retry-after': String(wait) });
  const r = await deps.accounts.login(email, password);
  if (!r) {
    deps.loginLimiter.fail(client, Date.now());
    deps.accountSlowdown.fail(email, Date.now());
    return sendError(res, 401, 'Wrong email or password');
  }
  if (r.kind === 'second-factor') {
    res.setHeader('set-cookie', cookieHeader(SECOND_FACTOR_COOKIE, r.pending, SECOND_FACTOR_MS / 1000, secure(req, deps)));
    return sendJson(res, 200, { twoFactorRequired: true });
  }
  startSession(req, res, deps, r.token, email);
  sendJson(res, 200, { email });
}

/** `POST setup`: the owner account of a fresh server (the token from the server's log), logged in at once. */
export async function firstRunSetup(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  if (!deps.firstRun.active()) return sendError(res, 409, 'This server has its first account already: log in');
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const wait = deps.loginLimiter.retryAfter(client, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
  if (!deps.firstRun.matches(str(b.token, 'token', 200))) {
    deps.loginLimiter.fail(client, Date.now());
    return sendError(res, 403, "The setup token is not right: it is in the server's log (\"first run\")");
  }
  const password = str(b.password, 'password');
  const created = await deps.access.addUser(str(b.email, 'email', 300), password);
  deps.firstRun.done();
  const r = await deps.accounts.login(created.user.email, password);
  if (r?.kind === 'session') startSession(req, res, deps, r.token, created.user.email);
  sendJson(res, 201, { email: created.user.email });
}

/** `POST login/2fa`: the code from the authenticator app (or a recovery code) after a right password. */
export async function loginSecondFactor(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const wait = deps.loginLimiter.retryAfter(client, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many login attempts. Try again later.', { 'retry-after': String(wait) });
  const r = await deps.accounts.secondFactor(readCookie(req, SECOND_FACTOR_COOKIE), str(b.code, 'code', 100));
  if (r === 'expired') {
    res.setHeader('set-cookie', cookieHeader(SECOND_FACTOR_COOKIE, '', 0, secure(req, deps)));
    return sendError(res, 401, 'The login has expired: enter your password again', { 'x-footfall-restart': '1' });
  }
  if (r === 'wrong') {
    deps.loginLimiter.fail(client, Date.now());
    return sendError(res, 401, 'Wrong code');
  }
  startSession(req, res, deps, r.token, r.email, [cookieHeader(SECOND_FACTOR_COOKIE, '', 0, secure(req, deps))]);
  sendJson(res, 200, { email: r.email });
}

function needUser(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps) {
  const u = user(req, deps);
  if (!u) {
    req.resume();
    sendError(res, 401, UNAUTHORIZED);
  }
  return u;
}

/** `POST password`: the user's own password change (the current one checked, counted in the account's slowdown). */
export async function changePassword(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const u = needUser(req, res, deps);
  if (!u) return;
  const b = await jsonBody(req, 16 * 1024);
  const wait = deps.accountSlowdown.retryAfter(u.user.email, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
  try {
    await deps.accounts.changePassword(u.user.id, str(b.current, 'current'), str(b.password, 'password'), readCookie(req, USER_COOKIE));
  } catch (err) {
    if (err instanceof AdminError && err.status === 403) deps.accountSlowdown.fail(u.user.email, Date.now());
    throw err;
  }
  sendJson(res, 200, { ok: true });
}

function accountView(userId: number, email: string, deps: DashboardRouteDeps) {
  return {
    email,
    keys: deps.admin.listKeys(userId).map(({ id, name, prefix, createdAt }) => ({ id, name, prefix, createdAt })),
    twoFactor: deps.accounts.twoFactorOf(userId),
    teams: deps.access.teams.teamsOf(userId).map((t) => ({ id: t.team.id, name: t.team.name, role: t.role })),
  };
}

/** `GET account`: the user's own API keys, two-factor state and teams. */
export function getAccount(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): void {
  const u = needUser(req, res, deps);
  if (u) sendJson(res, 200, accountView(u.user.id, u.user.email, deps));
}

/** `POST account`: the user's keys (every role: keys only read, and only the sites the user sees) and two-factor. */
export async function changeAccount(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const u = needUser(req, res, deps);
  if (!u) return;
  const b = await jsonBody(req, 16 * 1024);
  const id = u.user.id;
  const action = str(b.action, 'action', 50);
  const slowed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const wait = deps.accountSlowdown.retryAfter(u.user.email, Date.now());
    if (wait > 0) throw new AdminError(429, 'Too many attempts. Try again later.');
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AdminError && err.status === 403) deps.accountSlowdown.fail(u.user.email, Date.now());
      throw err;
    }
  };
  let result: unknown;
  switch (action) {
    case 'key-create':
      result = await deps.admin.createKey(str(b.name, 'name', 200), id);
      break;
    case 'key-revoke':
      result = await deps.admin.revokeKey(Number(b.id), id);
      break;
    case '2fa-setup':
      result = await slowed(() => deps.accounts.setupTwoFactor(id, str(b.password, 'password')));
      break;
    case '2fa-enable':
      result = await slowed(() => deps.accounts.enableTwoFactor(id, str(b.code, 'code', 100)));
      break;
    case '2fa-disable':
      result = await slowed(() => deps.accounts.disableTwoFactor(id, str(b.password, 'password'), str(b.code ?? '', 'code', 100)));
      break;
    default:
      throw new AdminError(400, `unknown action ${JSON.stringify(action)}`);
  }
  sendJson(res, 200, { result, account: accountView(id, u.user.email, deps) });
}

/** `GET invitation?token=`: what an invitation link offers (and whether its email has an account). */
export function getInvitation(req: IncomingMessage, res: ServerResponse, url: URL, deps: DashboardRouteDeps): void {
  const view = deps.access.invitationView(url.searchParams.get('token') ?? undefined);
  if (!view) return sendError(res, 410, 'This invitation is not valid any more: ask for a new one');
  sendJson(res, 200, { ...view, loggedInAs: user(req, deps)?.user.email ?? null });
}

/** `POST invitation/accept`: the logged-in user (the invitation's email) joins; or, with a password, signs up first. */
export async function acceptInvitation(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const token = str(b.token, 'token', 200);
  const me = user(req, deps);
  if (me) return sendJson(res, 200, await deps.access.acceptInvitation(token, me.user.id));
  if (b.password === undefined) return sendError(res, 401, UNAUTHORIZED);
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const wait = deps.loginLimiter.retryAfter(client, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
  if (!deps.access.invitationView(token)) deps.loginLimiter.fail(client, Date.now());
  const created = await deps.access.signUpWithInvitation(token, str(b.password, 'password'));
  const r = await deps.accounts.login(created.email, String(b.password));
  if (r?.kind === 'session') startSession(req, res, deps, r.token, created.email);
  sendJson(res, 201, { email: created.email });
}

/** `GET reset?token=`: whose password a reset link sets (410 when unknown, used or expired). */
export function getReset(_req: IncomingMessage, res: ServerResponse, url: URL, deps: DashboardRouteDeps): void {
  const who = deps.accounts.resetFor(url.searchParams.get('token') ?? undefined);
  if (!who) return sendError(res, 410, 'This reset link is not valid any more: ask for a new one');
  sendJson(res, 200, { email: who.email });
}

/** `POST reset`: a new password through a reset link (every login of the user ends; two-factor stays on). */
export async function completeReset(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const client = `ip:${clientAddress(req, deps.trustedProxies)}`;
  const wait = deps.loginLimiter.retryAfter(client, Date.now());
  if (wait > 0) return sendError(res, 429, 'Too many attempts. Try again later.', { 'retry-after': String(wait) });
  const token = str(b.token, 'token', 200);
  if (!deps.accounts.resetFor(token)) deps.loginLimiter.fail(client, Date.now());
  const u = await deps.accounts.completeReset(token, str(b.password, 'password'));
  sendJson(res, 200, { email: u.email });
}
