import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Accounts } from './accounts.js';

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * A fresh server (no user yet) lets the browser create the owner account, with a one-time token that the server
 * prints at start: whoever reaches a fresh server first on the network cannot take it without the server's log.
 * The token lives in memory only (a new one each start) and ends when the first user exists.
 */
export class FirstRun {
  private hash: Buffer | null = null;
  constructor(private readonly accounts: Accounts) {}

  /** A new token when the server has no user (null when it has). */
  start(): string | null {
    if (this.accounts.hasUsers()) return null;
    const token = randomBytes(18).toString('base64url');
    this.hash = sha256(token);
    return token;
  }

  /** Whether the browser may create the first account now. */
  active(): boolean {
    if (this.hash && this.accounts.hasUsers()) this.hash = null;
    return this.hash !== null;
  }

  matches(token: string): boolean {
    return this.active() && token.length <= 200 && timingSafeEqual(sha256(token), this.hash!);
  }

  done(): void {
    this.hash = null;
  }
}
