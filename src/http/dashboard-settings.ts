import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError, goalInputFromBody } from '../core/admin.js';
import { parseRole, type Actor } from '../core/access.js';
import { can, SETTING_CAPABILITY, type Role } from '../core/roles.js';
import type { Site } from '../store/repo.js';
import { UNAUTHORIZED, jsonBody, str, user, type DashboardRouteDeps } from './dashboard-common.js';
import { sendError, sendJson } from './respond.js';

/** The settings page's view of a site: what the user's role may change (members for admins, transfer for owners). */
function settingsOf(site: Site, role: Role, userId: number, deps: DashboardRouteDeps) {
  const actor: Actor = { kind: 'user', userId };
  const team = deps.access.teams.team(site.teamId);
  return {
    site: { domain: site.domain, timezone: site.timezone, public: site.public, rateLimitPerMinute: site.rateLimitPerMinute, rateLimitBurst: site.rateLimitBurst },
    role,
    tracking: deps.tracking,
    team: team ? { id: team.id, name: team.name } : null,
    defaultRateLimit: deps.admin.defaultLimit,
    goals: deps.admin.listGoals(site.domain),
    shields: deps.admin.listShields(site.domain),
    links: deps.accounts.listLinks(site.id),
    people: can(role, 'members') ? deps.access.members(actor, site.domain) : null,
    transferTo: can(role, 'transfer') ? deps.access.teamsToAddTo(userId).filter((t) => t.id !== site.teamId) : null,
  };
}

/** One settings change, through the same Admin, Accounts and Access code as the CLI, after the role's check. */
async function changeSetting(site: Site, role: Role, userId: number, b: Record<string, unknown>, deps: DashboardRouteDeps): Promise<unknown> {
  const { admin, accounts, access } = deps;
  const actor: Actor = { kind: 'user', userId };
  const action = str(b.action, 'action', 50);
  const needs = SETTING_CAPABILITY[action];
  if (!needs) throw new AdminError(400, `unknown action ${JSON.stringify(action)}`);
  if (!can(role, needs)) throw new AdminError(403, `Your role (${role}) cannot do this on ${site.domain}`);
  switch (action) {
    case 'timezone':
      return admin.setTimezone(site.domain, str(b.timezone, 'timezone', 100));
    case 'public':
      if (typeof b.public !== 'boolean') throw new AdminError(400, 'public must be true or false');
      return admin.setPublic(site.domain, b.public);
    case 'rate-limit':
      return admin.setRateLimit(site.domain, Number(b.perMinute), Number(b.burst));
    case 'goal-add': {
      return admin.addGoal(site.domain, goalInputFromBody(b));
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
    case 'member-role':
      return access.setMember(actor, site.domain, str(b.email, 'email', 300), parseRole(b.role));
    case 'member-remove':
      return access.removeMember(actor, site.domain, str(b.email, 'email', 300));
    case 'leave':
      return access.removeMember(actor, site.domain, accounts.userById(userId)?.email ?? '');
    case 'invite-add':
      return access.invite(actor, site.domain, str(b.email, 'email', 300), parseRole(b.role));
    case 'invite-remove':
      return access.revokeInvitation(actor, site.domain, Number(b.id));
    case 'transfer-ownership':
      return access.transferOwnership(actor, site.domain, str(b.email, 'email', 300));
    case 'site-transfer':
      return access.transferSite(actor, site.domain, Number(b.team));
    case 'site-delete':
      if (b.confirm !== site.domain) throw new AdminError(400, `type the domain (${site.domain}) to confirm`);
      return access.deleteSite(actor, site.domain);
    default:
      throw new AdminError(400, `unknown action ${JSON.stringify(action)}`);
  }
}

/** The site and the user's role on it, for the settings routes (404 for a site the user cannot see). */
function memberSite(req: IncomingMessage, res: ServerResponse, raw: unknown, deps: DashboardRouteDeps): { site: Site; role: Role; userId: number } | null {
  const u = user(req, deps);
  if (!u) {
    sendError(res, 401, UNAUTHORIZED);
    return null;
  }
  const { site, role } = deps.access.require({ kind: 'user', userId: u.user.id }, typeof raw === 'string' ? raw.slice(0, 300) : '', 'view');
  return { site, role, userId: u.user.id };
}

/** `GET settings?site=`: editors and above (viewers see dashboards only). */
export function getSettings(req: IncomingMessage, res: ServerResponse, url: URL, deps: DashboardRouteDeps): void {
  const m = memberSite(req, res, url.searchParams.get('site'), deps);
  if (!m) return;
  if (!can(m.role, 'settings')) return sendError(res, 403, `Your role (${m.role}) cannot change this site's settings`);
  sendJson(res, 200, settingsOf(m.site, m.role, m.userId, deps));
}

/** `POST settings`: one change. */
export async function postSettings(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const m = memberSite(req, res, b.site, deps);
  if (!m) return;
  const result = await changeSetting(m.site, m.role, m.userId, b, deps);
  const after = deps.admin.byDomain(m.site.domain);
  const role = after && deps.access.roleOn(m.userId, after);
  // after a transfer, a deletion or leaving, the site may be out of reach: no settings then
  sendJson(res, 200, { result, settings: after && role && can(role, 'settings') ? settingsOf(after, role, m.userId, deps) : null });
}

/** `GET sites`: the sites of the user's teams, with the role on each. */
export function listSites(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): void {
  const u = user(req, deps);
  if (!u) return sendError(res, 401, UNAUTHORIZED);
  sendJson(
    res,
    200,
    deps.access.sitesOf(u.user.id).map(({ site, role }) => ({ domain: site.domain, timezone: site.timezone, public: site.public, role, team: deps.access.teams.team(site.teamId)?.name ?? '' })),
  );
}

/** `POST sites`: a new site in one of the user's teams (a team of their own when they have none they may add to). */
export async function addSite(req: IncomingMessage, res: ServerResponse, deps: DashboardRouteDeps): Promise<void> {
  const u = user(req, deps);
  if (!u) return void (req.resume(), sendError(res, 401, UNAUTHORIZED));
  const b = await jsonBody(req, 16 * 1024);
  const team = b.team === undefined || b.team === null ? undefined : Number(b.team);
  const s = await deps.access.addSite({ kind: 'user', userId: u.user.id }, str(b.domain, 'domain', 300), b.timezone ? str(b.timezone, 'timezone', 100) : undefined, team);
  sendJson(res, 201, { domain: s.domain, timezone: s.timezone, public: s.public, role: deps.access.roleOn(u.user.id, s) });
}
