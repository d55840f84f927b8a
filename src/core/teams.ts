import { createHash, randomBytes } from 'node:crypto';
import type { InvitationRow, MembershipRow, TeamRow, TeamsRepo } from '../store/teams-repo.js';
import { AdminError } from './admin.js';
import { isRole, type Role } from './roles.js';

export const INVITATION_MS = 7 * 24 * 3600_000;
const MAX_TEAM_MEMBERS = 1000;
const MAX_OPEN_INVITATIONS = 200;

export interface Member {
  userId: number;
  role: Role;
  createdAt: string;
}
export interface InvitationInfo {
  id: number;
  teamId: number;
  email: string;
  role: Role;
  invitedBy: number;
  expiresMs: number;
  createdAt: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const invitationInfo = (i: InvitationRow): InvitationInfo => ({ id: i.id, teamId: i.teamId, email: i.email, role: i.role as Role, invitedBy: i.invitedBy, expiresMs: i.expiresMs, createdAt: i.createdAt });

/**
 * Teams, members and invitations: cached in memory (every dashboard request asks for a role), changed through
 * the store. No permission checks here: `Access` decides who may change what.
 */
export class Teams {
  private teams = new Map<number, TeamRow>();
  /** team id → user id → membership */
  private members = new Map<number, Map<number, MembershipRow>>();
  private invitations = new Map<number, InvitationRow>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly repo: TeamsRepo, private readonly now: () => number = Date.now) {}

  async load(): Promise<void> {
    const [teams, members, invitations] = await Promise.all([this.repo.listTeams(), this.repo.listMemberships(), this.repo.listInvitations(this.now())]);
    this.teams = new Map(teams.map((t) => [t.id, t]));
    this.members = new Map();
    for (const m of members) if (this.teams.has(m.teamId) && isRole(m.role)) this.teamMembers(m.teamId).set(m.userId, m);
    this.invitations = new Map(invitations.map((i) => [i.id, i]));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private teamMembers(teamId: number): Map<number, MembershipRow> {
    let m = this.members.get(teamId);
    if (!m) this.members.set(teamId, (m = new Map()));
    return m;
  }

  list(): TeamRow[] {
    return [...this.teams.values()].sort((a, b) => a.id - b.id);
  }

  team(id: number): TeamRow | undefined {
    return this.teams.get(id);
  }

  /** The team new sites of the operator go to: the oldest. */
  defaultTeam(): TeamRow | undefined {
    return this.list()[0];
  }

  roleIn(userId: number, teamId: number): Role | undefined {
    return this.members.get(teamId)?.get(userId)?.role as Role | undefined;
  }

  /** The teams `userId` belongs to, oldest first, with the role in each. */
  teamsOf(userId: number): Array<{ team: TeamRow; role: Role }> {
    const out: Array<{ team: TeamRow; role: Role }> = [];
    for (const t of this.list()) {
      const role = this.roleIn(userId, t.id);
      if (role) out.push({ team: t, role });
    }
    return out;
  }

  membersOf(teamId: number): Member[] {
    return [...(this.members.get(teamId)?.values() ?? [])].map((m) => ({ userId: m.userId, role: m.role as Role, createdAt: m.createdAt })).sort((a, b) => a.userId - b.userId);
  }

  owners(teamId: number): number[] {
    return this.membersOf(teamId).filter((m) => m.role === 'owner').map((m) => m.userId);
  }

  createTeam(rawName: string, ownerId?: number): Promise<TeamRow> {
    return this.serial(async () => {
      const name = rawName.trim();
      if (!name || name.length > 200) throw new AdminError(400, 'a team needs a name of 1 to 200 characters');
      const team = await this.repo.writeTeam({ name }, false);
      this.teams.set(team.id, team);
      if (ownerId) this.teamMembers(team.id).set(ownerId, await this.repo.writeMembership({ teamId: team.id, userId: ownerId, role: 'owner' }, false));
      return team;
    });
  }

  /**
   * Gives `userId` the role `role` in the team (a new member, or a changed role). The last owner cannot become
   * something else: a team always has an owner once it has had one.
   */
  setMember(teamId: number, userId: number, role: Role): Promise<Member> {
    return this.serial(async () => {
      if (!this.teams.has(teamId)) throw new AdminError(404, `no team ${teamId}`);
      const members = this.teamMembers(teamId);
      const current = members.get(userId);
      if (!current && members.size >= MAX_TEAM_MEMBERS) throw new AdminError(400, `a team has at most ${MAX_TEAM_MEMBERS} members`);
      if (current?.role === 'owner' && role !== 'owner' && this.owners(teamId).length === 1) {
        throw new AdminError(409, 'A team needs an owner: make someone else owner first');
      }
      const row = await this.repo.writeMembership({ teamId, userId, role, createdAt: current?.createdAt }, false);
      members.set(userId, row);
      return { userId, role, createdAt: row.createdAt };
    });
  }

  /** Ends a membership; `force` (the operator removing a user) even of the last owner. */
  removeMember(teamId: number, userId: number, force = false): Promise<void> {
    return this.serial(async () => {
      const m = this.members.get(teamId)?.get(userId);
      if (!m) throw new AdminError(404, 'not a member of this team');
      if (!force && m.role === 'owner' && this.owners(teamId).length === 1) throw new AdminError(409, 'A team needs an owner: make someone else owner first');
      await this.repo.writeMembership(m, true);
      this.members.get(teamId)!.delete(userId);
    });
  }

  /** Every membership of a removed user. */
  async removeUser(userId: number): Promise<void> {
    for (const t of this.teamsOf(userId)) await this.removeMember(t.team.id, userId, true);
  }

  invitationsOf(teamId: number): InvitationInfo[] {
    const now = this.now();
    return [...this.invitations.values()].filter((i) => i.teamId === teamId && i.expiresMs > now).map(invitationInfo);
  }

  /** A new invitation (a previous one of the same email to the team is replaced); its token only now. */
  invite(teamId: number, email: string, role: Role, invitedBy: number): Promise<{ token: string; invitation: InvitationInfo }> {
    return this.serial(async () => {
      if (!this.teams.has(teamId)) throw new AdminError(404, `no team ${teamId}`);
      for (const old of this.invitations.values()) {
        if (old.teamId === teamId && old.email === email) {
          await this.repo.writeInvitation(old, true);
          this.invitations.delete(old.id);
        }
      }
      if (this.invitationsOf(teamId).length >= MAX_OPEN_INVITATIONS) throw new AdminError(400, `a team has at most ${MAX_OPEN_INVITATIONS} open invitations`);
      const token = randomBytes(32).toString('base64url');
      const row = await this.repo.writeInvitation({ teamId, email, role, tokenHash: sha256(token), invitedBy, expiresMs: this.now() + INVITATION_MS }, false);
      this.invitations.set(row.id, row);
      return { token, invitation: invitationInfo(row) };
    });
  }

  /** The open invitation a link's token opens. */
  invitationByToken(token: string | undefined): InvitationInfo | undefined {
    if (!token || token.length > 200) return undefined;
    const h = sha256(token);
    for (const i of this.invitations.values()) if (i.tokenHash === h && i.expiresMs > this.now()) return invitationInfo(i);
    return undefined;
  }

  /** Withdraws (or, once accepted, uses up) an invitation. */
  endInvitation(teamId: number, id: number): Promise<InvitationInfo> {
    return this.serial(async () => {
      const i = this.invitations.get(id);
      if (!i || i.teamId !== teamId) throw new AdminError(404, `no invitation ${id}`);
      await this.repo.writeInvitation(i, true);
      this.invitations.delete(id);
      return invitationInfo(i);
    });
  }
}
