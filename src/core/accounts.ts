import { createHash, randomBytes } from 'node:crypto';
import type { AccountSecretsRepo, AccountsRepo, LoginRow, PasswordResetRow, SharedLinkRow, TotpRow, UserRow } from '../store/accounts-repo.js';
import { newRecoveryCodes, newTotpSecret, recoveryHash, seal, unseal, verifyTotp } from './two-factor.js';
import { AdminError } from './admin.js';
import { generatePassword, hashPassword, needsRehash, verifyPassword } from './password.js';

export const USER_LOGIN_MS = 14 * 24 * 3600_000;
export const LINK_LOGIN_MS = 24 * 3600_000;
/** How long a reset link from the CLI stays valid. */
export const RESET_LINK_MS = 3600_000;
/** Between a right password and the second factor: at most this long, and this many wrong codes. */
export const SECOND_FACTOR_MS = 5 * 60_000;
export const SECOND_FACTOR_ATTEMPTS = 5;

/** What a login with email and password gives: a session, or (with two-factor on) a wait for the code. */
export type LoginResult = { kind: 'session'; token: string } | { kind: 'second-factor'; pending: string } | null;
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
  private resets = new Map<string, PasswordResetRow>();
  private totp = new Map<number, TotpRow>();
  /** The last TOTP step each user logged in with (a code is accepted once). */
  private lastStep = new Map<number, number>();
  /** Right passwords waiting for their second factor, by the hash of the pending token. */
  private pending = new Map<string, { userId: number; expiresMs: number; attempts: number }>();

  /**
   * `secrets` and `sealKey`: password resets and two-factor (the key seals TOTP secrets); without them those
   * operations are refused.
   */
  constructor(
    private readonly repo: AccountsRepo,
    private readonly now: () => number = Date.now,
    private readonly secrets: AccountSecretsRepo | null = null,
    private readonly sealKey: Buffer | null = null,
  ) {}

  async load(): Promise<void> {
    const [users, logins, links, resets, totp] = await Promise.all([
      this.repo.listUsers(),
      this.repo.listLogins(this.now()),
      this.repo.listSharedLinks(),
      this.secrets?.listResets(this.now()) ?? [],
      this.secrets?.listTotp() ?? [],
    ]);
    this.users = new Map(users.map((u) => [u.id, u]));
    this.logins = new Map(logins.map((l) => [l.tokenHash, l]));
    this.links = new Map(links.map((l) => [l.id, l]));
    this.resets = new Map(resets.map((r) => [r.tokenHash, r]));
    this.totp = new Map(totp.map((t) => [t.userId, t]));
  }

  private secretsRepo(): AccountSecretsRepo {
    if (!this.secrets) throw new AdminError(503, 'password resets and two-factor are not available here');
    return this.secrets;
  }

  /** The user with this id (undefined when removed). */
  userById(id: number): UserInfo | undefined {
    const u = this.users.get(id);
    return u ? userInfo(u) : undefined;
  }

  /** The user with this email (any case, surrounding space ignored). */
  findUser(rawEmail: string): UserInfo | undefined {
    const u = this.userByEmail(rawEmail.trim().toLowerCase());
    return u ? userInfo(u) : undefined;
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
      await this.endResets(u.id);
      const t = this.totp.get(u.id);
      if (t) {
        await this.secretsRepo().writeTotp(t, true);
        this.totp.delete(u.id);
      }
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

  /**
   * A new login's cookie token when the email and password match (or, for a user with two-factor on, a pending
   * token to send with the code), else null.
   */
  async login(rawEmail: string, password: string): Promise<LoginResult> {
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
      if (this.totp.get(u.id)?.enabled) {
        const pending = newToken();
        this.prunePending();
        this.pending.set(sha256(pending), { userId: u.id, expiresMs: this.now() + SECOND_FACTOR_MS, attempts: 0 });
        return { kind: 'second-factor' as const, pending };
      }
      return { kind: 'session' as const, token: await this.startLogin(u.id, 0, USER_LOGIN_MS) };
    });
  }

  private prunePending(): void {
    const now = this.now();
    for (const [h, p] of this.pending) if (p.expiresMs <= now) this.pending.delete(h);
  }

  /**
   * The second step of a login: a TOTP code or an unused recovery code (used up by this). A session token when
   * it matches; 'wrong' (the pending login stays, up to 5 tries); 'expired' (start again with the password).
   */
  secondFactor(pendingToken: string | undefined, code: string): Promise<{ token: string; email: string } | 'wrong' | 'expired'> {
    return this.serial(async () => {
      const h = pendingToken && pendingToken.length <= 200 ? sha256(pendingToken) : '';
      const p = this.pending.get(h);
      if (!p || p.expiresMs <= this.now() || p.attempts >= SECOND_FACTOR_ATTEMPTS) {
        this.pending.delete(h);
        return 'expired' as const;
      }
      const t = this.totp.get(p.userId);
      const u = this.users.get(p.userId);
      if (!t?.enabled || !u) {
        this.pending.delete(h);
        return 'expired' as const;
      }
      if (!(await this.checkSecondFactor(t, code))) {
        p.attempts++;
        if (p.attempts >= SECOND_FACTOR_ATTEMPTS) this.pending.delete(h);
        return 'wrong' as const;
      }
      this.pending.delete(h);
      return { token: await this.startLogin(u.id, 0, USER_LOGIN_MS), email: u.email };
    });
  }

  /** A TOTP code (once) or a recovery code (removed when used). Inside `serial`. */
  private async checkSecondFactor(t: TotpRow, code: string): Promise<boolean> {
    if (code.length > 100) return false;
    const secret = unseal(this.needKey(), t.secretSealed);
    const step = verifyTotp(secret, code, this.now(), this.lastStep.get(t.userId) ?? 0);
    if (step !== null) {
      this.lastStep.set(t.userId, step);
      return true;
    }
    const hashes = t.recoveryHashes ? t.recoveryHashes.split(',') : [];
    const i = /^\s*\d{6}\s*$/.test(code) ? -1 : hashes.indexOf(recoveryHash(code));
    if (i < 0) return false;
    hashes.splice(i, 1);
    const row = { ...t, recoveryHashes: hashes.join(',') };
    await this.secretsRepo().writeTotp(row, false);
    this.totp.set(t.userId, row);
    return true;
  }

  private needKey(): Buffer {
    if (!this.sealKey) throw new AdminError(503, 'two-factor is not available here');
    return this.sealKey;
  }

  /** Whether the user logs in with a second factor, and how many recovery codes are left. */
  twoFactorOf(userId: number): { enabled: boolean; recoveryCodesLeft: number } {
    const t = this.totp.get(userId);
    return { enabled: !!t?.enabled, recoveryCodesLeft: t?.enabled && t.recoveryHashes ? t.recoveryHashes.split(',').length : 0 };
  }

  /** Starts two-factor set-up: a new secret (not in force until confirmed with a code). The password is asked again. */
  setupTwoFactor(userId: number, password: string): Promise<{ secret: string; uri: string }> {
    return this.serial(async () => {
      const u = this.users.get(userId);
      if (!u) throw new AdminError(404, 'no such user');
      if (this.totp.get(userId)?.enabled) throw new AdminError(409, 'Two-factor authentication is already on; turn it off first');
      if (password.length > MAX_PASSWORD || !(await verifyPassword(password, u.passwordHash))) throw new AdminError(403, 'The password is not right');
      const { secret, uri } = newTotpSecret(u.email);
      const row: TotpRow = { userId, secretSealed: seal(this.needKey(), secret), recoveryHashes: '', enabled: false };
      await this.secretsRepo().writeTotp(row, false);
      this.totp.set(userId, row);
      return { secret, uri };
    });
  }

  /** Confirms set-up with a code from the app: two-factor is on, and the recovery codes are returned (only now). */
  enableTwoFactor(userId: number, code: string): Promise<{ recoveryCodes: string[] }> {
    return this.serial(async () => {
      const t = this.totp.get(userId);
      if (!t) throw new AdminError(409, 'Start the set-up first');
      if (t.enabled) throw new AdminError(409, 'Two-factor authentication is already on');
      const step = verifyTotp(unseal(this.needKey(), t.secretSealed), code, this.now(), this.lastStep.get(userId) ?? 0);
      if (step === null) throw new AdminError(400, 'The code is not right: check the time of your device, and use the newest code');
      this.lastStep.set(userId, step);
      const { codes, hashes } = newRecoveryCodes();
      const row = { ...t, enabled: true, recoveryHashes: hashes.join(',') };
      await this.secretsRepo().writeTotp(row, false);
      this.totp.set(userId, row);
      return { recoveryCodes: codes };
    });
  }

  /** Turns two-factor off: the password and a current code (or a recovery code) are asked. */
  disableTwoFactor(userId: number, password: string, code: string): Promise<void> {
    return this.serial(async () => {
      const u = this.users.get(userId);
      const t = this.totp.get(userId);
      if (!u || !t) throw new AdminError(409, 'Two-factor authentication is off');
      if (password.length > MAX_PASSWORD || !(await verifyPassword(password, u.passwordHash))) throw new AdminError(403, 'The password is not right');
      if (t.enabled && !(await this.checkSecondFactor(t, code))) throw new AdminError(403, 'The code is not right');
      await this.secretsRepo().writeTotp(t, true);
      this.totp.delete(userId);
    });
  }

  /** The operator's way back in for a user who lost their device (CLI): two-factor off, the user's logins end. */
  clearTwoFactor(rawEmail: string): Promise<UserInfo> {
    return this.serial(async () => {
      const u = this.user(rawEmail);
      const t = this.totp.get(u.id);
      if (!t) throw new AdminError(409, `${u.email} has no two-factor authentication`);
      await this.secretsRepo().writeTotp(t, true);
      this.totp.delete(u.id);
      await this.endLogins((l) => l.userId === u.id);
      return userInfo(u);
    });
  }

  /** A password reset link's token for the user (valid 1 hour, once); the CLI prints it as an address. */
  createResetToken(rawEmail: string): Promise<{ user: UserInfo; token: string; expiresMs: number }> {
    return this.serial(async () => {
      const u = this.user(rawEmail);
      const token = newToken();
      const row: PasswordResetRow = { tokenHash: sha256(token), userId: u.id, expiresMs: this.now() + RESET_LINK_MS };
      await this.secretsRepo().writeReset(row, false);
      this.resets.set(row.tokenHash, row);
      return { user: userInfo(u), token, expiresMs: row.expiresMs };
    });
  }

  /** Whose reset link this is (undefined when unknown, used or expired). */
  resetFor(token: string | undefined): UserInfo | undefined {
    if (!token || token.length > 200) return undefined;
    const r = this.resets.get(sha256(token));
    if (!r || r.expiresMs <= this.now()) return undefined;
    return this.userById(r.userId);
  }

  /** Sets the password through a reset link: the link (and any other of the user's) is used up, every login ends. */
  completeReset(token: string, password: string): Promise<UserInfo> {
    return this.serial(async () => {
      const who = this.resetFor(token);
      const u = who && this.users.get(who.id);
      if (!u) throw new AdminError(410, 'This reset link is not valid any more: ask for a new one');
      const row = await this.repo.writeUser({ ...u, passwordHash: await hashPassword(checkPassword(password)) }, false);
      this.users.set(row.id, row);
      await this.endResets(u.id);
      await this.endLogins((l) => l.userId === u.id);
      return userInfo(row);
    });
  }

  private async endResets(userId: number): Promise<void> {
    for (const r of [...this.resets.values()]) {
      if (r.userId !== userId) continue;
      this.resets.delete(r.tokenHash);
      await this.secrets?.writeReset(r, true);
    }
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
