import type { Importer } from '../import/service.js';
import type { Segments } from '../core/segments.js';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../util/log.js';
import type { TrustedProxies } from '../ingest/ip.js';
import { AdminError, type Admin } from '../core/admin.js';
import type { Accounts, Principal } from '../core/accounts.js';
import type { Access } from '../core/access.js';
import type { FirstRun } from '../core/first-run.js';
import type { Role } from '../core/roles.js';
import { decodeJsonObject } from '../ingest/json.js';
import type { Site } from '../store/repo.js';
import type { StatsEngine } from '../stats/engine.js';
import { readBody } from './body.js';
import { USER_COOKIE, readCookie, type AccountSlowdown, type AttemptLimiter } from './dashboard-auth.js';
import type { Gate, QueryBudget } from './query-budget.js';

export interface DashboardRouteDeps {
  admin: Admin;
  accounts: Accounts;
  /** Teams and roles: who may see and change which site. */
  access: Access;
  /** The owner account of a fresh server, made in the browser with the token the server printed. */
  firstRun: FirstRun;
  /** Saved segments (personal and per site), expanded in the dashboard's queries. */
  segments: Segments;
  /** The tracker's address and event path on this server (the install snippet). */
  tracking: { script: string; eventPath: string };
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
  /** Imports and Plausible-format exports (the settings' Imports & exports). */
  importer: Importer;
}

/** One answer for every request without access, whether or not the site exists. */
export const UNAUTHORIZED = 'Authentication required';
export const SHARE_HEADER = 'x-footfall-share';

/** How a request reaches a site: as a member of its team (with a role), or read-only (public site, shared link). */
export interface SiteAccess {
  site: Site;
  via: 'user' | 'link' | 'public';
  /** The user's role in the site's team (only when `via` is 'user'). */
  role?: Role;
}

export function user(req: IncomingMessage, deps: Pick<DashboardRouteDeps, 'accounts'>): Extract<Principal, { kind: 'user' }> | undefined {
  const p = deps.accounts.principal(readCookie(req, USER_COOKIE));
  return p?.kind === 'user' ? p : undefined;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

export async function jsonBody(req: IncomingMessage, limit = 256 * 1024): Promise<Record<string, unknown>> {
  const r = await readBody(req, limit);
  if (!r.ok) throw new AdminError(413, 'Request body is too large');
  const obj = decodeJsonObject(r.body);
  if (!obj) throw new AdminError(400, 'Invalid request body: expected a JSON object');
  return obj;
}

export function str(v: unknown, field: string, max = 1024): string {
  if (typeof v !== 'string' || v.length > max) throw new AdminError(400, `${field} must be a string of at most ${max} characters`);
  return v;
}


