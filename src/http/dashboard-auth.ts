import type { IncomingMessage } from 'node:http';

/** Cookie names: a user's login, and a visitor's unlock of a password-protected shared link. */
export const USER_COOKIE = 'ff_session';
export const LINK_COOKIE = 'ff_share';

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Whether the request reached us over https (directly, or through a proxy whose X-Forwarded-Proto we trust). */
export function overHttps(req: IncomingMessage, trustForwardedProto: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!trustForwardedProto) return false;
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

  private prune(key: string, nowMs: number): number[] {
    const list = (this.fails.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (list.length) this.fails.set(key, list);
    else this.fails.delete(key);
    return list;
  }
}
