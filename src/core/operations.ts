import { AdminError } from './admin.js';
import { OPERATOR, parseRole, type Access } from './access.js';

/** The arguments of an operation, as the CLI sends them (strings, or absent). */
export type OpArgs = Record<string, unknown>;

function arg(a: OpArgs, name: string): string {
  const v = a[name];
  if (typeof v !== 'string' || v === '') throw new AdminError(400, `${name} is required`);
  if (v.length > 1000) throw new AdminError(400, `${name} is too long`);
  return v;
}

/**
 * The operator's team, member, invitation and account operations: one table that both the admin socket (server
 * running) and the CLI on a stopped server call, so that the two cannot drift apart.
 */
export function operatorOps(access: Access): Record<string, (a: OpArgs) => Promise<unknown>> {
  const { accounts, teams } = access;
  return {
    'teams-list': async () => teams.list().map((t) => ({ ...t, members: teams.membersOf(t.id).length, sites: access.admin.listSites().filter((s) => s.teamId === t.id).length })),
    'teams-add': async (a) => {
      const owner = typeof a.owner === 'string' && a.owner ? accounts.findUser(a.owner) : undefined;
      if (typeof a.owner === 'string' && a.owner && !owner) throw new AdminError(404, `no user ${a.owner}`);
      return teams.createTeam(arg(a, 'name'), owner?.id);
    },
    'members-list': async (a) => access.members(OPERATOR, arg(a, 'domain')),
    'members-add': async (a) => {
      const domain = arg(a, 'domain');
      const role = parseRole(a.role ?? 'viewer');
      // an email without an account gets an invitation link instead
      if (!accounts.findUser(arg(a, 'email'))) return { invited: await access.invite(OPERATOR, domain, arg(a, 'email'), role) };
      return { member: await access.setMember(OPERATOR, domain, arg(a, 'email'), role) };
    },
    'members-role': async (a) => access.setMember(OPERATOR, arg(a, 'domain'), arg(a, 'email'), parseRole(a.role)),
    'members-remove': async (a) => access.removeMember(OPERATOR, arg(a, 'domain'), arg(a, 'email')),
    'members-transfer': async (a) => access.transferOwnership(OPERATOR, arg(a, 'domain'), arg(a, 'email')),
    'invitations-add': async (a) => access.invite(OPERATOR, arg(a, 'domain'), arg(a, 'email'), parseRole(a.role ?? 'viewer')),
    'invitations-remove': async (a) => access.revokeInvitation(OPERATOR, arg(a, 'domain'), Number(arg(a, 'id'))),
    'sites-transfer': async (a) => access.transferSite(OPERATOR, arg(a, 'domain'), Number(arg(a, 'team'))),
    'users-reset-link': async (a) => accounts.createResetToken(arg(a, 'email')),
    'users-disable-2fa': async (a) => accounts.clearTwoFactor(arg(a, 'email')),
  };
}
