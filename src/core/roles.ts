/**
 * Roles in a team, as Plausible CE defines them, and what each may do. Pure: the dashboard, the Stats API and the
 * admin operations ask `can(role, capability)`; nothing else decides access.
 *
 * - viewer: the team's dashboards (and API keys of their own, which only read)
 * - editor: also the sites' settings (time zone, visibility, goals, shields, rate limit, shared links)
 * - admin: also the team's members and invitations (not owners), and new sites in the team
 * - owner: also owners, deleting a site and transferring sites and ownership
 */
export const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Capability = 'view' | 'settings' | 'members' | 'add-site' | 'owners' | 'delete-site' | 'transfer';

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

const NEEDS: Record<Capability, Role> = {
  view: 'viewer',
  settings: 'editor',
  members: 'admin',
  'add-site': 'admin',
  owners: 'owner',
  'delete-site': 'owner',
  transfer: 'owner',
};

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Whether `role` (undefined: not a member) has `capability`. */
export function can(role: Role | undefined, capability: Capability): boolean {
  return role !== undefined && RANK[role] >= RANK[NEEDS[capability]];
}

/** The stronger of two roles (a user in a team through more than one way gets the higher one). */
export function higher(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Whether `actor` may give a member the role `target`, or change or remove a member who has `current`: admins
 * manage admins, editors and viewers; only owners touch owners.
 */
export function mayManage(actor: Role | undefined, target: Role, current?: Role): boolean {
  if (!can(actor, 'members')) return false;
  if (target === 'owner' || current === 'owner') return can(actor, 'owners');
  return true;
}

/** The capability each dashboard settings action needs. */
export const SETTING_CAPABILITY: Record<string, Capability> = {
  timezone: 'settings',
  public: 'settings',
  'rate-limit': 'settings',
  'goal-add': 'settings',
  'goal-remove': 'settings',
  'shield-add': 'settings',
  'shield-remove': 'settings',
  'link-add': 'settings',
  'link-remove': 'settings',
  'member-role': 'members',
  'member-remove': 'members',
  /** a member leaves the site's team (the last owner cannot) */
  leave: 'view',
  'invite-add': 'members',
  'invite-remove': 'members',
  'transfer-ownership': 'owners',
  'site-transfer': 'transfer',
  'site-delete': 'delete-site',
};
