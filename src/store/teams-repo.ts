import type { SqlBackend } from './backend.js';
import { nextId, nextVersion } from './repo.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

export interface TeamRow {
  id: number;
  name: string;
  createdAt: string;
}

export interface MembershipRow {
  teamId: number;
  userId: number;
  /** owner, admin, editor or viewer (checked where it is written). */
  role: string;
  createdAt: string;
}

export interface InvitationRow {
  id: number;
  teamId: number;
  email: string;
  role: string;
  /** SHA-256 (hex) of the link's token. */
  tokenHash: string;
  invitedBy: number;
  expiresMs: number;
  createdAt: string;
}

const ms = (t: string): number => Date.parse(t.replace(' ', 'T') + 'Z');

/**
 * Teams, their members and open invitations, in the store's state tables (each change a new row with a higher
 * version; reads take the newest per key, as for sites).
 */
export class TeamsRepo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  private nextId(table: string): Promise<number> {
    return nextId(this.backend, `${this.db}.${table}`);
  }

  async listTeams(): Promise<TeamRow[]> {
    const rows = await this.backend.queryRows<{ id: string; n: string; c: string; del: number }>(
      `SELECT id, argMax(name, version) AS n, argMax(created_at, version) AS c, argMax(deleted, version) AS del
       FROM ${this.db}.teams GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.n, createdAt: r.c }));
  }

  async writeTeam(t: { id?: number; name: string; createdAt?: string }, deleted: boolean): Promise<TeamRow> {
    const row: TeamRow = { id: t.id || (await this.nextId('teams')), name: t.name, createdAt: t.createdAt ?? sqlDateTimeText(new Date()) };
    await this.backend.command(
      `INSERT INTO ${this.db}.teams (id, name, created_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlString(row.name)}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }

  async listMemberships(): Promise<MembershipRow[]> {
    const rows = await this.backend.queryRows<{ t: string; u: string; r: string; c: string; del: number }>(
      `SELECT team_id AS t, user_id AS u, argMax(role, version) AS r, argMax(created_at, version) AS c, argMax(deleted, version) AS del
       FROM ${this.db}.memberships GROUP BY team_id, user_id HAVING del = 0 ORDER BY team_id, user_id`,
    );
    return rows.map((r) => ({ teamId: Number(r.t), userId: Number(r.u), role: r.r, createdAt: r.c }));
  }

  async writeMembership(m: { teamId: number; userId: number; role: string; createdAt?: string }, deleted: boolean): Promise<MembershipRow> {
    const row: MembershipRow = { ...m, createdAt: m.createdAt ?? sqlDateTimeText(new Date()) };
    await this.backend.command(
      `INSERT INTO ${this.db}.memberships (team_id, user_id, role, created_at, deleted, version) VALUES (${sqlUInt(row.teamId)}, ${sqlUInt(row.userId)}, ${sqlString(row.role)}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }

  /** Invitations neither accepted nor withdrawn that have not expired at `nowMs`. */
  async listInvitations(nowMs: number): Promise<InvitationRow[]> {
    const rows = await this.backend.queryRows<{ id: string; t: string; e: string; r: string; h: string; b: string; x: string; c: string; del: number }>(
      `SELECT id, argMax(team_id, version) AS t, argMax(email, version) AS e, argMax(role, version) AS r, argMax(token_hash, version) AS h,
              argMax(invited_by, version) AS b, toString(argMax(expires_at, version)) AS x, argMax(created_at, version) AS c, argMax(deleted, version) AS del
       FROM ${this.db}.invitations GROUP BY id
       HAVING del = 0 AND argMax(expires_at, version) > toDateTime(${sqlString(sqlDateTimeText(new Date(nowMs)))}, 'UTC') ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), teamId: Number(r.t), email: r.e, role: r.r, tokenHash: r.h, invitedBy: Number(r.b), expiresMs: ms(r.x), createdAt: r.c }));
  }

  async writeInvitation(i: Omit<InvitationRow, 'id' | 'createdAt'> & { id?: number; createdAt?: string }, deleted: boolean): Promise<InvitationRow> {
    const row: InvitationRow = { ...i, id: i.id || (await this.nextId('invitations')), createdAt: i.createdAt ?? sqlDateTimeText(new Date()) };
    await this.backend.command(
      `INSERT INTO ${this.db}.invitations (id, team_id, email, role, token_hash, invited_by, expires_at, created_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlUInt(row.teamId)}, ${sqlString(row.email)}, ${sqlString(row.role)}, ${sqlString(row.tokenHash)}, ${sqlUInt(row.invitedBy)}, ${sqlString(sqlDateTimeText(new Date(row.expiresMs)))}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }
}
