import { createHash, randomBytes } from 'node:crypto';
import type { AccountsRepo, LoginRow, SharedLinkRow, UserRow } from '../store/accounts-repo.js';
import { AdminError } from './admin.js';
import { generatePassword, hashPassword, needsRehash, verifyPassword } from './password.js';

export const USER_LOGIN_MS = 14 * 24 * 3600_000;
export const LINK_LOGIN_MS = 24 * 3600_000;
export const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export interface UserInfo {
  id: number;
  email: string;
  createdAt: string;
}
export interface SharedLinkInfo {
  id: number;
  siteId: number;
  name: string;
  hasPassword: boolean;
  createdAt: string;
}
/** Who a cookie belongs to: a user (every site), or a visitor who unlocked one shared link. */
export type Principal = { kind: 'user'; user: UserInfo } | { kind: 'link'; link: SharedLinkInfo };

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');
const userInfo = ({ id, email, createdAt }: UserRow): UserInfo => ({ id, email, createdAt });
const linkInfo = (l: SharedLinkRow): SharedLinkInfo => ({ id: l.id, siteId: l.siteId, name: l.name, hasPassword: l.passwordHash !== '', createdAt: l.createdAt });

export function validateEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+$/.test(email)) throw new AdminError(400, `not an email address: ${JSON.stringify(raw)}`);
  return email;
}

function checkPassword(p: string): string {
  if (p.length < MIN_PASSWORD || p.length > MAX_PASSWORD) throw new AdminError(400, `a password has ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
  return p;
}

/**
 * Dashboard users, their logins, and shared links: cached in memory (the dashboard checks a cookie on every
 * request), changed through the store. Passwords are scrypt hashes; cookie and link tokens are stored as
 * SHA-256 hashes, so a copy of the store gives no way in.
 */
export class Accounts {
  private users = new Map<number, UserRow>();
  private logins = new Map<string, LoginRow>();
  private links = new Map<number, SharedLinkRow>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Verified against when the email is unknown, so that a wrong email costs the same time as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly repo: AccountsRepo, private readonly now: () => number = Date.now) {}

  async load(): Promise<void> {
    const [users, logins, links] = await Promise.all([this.repo.listUsers(), this.repo.listLogins(this.now()), this.repo.listSharedLinks()]);
    this.users = new Map(users.map((u) => [u.id, u]));
    this.logins = new Map(logins.map((l) => [l.tokenHash, l]));
    this.links = new Map(links.map((l) => [l.id, l]));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private userByEmail(email: string): UserRow | undefined {
    for (const u of this.users.values()) if (u.email === email) return u;
    return undefined;
  }

  private user(raw: string): UserRow {
    const email = raw.trim().toLowerCase();
    const u = this.userByEmail(email);
    if (!u) throw new AdminError(404, `no user ${email}`);
    return u;
  }

  listUsers(): UserInfo[] {
    return [...this.users.values()].sort((a, b) => a.id - b.id).map(userInfo);
  }

  hasUsers(): boolean {
    return this.users.size > 0;
  }

  /** Adds a user; with no password, one is generated and returned (the only time it exists in clear). */
  addUser(rawEmail: string, password?: string): Promise<{ user: UserInfo; password?: string }> {
    return this.serial(async () => {
      const email = validateEmail(rawEmail);
      if (this.userByEmail(email)) throw new AdminError(409, `user ${email} already exists`);
      const clear = password === undefined || password === '' ? generatePassword() : checkPassword(password);
      const row = await this.repo.writeUser({ email, passwordHash: await hashPassword(clear) }, false);
      this.users.set(row.id, row);
      return password ? { user: userInfo(row) } : { user: userInfo(row), password: clear };
    });
  }

  /** Removes a user and ends their logins. */
  removeUser(rawEmail: string): Promise<UserInfo> {
    return this.serial(async () => {
      const u = this.user(rawEmail);
      await this.repo.writeUser(u, true);
      this.users.delete(u.id);
      await this.endLogins((l) => l.userId === u.id);
      return userInfo(u);
    });
  }

  /** Sets a new password (generated when none is given, and returned) and ends every login of the user. */
  resetPassword(rawEmail: string, password?: string): Promise<{ user: UserInfo; password?: string }> {
    return this.serial(async () => {
      const u = this.user(rawEmail);
      const clear = password === undefined || password === '' ? generatePassword() : checkPassword(password);
      const row = await this.repo.writeUser({ ...u, passwordHash: await hashPassword(clear) }, false);
      this.users.set(row.id, row);
      await this.endLogins((l) => l.userId === u.id);
      return password ? { user: userInfo(row) } : { user: userInfo(row), password: clear };
    });
  }

  private async endLogins(which: (l: LoginRow) => boolean): Promise<void> {
    for (const l of [...this.logins.values()]) {
      if (!which(l)) continue;
      this.logins.delete(l.tokenHash);
      await this.repo.writeLogin(l, true);
    }
  }

  private async startLogin(userId: number, linkId: number, ttlMs: number): Promise<string> {
    const token = newToken();
    const row: LoginRow = { tokenHash: sha256(token), userId, linkId, expiresMs: this.now() + ttlMs };
    await this.repo.writeLogin(row, false);
    this.logins.set(row.tokenHash, row);
    return token;
  }

  /** A new login's cookie token when the email and password match, else null. */
  async login(rawEmail: string, password: string): Promise<string | null> {
    const u = this.userByEmail(rawEmail.trim().toLowerCase());
    if (!u || password.length > MAX_PASSWORD) {
      await verifyPassword(password.slice(0, MAX_PASSWORD), await (this.dummyHash ??= hashPassword(generatePassword())));
      return null;
    }
    if (!(await verifyPassword(password, u.passwordHash))) return null;
    return this.serial(async () => {
      const current = this.users.get(u.id);
      if (current && current.passwordHash === u.passwordHash && needsRehash(u.passwordHash)) {
        // a hash of older, cheaper parameters: made again now that the password is at hand
        const row = await this.repo.writeUser({ ...current, passwordHash: await hashPassword(password) }, false);
        this.users.set(row.id, row);
      }
      return this.startLogin(u.id, 0, USER_LOGIN_MS);
    });
  }

  /** Who holds this cookie token (undefined when unknown, expired, or its user or link is gone). */
  principal(token: string | undefined): Principal | undefined {
    if (!token || token.length > 200) return undefined;
    const l = this.logins.get(sha256(token));
    if (!l) return undefined;
    if (l.expiresMs <= this.now()) {
      this.logins.delete(l.tokenHash);
      return undefined;
    }
    if (l.userId) {
      const u = this.users.get(l.userId);
      return u ? { kind: 'user', user: userInfo(u) } : undefined;
    }
    const link = this.links.get(l.linkId);
    return link ? { kind: 'link', link: linkInfo(link) } : undefined;
  }

  /**
   * A user's own password change: the current password must match; every other login of the user ends (the one
   * asking, `keepToken`, stays).
   */
  changePassword(userId: number, current: string, next: string, keepToken: string | undefined): Promise<void> {
    return this.serial(async () => {
      const u = this.users.get(userId);
      if (!u) throw new AdminError(404, 'no such user');
      if (current.length > MAX_PASSWORD || !(await verifyPassword(current, u.passwordHash))) throw new AdminError(403, 'The current password is not right');
      const row = await this.repo.writeUser({ ...u, passwordHash: await hashPassword(checkPassword(next)) }, false);
      this.users.set(row.id, row);
      const keep = keepToken ? sha256(keepToken) : '';
      await this.endLogins((l) => l.userId === userId && l.tokenHash !== keep);
    });
  }

  logout(token: string | undefined): Promise<void> {
    return this.serial(async () => {
      if (!token) return;
      const h = sha256(token);
      await this.endLogins((l) => l.tokenHash === h);
    });
  }

  listLinks(siteId: number): SharedLinkInfo[] {
    return [...this.links.values()].filter((l) => l.siteId === siteId).map(linkInfo);
  }

  /** Creates a shared link; its token is returned only now (only its hash is kept). */
  createLink(siteId: number, rawName: string, password?: string): Promise<{ token: string; link: SharedLinkInfo }> {
    return this.serial(async () => {
      const name = rawName.trim();
      if (!name || name.length > 200) throw new AdminError(400, 'a shared link needs a name of 1 to 200 characters');
      if (this.listLinks(siteId).length >= 100) throw new AdminError(400, 'a site has at most 100 shared links');
      const token = newToken();
      const passwordHash = password ? await hashPassword(checkPassword(password)) : '';
      const row = await this.repo.writeSharedLink({ siteId, name, tokenHash: sha256(token), passwordHash }, false);
      this.links.set(row.id, row);
      return { token, link: linkInfo(row) };
    });
  }

  removeLink(siteId: number, id: number): Promise<SharedLinkInfo> {
    return this.serial(async () => {
      const l = this.links.get(id);
      if (!l || l.siteId !== siteId) throw new AdminError(404, `no shared link ${id}`);
      await this.repo.writeSharedLink(l, true);
      this.links.delete(id);
      await this.endLogins((x) => x.linkId === id);
      return linkInfo(l);
    });
  }

  /** The shared link a URL token opens (undefined when none). */
  linkByToken(token: string | undefined): SharedLinkInfo | undefined {
    if (!token || token.length > 200) return undefined;
    const h = sha256(token);
    for (const l of this.links.values()) if (l.tokenHash === h) return linkInfo(l);
    return undefined;
  }

  /** A cookie token for a password-protected link when the password matches, else null. */
  async unlockLink(link: SharedLinkInfo, password: string): Promise<string | null> {
    const row = this.links.get(link.id);
    if (!row || !row.passwordHash || password.length > MAX_PASSWORD) return null;
    if (!(await verifyPassword(password, row.passwordHash))) return null;
    return this.serial(() => this.startLogin(0, row.id, LINK_LOGIN_MS));
  }
}
