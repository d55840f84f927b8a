import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Strips quotes, IPv6 brackets, ports and IPv4-mapped IPv6 prefixes; returns '' when not an IP. */
export function cleanIp(raw: string): string {
  let s = raw.trim().replace(/^"|"$/g, '');
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    s = end > 0 ? s.slice(1, end) : s.slice(1);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':'));
  }
  if (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(s)) s = s.slice(7);
  return isIP(s) ? s.toLowerCase() : '';
}

function firstListed(v: string | undefined): string {
  if (!v) return '';
  return cleanIp(v.split(',')[0] ?? '');
}

function forwardedFor(v: string | undefined): string {
  if (!v) return '';
  for (const part of v.split(/[,;]/)) {
    const m = /^\s*for\s*=\s*(.+?)\s*$/i.exec(part);
    if (m) return cleanIp(m[1]!);
  }
  return '';
}

/**
 * The visitor's IP, first match wins: X-Plausible-IP, CF-Connecting-IP, B-Forwarded-For (first entry),
 * X-Forwarded-For (first entry), Forwarded (for=), then the socket address.
 */
export function clientIp(headers: IncomingHttpHeaders, socketAddress: string | undefined): string {
  return (
    cleanIp(header(headers, 'x-plausible-ip') ?? '') ||
    cleanIp(header(headers, 'cf-connecting-ip') ?? '') ||
    firstListed(header(headers, 'b-forwarded-for')) ||
    firstListed(header(headers, 'x-forwarded-for')) ||
    forwardedFor(header(headers, 'forwarded')) ||
    cleanIp(socketAddress ?? '')
  );
}

/**
 * The proxies whose forwarding headers are believed (`FOOTFALL_TRUSTED_PROXIES`, CIDR list). Without any, every
 * peer's headers are (Plausible's behaviour: server-side integrations send the visitor's IP in X-Forwarded-For).
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const [addr, bits] = c.split('/');
      const ip = cleanIp(addr ?? '');
      if (!ip) throw new RangeError(`not an IP address or CIDR range: ${JSON.stringify(c)}`);
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      const max = type === 'ipv6' ? 128 : 32;
      if (bits === undefined) this.list.addAddress(ip, type);
      else {
        const n = Number(bits);
        if (!/^\d+$/.test(bits) || n > max) throw new RangeError(`bad prefix length in ${JSON.stringify(c)}`);
        this.list.addSubnet(ip, n, type);
      }
    }
    this.size = cidrs.length;
  }

  /** Parses `"10.0.0.0/8, 192.168.1.1"`. */
  static parse(raw: string | undefined): TrustedProxies | null {
    const items = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return items.length ? new TrustedProxies(items) : null;
  }

  has(ip: string): boolean {
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The visitor's IP behind trusted proxies: a peer that is not trusted is the client (its headers are ignored);
 * a trusted peer's X-Forwarded-For (or Forwarded) is read from the right, and the first address that is not a
 * trusted proxy is the client. X-Plausible-IP and CF-Connecting-IP, set by one hop, count from a trusted peer only.
 */
export function clientIpBehind(headers: IncomingHttpHeaders, socketAddress: string | undefined, trusted: TrustedProxies | null): string {
  if (!trusted) return clientIp(headers, socketAddress);
  const peer = cleanIp(socketAddress ?? '');
  if (!peer || !trusted.has(peer)) return peer;
  const single = cleanIp(header(headers, 'x-plausible-ip') ?? '') || cleanIp(header(headers, 'cf-connecting-ip') ?? '');
  if (single) return single;
  const chain: string[] = [];
  const xff = header(headers, 'x-forwarded-for');
  if (xff) for (const part of xff.split(',')) chain.push(cleanIp(part));
  else {
    const fwd = header(headers, 'forwarded');
    if (fwd) for (const el of fwd.split(',')) for (const pair of el.split(';')) {
      const m = /^\s*for\s*=\s*(.+?)\s*$/i.exec(pair);
      if (m) chain.push(cleanIp(m[1]!));
    }
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const ip = chain[i]!;
    if (!ip) return peer; // a malformed entry: nothing left of it can be believed
    if (!trusted.has(ip)) return ip;
  }
  return chain.find(Boolean) ?? peer;
}
