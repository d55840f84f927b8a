import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { getDomain } from 'tldts';

interface SipHash {
  hash(key: number[], message: string | Uint8Array): { h: number; l: number };
}
const siphash = createRequire(import.meta.url)('siphash') as SipHash;

/** The 16-byte salt as SipHash's four 32-bit little-endian key words. */
export function sipKey(salt: Buffer): number[] {
  return [0, 1, 2, 3].map((i) => salt.readUInt32LE(i * 4));
}

/** SipHash-2-4 of a message, as an unsigned 64-bit integer. */
export function sipHash64(key: number[], message: string | Uint8Array): bigint {
  const { h, l } = siphash.hash(key, message);
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

/** `blog.example.co.uk` → `example.co.uk` (public-suffix aware); IPs, `(none)` and unknown suffixes stay as they are. */
export function registrableDomain(hostname: string): string {
  let d = domains.get(hostname);
  if (d === undefined) {
    d = hostname === '(none)' || isIP(hostname) ? hostname : (getDomain(hostname, { allowPrivateDomains: false }) ?? hostname);
    // the hostnames of a server's sites are few: a small cache, emptied whenever it fills
    if (domains.size >= 4096) domains.clear();
    domains.set(hostname, d);
  }
  return d;
}
const domains = new Map<string, string>();

const encoder = new TextEncoder();
/** The message's UTF-8 bytes are written here (no array made per event); a longer message is hashed as a string. */
const scratch = new Uint8Array(16 * 1024);

/**
 * The cookieless visitor id: SipHash-2-4, keyed by the day's salt, of User-Agent + IP + site domain +
 * registrable domain of the event's hostname. Without the salt (destroyed after two days) it cannot be
 * recomputed or reversed; a 64-bit keyed PRF is what Plausible uses and what the UInt64 column holds.
 */
export function visitorId(key: number[], userAgent: string, ip: string, siteDomain: string, hostname: string): string {
  const message = userAgent + ip + siteDomain + registrableDomain(hostname);
  const { read, written } = encoder.encodeInto(message, scratch);
  return sipHash64(key, read === message.length ? scratch.subarray(0, written) : message).toString();
}
