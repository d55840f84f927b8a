import type { SqlBackend } from './backend.js';
import { nextId, nextVersion } from './repo.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

export interface UserRow {
  id: number;
  email: string;
  /** `scrypt$N$r$p$salt$hash` (base64url); never the password. */
  passwordHash: string;
  createdAt: string;
}

export interface LoginRow {
  /** SHA-256 (hex) of the cookie token. */
  tokenHash: string;
  /** The user's id, or 0 for a shared link's login. */
  userId: number;
  /** The shared link's id, or 0 for a user's login. */
  linkId: number;
  expiresMs: number;
}

export interface SharedLinkRow {
  id: number;
  siteId: number;
  name: string;
  tokenHash: string;
  /** '' when the link needs no password. */
  passwordHash: string;
  createdAt: string;
}

/**
 * Dashboard accounts in the analytics store's state tables (same scheme as sites: each change is a new row
 * with a higher version; reads take the newest per key). Only hashes of passwords and tokens are written.
 */
export class AccountsRepo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  private nextId(table: string): Promise<number> {
    return nextId(this.backend, `${this.db}.${table}`);
  }

  async listUsers(): Promise<UserRow[]> {
    const rows = await this.backend.queryRows<{ id: string; e: string; h: string; created: string; del: number }>(
      `SELECT id, argMax(email, version) AS e, argMax(password_hash, version) AS h, argMax(created_at, version) AS created,
              argMax(deleted, version) AS del
       FROM ${this.db}.users GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), email: r.e, passwordHash: r.h, createdAt: r.created }));
  }

  async writeUser(u: Omit<UserRow, 'id' | 'createdAt'> & { id?: number; createdAt?: string }, deleted: boolean): Promise<UserRow> {
    const row: UserRow = { id: u.id || (await this.nextId('users')), email: u.email, passwordHash: u.passwordHash, createdAt: u.createdAt ?? sqlDateTimeText(new Date()) };
    await this.backend.command(
      `INSERT INTO ${this.db}.users (id, email, password_hash, created_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlString(row.email)}, ${sqlString(row.passwordHash)}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }

  /** Logins that have not expired (at `nowMs`) and were not ended. */
  async listLogins(nowMs: number): Promise<LoginRow[]> {
    const rows = await this.backend.queryRows<{ t: string; u: string; l: string; x: string; del: number }>(
      `SELECT token_hash AS t, argMax(user_id, version) AS u, argMax(link_id, version) AS l, toString(argMax(expires_at, version)) AS x,
              argMax(deleted, version) AS del
       FROM ${this.db}.login_sessions GROUP BY token_hash HAVING del = 0 AND argMax(expires_at, version) > toDateTime(${sqlString(sqlDateTimeText(new Date(nowMs)))}, 'UTC')`,
    );
    return rows.map((r) => ({ tokenHash: r.t, userId: Number(r.u), linkId: Number(r.l), expiresMs: Date.parse(r.x.replace(' ', 'T') + 'Z') }));
  }

  async writeLogin(l: LoginRow, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.login_sessions (token_hash, user_id, link_id, expires_at, deleted, version) VALUES (${sqlString(l.tokenHash)}, ${sqlUInt(l.userId)}, ${sqlUInt(l.linkId)}, ${sqlString(sqlDateTimeText(new Date(l.expiresMs)))}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
  }

  async listSharedLinks(): Promise<SharedLinkRow[]> {
    const rows = await this.backend.queryRows<{ id: string; s: string; n: string; t: string; p: string; created: string; del: number }>(
      `SELECT id, argMax(site_id, version) AS s, argMax(name, version) AS n, argMax(token_hash, version) AS t, argMax(password_hash, version) AS p,
              argMax(created_at, version) AS created, argMax(deleted, version) AS del
       FROM ${this.db}.shared_links GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), siteId: Number(r.s), name: r.n, tokenHash: r.t, passwordHash: r.p, createdAt: r.created }));
  }

  async writeSharedLink(l: Omit<SharedLinkRow, 'id' | 'createdAt'> & { id?: number; createdAt?: string }, deleted: boolean): Promise<SharedLinkRow> {
    const row: SharedLinkRow = { ...l, id: l.id || (await this.nextId('shared_links')), createdAt: l.createdAt ?? sqlDateTimeText(new Date()) };
    await this.backend.command(
      `INSERT INTO ${this.db}.shared_links (id, site_id, name, token_hash, password_hash, created_at, deleted, version) VALUES (${sqlUInt(row.id)}, ${sqlUInt(row.siteId)}, ${sqlString(row.name)}, ${sqlString(row.tokenHash)}, ${sqlString(row.passwordHash)}, ${sqlString(row.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return row;
  }
}

export interface PasswordResetRow {
  /** SHA-256 (hex) of the link's token. */
  tokenHash: string;
  userId: number;
  expiresMs: number;
}

export interface TotpRow {
  userId: number;
  /** The TOTP secret sealed with the data directory's key. */
  secretSealed: string;
  /** SHA-256 (hex) of each unused recovery code, comma-separated. */
  recoveryHashes: string;
  /** 0 while set up but not yet confirmed with a code. */
  enabled: boolean;
}

/** Password reset links and two-factor settings (the same state-table scheme). */
export class AccountSecretsRepo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  async listResets(nowMs: number): Promise<PasswordResetRow[]> {
    const rows = await this.backend.queryRows<{ t: string; u: string; x: string; del: number }>(
      `SELECT token_hash AS t, argMax(user_id, version) AS u, toString(argMax(expires_at, version)) AS x, argMax(deleted, version) AS del
       FROM ${this.db}.password_resets GROUP BY token_hash
       HAVING del = 0 AND argMax(expires_at, version) > toDateTime(${sqlString(sqlDateTimeText(new Date(nowMs)))}, 'UTC')`,
    );
    return rows.map((r) => ({ tokenHash: r.t, userId: Number(r.u), expiresMs: Date.parse(r.x.replace(' ', 'T') + 'Z') }));
  }

  async writeReset(r: PasswordResetRow, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.password_resets (token_hash, user_id, expires_at, deleted, version) VALUES (${sqlString(r.tokenHash)}, ${sqlUInt(r.userId)}, ${sqlString(sqlDateTimeText(new Date(r.expiresMs)))}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
  }

  async listTotp(): Promise<TotpRow[]> {
    const rows = await this.backend.queryRows<{ u: string; s: string; r: string; e: number; del: number }>(
      `SELECT user_id AS u, argMax(secret_sealed, version) AS s, argMax(recovery_hashes, version) AS r, argMax(enabled, version) AS e, argMax(deleted, version) AS del
       FROM ${this.db}.user_totp GROUP BY user_id HAVING del = 0`,
    );
    return rows.map((r) => ({ userId: Number(r.u), secretSealed: r.s, recoveryHashes: r.r, enabled: Number(r.e) === 1 }));
  }

  async writeTotp(t: TotpRow, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.user_totp (user_id, secret_sealed, recovery_hashes, enabled, deleted, version) VALUES (${sqlUInt(t.userId)}, ${sqlString(t.secretSealed)}, ${sqlString(t.recoveryHashes)}, ${t.enabled ? 1 : 0}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
  }
}
