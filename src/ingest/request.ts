import { decodeJsonObject } from './json.js';

/** A validated `POST /api/event` body, fields resolved from their long or short names. */
export interface EventRequest {
  name: string;
  url: string;
  /** Site domains, normalized (trimmed, lower-case, leading `www.` removed), de-duplicated; at least one. */
  domains: string[];
  referrer: string | null;
  props: Array<[string, string]>;
  revenue: { amount: string; currency: string } | null;
  interactive: boolean;
  hashMode: boolean;
  scrollDepth: number | null;
  engagementTime: number | null;
  trackerVersion: number;
}

export type Errors = Record<string, string[]>;
export type ParseResult = { ok: true; request: EventRequest } | { ok: false; errors: Errors };

export const LIMITS = {
  nameChars: 120,
  urlBytes: 2000,
  referrerChars: 2000,
  props: 30,
  propKeyBytes: 300,
  propValueBytes: 2000,
  engagementTimeMs: 30 * 24 * 3600 * 1000,
} as const;

export const PARSE_ERROR: Errors = { request: ['Unable to parse request body as json'] };
const PROPS_ERROR = 'keys should have at most 300 bytes and values 2000 bytes';

/** Plausible's lookup: the short key first, then the long one; absent, `null` and `false` fall through (Elixir `a || b`). */
function first(body: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (body[k] !== undefined && body[k] !== null && body[k] !== false) return body[k];
  return undefined;
}

function addError(errors: Errors, field: string, msg: string): void {
  (errors[field] ??= []).push(msg);
}

export function normalizeDomain(raw: string): string {
  let d = raw.trim().toLowerCase();
  if (d.startsWith('www.')) d = d.slice(4);
  return d;
}

/**
 * A domain as an event names it, matched as Plausible matches it: trimmed and a leading lower-case `www.` removed,
 * the case kept (sites' domains are stored lower-case, so `Example.com` names no site, as in Plausible).
 */
export function eventDomain(raw: string): string {
  const d = raw.trim();
  return d.startsWith('www.') ? d.slice(4) : d;
}

function parseName(v: unknown, errors: Errors): string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    addError(errors, 'event_name', "can't be blank");
    return '';
  }
  if (typeof v !== 'string') {
    addError(errors, 'event_name', 'is invalid');
    return '';
  }
  if ([...v].length > LIMITS.nameChars) addError(errors, 'event_name', `should be at most ${LIMITS.nameChars} character(s)`);
  return v;
}

function parseUrl(v: unknown, errors: Errors): string {
  if (v === undefined || v === null || v === '') {
    addError(errors, 'url', 'is required');
    return '';
  }
  if (typeof v !== 'string' || Buffer.byteLength(v, 'utf8') > LIMITS.urlBytes) {
    addError(errors, 'url', 'must be a valid url');
    return '';
  }
  if (/^\s*data:/i.test(v)) {
    addError(errors, 'url', 'scheme is not allowed');
    return '';
  }
  if (!isParsableUrl(v)) addError(errors, 'url', 'must be a valid url');
  return v;
}

/** Absolute urls must parse; relative ones (`/blog`) are accepted and get hostname `(none)`. */
function isParsableUrl(u: string): boolean {
  if (URL.canParse(u)) return true;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return false;
  return URL.canParse(u, 'http://relative.invalid');
}

/** Host of a url without `www.` (lower-case), or '' when it has none. */
export function urlHost(u: string): string {
  try {
    const h = new URL(u).hostname;
    return h.startsWith('www.') ? h.slice(4) : h;
  } catch {
    return '';
  }
}

function parseDomains(v: unknown, url: string, errors: Errors): string[] {
  if (v === undefined || v === null) {
    const host = url ? urlHost(url) : '';
    if (!host) addError(errors, 'domain', "can't be blank");
    return host ? [host] : [];
  }
  if (typeof v !== 'string') return parseDomains(undefined, url, errors); // ignored as if absent (Plausible)
  const domains = [...new Set(v.split(',').map(eventDomain).filter((d) => d !== ''))];
  if (domains.length === 0) addError(errors, 'domain', "can't be blank");
  return domains;
}

/** Props: an object, or a string holding a JSON object. Bad pairs are discarded, at most 30 kept, then sizes checked. */
function parseProps(v: unknown, errors: Errors): Array<[string, string]> {
  let obj: unknown = v;
  if (typeof v === 'string') obj = decodeJsonObject(Buffer.from(v, 'utf8'));
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [];
  const out: Array<[string, string]> = [];
  for (const [k, val] of Object.entries(obj as Record<string, unknown>)) {
    if (out.length >= LIMITS.props) break;
    if (k.trim() === '' || val === null || val === undefined || typeof val === 'object') continue;
    let s: string;
    if (typeof val === 'string') s = val;
    else if (typeof val === 'number' || typeof val === 'boolean') s = String(val);
    else continue;
    if (s.trim() === '') continue;
    out.push([k, s]);
  }
  if (out.some(([k, s]) => Buffer.byteLength(k, 'utf8') > LIMITS.propKeyBytes || Buffer.byteLength(s, 'utf8') > LIMITS.propValueBytes)) {
    addError(errors, 'props', PROPS_ERROR);
  }
  return out;
}

let currencies: Set<string> | null = null;
function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

// At most 15 significant digits with 3 decimals: the amount travels as a JSON number (ClickHouse 18.16 reads no
// quoted decimals), and every such value survives the double round trip exactly.
const MAX_AMOUNT = 99_999_999_999.999;

/** Revenue `{currency, amount}`; anything invalid is discarded silently (null). Amount as a 3-decimal string. */
export function parseRevenue(v: unknown): { amount: string; currency: string } | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const { currency, amount } = v as Record<string, unknown>;
  if (typeof currency !== 'string') return null;
  const cur = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(cur) || !isCurrency(cur)) return null;
  let n: number;
  if (typeof amount === 'number') n = amount;
  else if (typeof amount === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(amount)) n = Number(amount);
  else return null;
  if (!Number.isFinite(n) || Math.abs(n) > MAX_AMOUNT) return null;
  return { amount: n.toFixed(3), currency: cur };
}

/** An integer or a string of one, else null. */
function intOrNull(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number(v);
  return null;
}

/** Hash mode: an integer or an integer string (Ecto's cast); only 1 turns it on; anything else is invalid. */
function parseHashMode(v: unknown, errors: Errors): boolean {
  if (v === undefined) return false;
  const n = intOrNull(v);
  if (n === null) {
    addError(errors, 'hash_mode', 'is invalid');
    return false;
  }
  return n === 1;
}

/** The stored scroll depth of an engagement event that reported none (Plausible's `@missing_scroll_depth`). */
export const MISSING_SCROLL_DEPTH = 255;

export function isEngagement(name: string): boolean {
  return name === 'engagement' || name === 'pageleave';
}

/** Validates a decoded body. Every failing rule is reported, not just the first. */
export function parseEventObject(body: Record<string, unknown>): ParseResult {
  const errors: Errors = {};
  const name = parseName(first(body, 'n', 'name'), errors);
  const url = parseUrl(first(body, 'u', 'url'), errors);
  const domains = parseDomains(first(body, 'd', 'domain'), url, errors);
  const props = parseProps(first(body, 'm', 'meta', 'p', 'props'), errors);
  const hashMode = parseHashMode(first(body, 'h', 'hashMode'), errors);

  const rawRef = first(body, 'r', 'referrer');
  const referrer = typeof rawRef === 'string' && rawRef !== '' ? [...rawRef].slice(0, LIMITS.referrerChars).join('') : null;

  let scrollDepth: number | null = null;
  let engagementTime: number | null = null;
  if (isEngagement(name)) {
    // Plausible's rules: a missing or invalid scroll depth is stored as 255 (so that it never drags averages down),
    // an invalid engagement time as 0; an engagement event with neither is refused.
    const sd = intOrNull(body.sd);
    scrollDepth = sd !== null && sd >= 0 ? Math.min(sd, 100) : MISSING_SCROLL_DEPTH;
    const e = intOrNull(body.e);
    engagementTime = e !== null && e >= 0 && e < LIMITS.engagementTimeMs ? e : 0;
    if (scrollDepth === MISSING_SCROLL_DEPTH && engagementTime === 0) {
      addError(errors, 'event_name', "engagement event requires a valid integer value for at least one of 'sd' or 'e' fields");
    }
  }
  const v = intOrNull(body.v);

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    request: {
      name,
      url,
      domains,
      referrer,
      props,
      revenue: parseRevenue(first(body, 'revenue', '$')),
      // Deliberately not Plausible's lookup: `i: false` alone is honoured (spec §3 recommends it).
      // Only a boolean counts (a string "false" is ignored, as in Plausible).
      interactive: typeof body.i === 'boolean' ? body.i : typeof body.interactive === 'boolean' ? body.interactive : true,
      hashMode,
      scrollDepth,
      engagementTime,
      trackerVersion: v !== null && v >= 0 && v <= 65535 ? v : 0,
    },
  };
}

/** A form-encoded body (`n=pageview&u=…`) as the object its fields make; null when it is not valid UTF-8. */
function decodeForm(body: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return null;
  }
  const obj: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) obj[k] = v;
  return Object.keys(obj).length ? obj : null;
}

/**
 * Raw body bytes → validated request or the 400 errors. A JSON object whatever the Content-Type; with
 * `application/x-www-form-urlencoded`, form fields too (props then come as a JSON string).
 */
export function parseEventBody(body: Uint8Array, contentType = ''): ParseResult {
  const obj = decodeJsonObject(body) ?? (/^\s*application\/x-www-form-urlencoded/i.test(contentType) ? decodeForm(body) : null);
  if (!obj) return { ok: false, errors: PARSE_ERROR };
  return parseEventObject(obj);
}
