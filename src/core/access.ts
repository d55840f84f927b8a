import type { ApiKeyInfo, Site } from '../store/repo.js';
import { normalizeDomain } from '../ingest/request.js';
import { AdminError, type Admin } from './admin.js';
import { validateEmail, type Accounts, type UserInfo } from './accounts.js';
import { can, higher, isRole, mayManage, type Capability, type Role } from './roles.js';
import type { InvitationInfo, Teams } from './teams.js';

/** Who asks: the operator (the CLI, the admin socket: every right) or a dashboard user (their roles). */
export type Actor = { kind: 'operator' } | { kind: 'user'; userId: number };
export const OPERATOR: Actor = { kind: 'operator' };

export interface MemberView {
  email: string;
  role: Role;
  since: string;
}

const CAPABILITY_TEXT: Record<Capability, string> = {
  view: 'see this site',
  settings: "change this site's settings",
  members: "manage this site's team",
  'add-site': 'add sites to this team',
  owners: 'manage owners',
  'delete-site': 'delete this site',
  transfer: 'transfer this site',
};

export function parseRole(raw: unknown): Role {
  if (!isRole(raw)) throw new AdminError(400, `role must be one of owner, admin, editor, viewer (got ${JSON.stringify(raw)})`);
  return raw;
}

/**
 * Who may do what to which site: sites belong to teams, users have roles in teams (see roles.ts). Every change to
 * members, invitations and sites that the dashboard or the CLI makes goes through here, checked against the actor.
 */
export class Access {
  constructor(readonly admin: Admin, readonly accounts: Accounts, readonly teams: Teams) {}

  /**
   * A store from before teams: one team that holds every site, its users its owners, the keys made before
   * (which reached every site) given to the first user. Sites without a team (none are made so) join the oldest.
   */
  async migrate(): Promise<{ team?: number; sites: number; owners: number; keys: number }> {
    const sites = this.admin.listSites();
    const users = this.accounts.listUsers();
    let team = this.teams.defaultTeam();
    let owners = 0;
    let keys = 0;
    if (!team) {
      if (!sites.length && !users.length) return { sites: 0, owners: 0, keys: 0 };
      team = await this.teams.createTeam('Default team');
      for (const u of users) {
        await this.teams.setMember(team.id, u.id, 'owner');
        owners++;
      }
      if (users[0]) keys = await this.admin.reassignKeys(0, users[0].id);
    }
    let moved = 0;
    for (const s of sites) {
      if (s.teamId && this.teams.team(s.teamId)) continue;
      await this.admin.moveSite(s.domain, team.id);
      moved++;
    }
    return { team: team.id, sites: moved, owners, keys };
  }

  roleOn(userId: number, site: Site): Role | undefined {
    return this.teams.roleIn(userId, site.teamId);
  }

  private roleOf(actor: Actor, site: Site): Role | undefined {
    return actor.kind === 'operator' ? 'owner' : this.roleOn(actor.userId, site);
  }

  /** The sites a user sees (the sites of their teams), with their role on each. */
  sitesOf(userId: number): Array<{ site: Site; role: Role }> {
    const out: Array<{ site: Site; role: Role }> = [];
    for (const site of this.admin.listSites()) {
      const role = this.roleOn(userId, site);
      if (role) out.push({ site, role });
    }
    return out;
  }

  /** Whether an API key may read the site: an operator key every site, a user's key the sites of its user. */
  keyReaches(key: ApiKeyInfo, site: Site): boolean {
    return key.userId === 0 || can(this.roleOn(key.userId, site), 'view');
  }

  /** The site, when the actor has `capability` on it; else 404 for a site they cannot see, 403 for one they can. */
  require(actor: Actor, rawDomain: string, capability: Capability): { site: Site; role: Role } {
    const domain = normalizeDomain(rawDomain);
    const site = this.admin.byDomain(domain);
    const role = site && this.roleOf(actor, site);
    if (!site || !role) throw new AdminError(404, `no site ${domain}`);
    if (!can(role, capability)) throw new AdminError(403, `Your role (${role}) cannot ${CAPABILITY_TEXT[capability]}`);
    return { site, role };
  }

  private user(rawEmail: string): UserInfo {
    const u = this.accounts.findUser(rawEmail);
    if (!u) throw new AdminError(404, `no user ${rawEmail.trim().toLowerCase()}`);
    return u;
  }

  /**
   * A new site: in `teamId` when given (the actor needs to add sites there), else the user's first team where
   * they may (a team of their own is made when they have none), or for the operator the oldest team.
   */
  async addSite(actor: Actor, rawDomain: string, timezone?: string, teamId?: number): Promise<Site> {
    let team: number;
    if (teamId) {
      if (!this.teams.team(teamId)) throw new AdminError(404, `no team ${teamId}`);
      if (actor.kind === 'user' && !can(this.teams.roleIn(actor.userId, teamId), 'add-site')) throw new AdminError(403, 'Your role in that team cannot add sites');
      team = teamId;
    } else if (actor.kind === 'user') {
      const mine = this.teams.teamsOf(actor.userId).find((t) => can(t.role, 'add-site'));
      const email = this.accounts.userById(actor.userId)?.email ?? 'my';
      team = mine?.team.id ?? (await this.teams.createTeam(`${email}'s sites`, actor.userId)).id;
    } else team = (this.teams.defaultTeam() ?? (await this.teams.createTeam('Default team'))).id;
    return this.admin.addSite(rawDomain, timezone, team);
  }

  /**
   * The operator adds a user. The first user of a server (the oldest team has no owner yet) becomes its owner;
   * others join teams through `members add` or an invitation.
   */
  async addUser(rawEmail: string, password?: string): Promise<{ user: UserInfo; password?: string; team?: { id: number; name: string; role: Role } }> {
    const r = await this.accounts.addUser(rawEmail, password);
    let team = this.teams.defaultTeam();
    if (!team && !this.accounts.listUsers().some((u) => u.id !== r.user.id)) team = await this.teams.createTeam('Default team');
    if (team && this.teams.owners(team.id).length === 0) {
      await this.teams.setMember(team.id, r.user.id, 'owner');
      return { ...r, team: { id: team.id, name: team.name, role: 'owner' } };
    }
    return r;
  }

  /** The operator removes a user: their logins, memberships and API keys end. */
  async removeUser(rawEmail: string): Promise<UserInfo> {
    const u = await this.accounts.removeUser(rawEmail);
    await this.teams.removeUser(u.id);
    for (const k of this.admin.listKeys(u.id)) await this.admin.revokeKey(k.id);
    return u;
  }

  members(actor: Actor, rawDomain: string): { members: MemberView[]; invitations: InvitationInfo[] } {
    const { site } = this.require(actor, rawDomain, 'view');
    const members = this.teams.membersOf(site.teamId).flatMap((m) => {
      const u = this.accounts.userById(m.userId);
      return u ? [{ email: u.email, role: m.role, since: m.createdAt }] : [];
    });
    return { members, invitations: this.teams.invitationsOf(site.teamId) };
  }

  /** Adds an existing user to the site's team with `role` (or changes their role). */
  async setMember(actor: Actor, rawDomain: string, rawEmail: string, role: Role): Promise<MemberView> {
    const { site, role: mine } = this.require(actor, rawDomain, 'members');
    const u = this.user(rawEmail);
    const current = this.teams.roleIn(u.id, site.teamId);
    if (!mayManage(mine, role, current)) throw new AdminError(403, `Your role (${mine}) cannot make someone ${role}${current === 'owner' ? ' or change an owner' : ''}`);
    const m = await this.teams.setMember(site.teamId, u.id, role);
    return { email: u.email, role: m.role, since: m.createdAt };
  }

  /** Ends a membership of the site's team (anyone may leave; removing others needs `members`). */
  async removeMember(actor: Actor, rawDomain: string, rawEmail: string): Promise<MemberView> {
    const { site, role: mine } = this.require(actor, rawDomain, 'view');
    const u = this.user(rawEmail);
    const current = this.teams.roleIn(u.id, site.teamId);
    if (!current) throw new AdminError(404, `${u.email} is not a member of the team of ${site.domain}`);
    const self = actor.kind === 'user' && actor.userId === u.id;
    if (!self && !mayManage(mine, current, current)) throw new AdminError(403, `Your role (${mine}) cannot remove ${u.email} (${current})`);
    await this.teams.removeMember(site.teamId, u.id);
    return { email: u.email, role: current, since: '' };
  }

  /** Makes a member owner; the owner who asks stays as admin. */
  async transferOwnership(actor: Actor, rawDomain: string, rawEmail: string): Promise<MemberView> {
    const { site } = this.require(actor, rawDomain, 'owners');
    const u = this.user(rawEmail);
    if (!this.teams.roleIn(u.id, site.teamId)) throw new AdminError(404, `${u.email} is not a member of the team: invite them first`);
    const m = await this.teams.setMember(site.teamId, u.id, 'owner');
    if (actor.kind === 'user' && actor.userId !== u.id) await this.teams.setMember(site.teamId, actor.userId, 'admin');
    return { email: u.email, role: m.role, since: m.createdAt };
  }

  /** An invitation to the site's team; the link's token is returned only now. */
  async invite(actor: Actor, rawDomain: string, rawEmail: string, role: Role): Promise<{ token: string; invitation: InvitationInfo }> {
    const { site, role: mine } = this.require(actor, rawDomain, 'members');
    const email = validateEmail(rawEmail);
    if (!mayManage(mine, role)) throw new AdminError(403, `Your role (${mine}) cannot invite an ${role}`);
    const existing = this.accounts.findUser(email);
    if (existing && this.teams.roleIn(existing.id, site.teamId)) throw new AdminError(409, `${email} is already a member`);
    return this.teams.invite(site.teamId, email, role, actor.kind === 'user' ? actor.userId : 0);
  }

  async revokeInvitation(actor: Actor, rawDomain: string, id: number): Promise<InvitationInfo> {
    const { site } = this.require(actor, rawDomain, 'members');
    return this.teams.endInvitation(site.teamId, id);
  }

  /** What an invitation link shows before it is accepted (undefined when unknown, used or expired). */
  invitationView(token: string | undefined): { email: string; role: Role; team: string; sites: string[]; hasAccount: boolean } | undefined {
    const i = this.teams.invitationByToken(token);
    const team = i && this.teams.team(i.teamId);
    if (!i || !team) return undefined;
    const sites = this.admin.listSites().filter((s) => s.teamId === i.teamId).map((s) => s.domain);
    return { email: i.email, role: i.role, team: team.name, sites, hasAccount: !!this.accounts.findUser(i.email) };
  }

  /** The logged-in user accepts an invitation made out to their email (a higher role they have already stays). */
  async acceptInvitation(token: string | undefined, userId: number): Promise<{ teamId: number; role: Role }> {
    const i = this.teams.invitationByToken(token);
    if (!i) throw new AdminError(410, 'This invitation is not valid any more: ask for a new one');
    const u = this.accounts.userById(userId);
    if (!u || u.email !== i.email) throw new AdminError(403, `This invitation is for ${i.email}: log in with that address`);
    const role = higher(this.teams.roleIn(userId, i.teamId), i.role)!;
    await this.teams.setMember(i.teamId, userId, role);
    await this.teams.endInvitation(i.teamId, i.id);
    return { teamId: i.teamId, role };
  }

  /** An invitation to an email without an account: the account is made with the chosen password, then it accepts. */
  async signUpWithInvitation(token: string | undefined, password: string): Promise<UserInfo> {
    const i = this.teams.invitationByToken(token);
    if (!i) throw new AdminError(410, 'This invitation is not valid any more: ask for a new one');
    if (this.accounts.findUser(i.email)) throw new AdminError(409, `${i.email} already has an account: log in to accept`);
    const { user } = await this.accounts.addUser(i.email, password);
    await this.acceptInvitation(token, user.id);
    return user;
  }

  /** Moves a site to another team: an owner of its team who may add sites to the other (the operator: any team). */
  async transferSite(actor: Actor, rawDomain: string, teamId: number): Promise<Site> {
    const { site } = this.require(actor, rawDomain, 'transfer');
    if (!this.teams.team(teamId)) throw new AdminError(404, `no team ${teamId}`);
    if (actor.kind === 'user' && !can(this.teams.roleIn(actor.userId, teamId), 'add-site')) throw new AdminError(403, 'Your role in that team cannot add sites');
    if (site.teamId === teamId) return site;
    return this.admin.moveSite(site.domain, teamId);
  }

  async deleteSite(actor: Actor, rawDomain: string): Promise<Site> {
    const { site } = this.require(actor, rawDomain, 'delete-site');
    for (const l of this.accounts.listLinks(site.id)) await this.accounts.removeLink(site.id, l.id);
    return this.admin.removeSite(site.domain);
  }

  /** The teams a user may move a site to or add a site in. */
  teamsToAddTo(userId: number): Array<{ id: number; name: string }> {
    return this.teams.teamsOf(userId).filter((t) => can(t.role, 'add-site')).map((t) => ({ id: t.team.id, name: t.team.name }));
  }
}
