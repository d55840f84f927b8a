import { BlockList, isIP } from 'node:net';
import { globMatcher, MAX_WILDCARDS } from '../util/glob.js';

export type ShieldKind = 'ip' | 'country' | 'page' | 'hostname';
export const SHIELD_KINDS: readonly ShieldKind[] = ['ip', 'country', 'page', 'hostname'];
/** Rules per site and kind (Plausible's limits). */
export const SHIELD_LIMITS: Record<ShieldKind, number> = { ip: 30, country: 30, page: 30, hostname: 10 };

export interface ShieldRule {
  kind: ShieldKind;
  value: string;
}

/** Validates and normalizes one rule's value; returns an error message for a bad one. */
export function normalizeShield(kind: string, raw: string): ShieldRule | string {
  const value = raw.trim();
  switch (kind) {
    case 'ip': {
      const [addr, bits, extra] = value.split('/');
      const family = isIP(addr ?? '');
      if (!family || extra !== undefined) return `not an IP address or CIDR range: ${JSON.stringify(raw)}`;
      if (bits !== undefined) {
        const n = Number(bits);
        if (!/^\d+$/.test(bits) || n > (family === 4 ? 32 : 128)) return `bad prefix length in ${JSON.stringify(raw)}`;
      }
      return { kind, value: value.toLowerCase() };
    }
    case 'country':
      if (!/^[A-Za-z]{2}$/.test(value)) return `a country is a two-letter ISO code, got ${JSON.stringify(raw)}`;
      return { kind, value: value.toUpperCase() };
    case 'page':
      if (!value.startsWith('/') || value.length > 250) return `a page pattern starts with / and has at most 250 characters (wildcards *), got ${JSON.stringify(raw)}`;
      if (wildcards(value) > MAX_WILDCARDS) return `a page pattern has at most ${MAX_WILDCARDS} wildcards (*), got ${wildcards(value)}`;
      return { kind, value };
    case 'hostname':
      if (!/^[a-z0-9*][a-z0-9*.-]*$/i.test(value) || value.length > 253) return `a hostname pattern has letters, digits, dots, dashes and *, got ${JSON.stringify(raw)}`;
      if (wildcards(value) > MAX_WILDCARDS) return `a hostname pattern has at most ${MAX_WILDCARDS} wildcards (*), got ${wildcards(value)}`;
      return { kind, value: value.toLowerCase() };
    default:
      return `shield kind must be one of ${SHIELD_KINDS.join(', ')}, got ${JSON.stringify(kind)}`;
  }
}

const wildcards = (v: string) => v.split('*').length - 1;

/** One site's shields, compiled for the hot path. */
export class SiteShields {
  private readonly ips = new BlockList();
  private readonly ipCount: number;
  private readonly countries: Set<string>;
  private readonly pages: Array<(s: string) => boolean>;
  private readonly hostnames: Array<(s: string) => boolean>;

  constructor(readonly rules: readonly ShieldRule[]) {
    let ipCount = 0;
    for (const r of rules) {
      if (r.kind !== 'ip') continue;
      const [addr, bits] = r.value.split('/');
      const type = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.ips.addAddress(addr!, type);
      else this.ips.addSubnet(addr!, Number(bits), type);
      ipCount++;
    }
    this.ipCount = ipCount;
    this.countries = new Set(rules.filter((r) => r.kind === 'country').map((r) => r.value));
    // linear-time matchers: a crafted path cannot make a pattern backtrack (one worker serves every site)
    this.pages = rules.filter((r) => r.kind === 'page').map((r) => globMatcher(r.value));
    this.hostnames = rules.filter((r) => r.kind === 'hostname').map((r) => globMatcher(r.value));
  }

  ipBlocked(ip: string): boolean {
    if (this.ipCount === 0 || !ip) return false;
    const family = isIP(ip);
    return family !== 0 && this.ips.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }

  countryBlocked(country: string): boolean {
    return country !== '' && this.countries.has(country);
  }

  pageBlocked(pathname: string): boolean {
    return this.pages.some((m) => m(pathname));
  }

  /** With no hostname rules every hostname is allowed. */
  hostnameAllowed(hostname: string): boolean {
    return this.hostnames.length === 0 || this.hostnames.some((m) => m(hostname));
  }
}
