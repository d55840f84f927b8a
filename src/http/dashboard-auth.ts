import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { cleanIp, clientIpBehind, type TrustedProxies } from '../ingest/ip.js';

/** Cookie names: a user's login, and a visitor's unlock of a password-protected shared link. */
export const USER_COOKIE = 'ff_session';
export const LINK_COOKIE = 'ff_share';
/** A browser that logged in to an account before: not slowed down by the failures others cause for it. */
export const DEVICE_COOKIE = 'ff_device';
export const DEVICE_COOKIE_SEC = 365 * 24 * 3600;

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // a malformed cookie (`%E0%A4%A`) is no cookie
    }
  }
  return undefined;
}

/**
 * The client's address for the login limiter: through `FOOTFALL_TRUSTED_PROXIES` when set (the visitor behind the
 * proxy, as for events); without them the TCP peer, since anyone could write a forwarding header.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies | null): string {
  const ip = trusted ? clientIpBehind(req.headers, req.socket.remoteAddress, trusted) : cleanIp(req.socket.remoteAddress ?? '');
  return ip || 'unknown';
}

/**
 * Whether the request reached us over https: directly, or through a proxy whose X-Forwarded-Proto we believe (any
 * peer's with `FOOTFALL_TRUST_FORWARDED_PROTO=on`; a trusted proxy's whenever `FOOTFALL_TRUSTED_PROXIES` is set).
 */
export function overHttps(req: IncomingMessage, trustForwardedProto: boolean, trusted: TrustedProxies | null = null): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!trustForwardedProto && !trusted?.has(cleanIp(req.socket.remoteAddress ?? ''))) return false;
  const h = req.headers['x-forwarded-proto'];
  const v = (Array.isArray(h) ? h[0] : h)?.split(',')[0]?.trim().toLowerCase();
  return v === 'https';
}

/** `Set-Cookie` for a login (maxAgeSec 0 ends it): HttpOnly, SameSite=Lax, Secure over https. */
export function cookieHeader(name: string, value: string, maxAgeSec: number, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * CSRF check of a state-changing request: the browser's Origin (or, without one, Sec-Fetch-Site) must say it
 * came from this same host. Requests without either (not from a browser) are refused too: the dashboard's own
 * page always sends Origin with fetch POSTs.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  return req.headers['sec-fetch-site'] === 'same-origin';
}

/**
 * Failed logins per key (client IP, email) in a sliding window: after `max` failures the key waits until the
 * oldest one leaves the window. Successful logins do not count.
 */
export class AttemptLimiter {
  private readonly fails = new Map<string, number[]>();
  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Seconds to wait before another attempt, or 0. */
  retryAfter(key: string, nowMs: number): number {
    const list = this.prune(key, nowMs);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - nowMs) / 1000));
  }

  fail(key: string, nowMs: number): void {
    const list = this.prune(key, nowMs);
    list.push(nowMs);
    this.fails.set(key, list);
    if (this.fails.size > 100_000) {
      // bounded memory under a flood of distinct keys: drop the oldest entries
      for (const k of this.fails.keys()) {
        this.fails.delete(k);
        if (this.fails.size <= 50_000) break;
      }
    }
  }

  /** The failures of `key` within the window, oldest first. */
  failures(key: string, nowMs: number): readonly number[] {
    return this.prune(key, nowMs);
  }

  private prune(key: string, nowMs: number): number[] {
    const list = (this.fails.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (list.length) this.fails.set(key, list);
    else this.fails.delete(key);
    return list;
  }
}

/**
 * Failed logins per account, as a slowdown rather than a lock-out: the first `free` failures in the window cost
 * nothing; after them each attempt waits 2^(failures − free) seconds after the last failure, at most `maxWaitSec`.
 * So someone who guesses at an account from many addresses gets a few tries a minute, and can never lock its owner
 * out for longer than that wait; the owner's own browser (with a device cookie from an earlier login) is not slowed.
 */
export class AccountSlowdown {
  private readonly attempts: AttemptLimiter;
  constructor(private readonly free: number, windowMs: number, private readonly maxWaitSec = 60) {
    this.attempts = new AttemptLimiter(Number.MAX_SAFE_INTEGER, windowMs);
  }

  retryAfter(account: string, nowMs: number): number {
    const f = this.attempts.failures(account, nowMs);
    if (f.length < this.free) return 0;
    const waitMs = Math.min(this.maxWaitSec, 2 ** (f.length - this.free)) * 1000;
    const left = f[f.length - 1]! + waitMs - nowMs;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  fail(account: string, nowMs: number): void {
    this.attempts.fail(account, nowMs);
  }
}

/** The device cookie's value for an account: an HMAC of its email under the data directory's own key. */
export function deviceToken(key: Buffer, email: string): string {
  return createHmac('sha256', key).update(`device:${email}`).digest('base64url');
}

export function knownDevice(req: IncomingMessage, key: Buffer, email: string): boolean {
  const got = Buffer.from(readCookie(req, DEVICE_COOKIE) ?? '');
  const want = Buffer.from(deviceToken(key, email));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The key of the device cookies, `<data dir>/device.key` (32 random bytes, owner only), made on first use. */
export function loadDeviceKey(file: string): Buffer {
  try {
    const k = fs.readFileSync(file);
    if (k.length === 32) return k;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const k = randomBytes(32);
  fs.writeFileSync(file, k, { mode: 0o600 });
  return k;
}
