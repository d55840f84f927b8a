import { isIP } from 'node:net';
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
