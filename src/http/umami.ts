import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isbot } from 'isbot';
import { clientIpBehind } from '../ingest/ip.js';
import { parseEventObject } from '../ingest/request.js';
import { UUID, type Site } from '../store/repo.js';
import { readBody } from './body.js';
import { ingestEvent, type EventRouteDeps } from './event.js';
import { sendJson } from './respond.js';

/**
 * Umami's collection API, so that Umami's tracker (and its server-side clients) work unchanged against Footfall:
 * `POST /api/send` (one `{type, payload}`) and `POST /api/batch` (an array of them), with Umami's answers. An event
 * becomes a Plausible event of the site that carries the payload's website id, and goes through the same
 * ingestion as `/api/event` (bots, shields, sessions by salted hash, rate limit, journal).
 */

export interface UmamiRouteDeps extends EventRouteDeps {
  umamiSites: { byUmamiId(id: string): Site | undefined };
}

/** Umami's CORS for `/api/*`. */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': '*',
  'access-control-allow-methods': 'GET, DELETE, POST, PUT',
  'access-control-max-age': '86400',
  'cache-control': 'no-cache',
};

const MAX_PROPS = 30;

type Answer = { status: number; body: Record<string, unknown> };

const badRequest = (why: string): Answer => ({ status: 400, body: { error: { message: 'Bad request', code: 'bad-request', status: 400, details: why } } });
const NOT_FOUND: Answer = { status: 400, body: { error: { message: 'Website not found.', code: 'bad-request', status: 400 } } };

/** Umami's event data, flattened with `.` keys, as Plausible props (strings; at most 30). */
export function flattenData(data: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (data === null || typeof data !== 'object') return out;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (out.length >= MAX_PROPS) break;
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenData(v, key, out);
    else if (v !== undefined && v !== null) out.push([key, Array.isArray(v) ? JSON.stringify(v) : String(v)]);
  }
  return out;
}

/** A payload's url or referrer made absolute (Umami's old trackers send a path; the base is the payload's hostname). */
function absolute(v: unknown, host: string): string | null {
  if (typeof v !== 'string' || v === '') return null;
  try {
    return new URL(v, `https://${host}`).toString();
  } catch {
    return null;
  }
}

/** One `{type, payload}` item: stored (or not) and answered as Umami answers. */
async function sendOne(item: unknown, ip: string, userAgent: string, deps: UmamiRouteDeps): Promise<Answer> {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return badRequest('the body must be a JSON object {type, payload}');
  const { type, payload } = item as { type?: unknown; payload?: unknown };
  if (type !== 'event' && type !== 'identify' && type !== 'performance') return badRequest('type must be event, identify or performance');
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return badRequest('payload must be an object');
  const p = payload as Record<string, unknown>;
  if (typeof p.website !== 'string' || !UUID.test(p.website)) return badRequest('payload.website must be a website id (UUID)');
  for (const [f, max] of [['hostname', 100], ['name', 50], ['tag', 50], ['screen', 11], ['language', 35]] as const) {
    if (p[f] !== undefined && p[f] !== null && (typeof p[f] !== 'string' || (p[f] as string).length > max)) return badRequest(`payload.${f} must be a string of at most ${max} characters`);
  }
  if (isbot(userAgent)) return { status: 200, body: { beep: 'boop' } };
  const site = deps.umamiSites.byUmamiId(p.website);
  if (!site) return NOT_FOUND;
  const accepted: Answer = { status: 200, body: { cache: randomBytes(24).toString('base64url'), sessionId: randomUUID(), visitId: randomUUID() } };
  // identify (session data) and performance (web vitals) have no Plausible counterpart: accepted, not stored
  if (type !== 'event') return accepted;
  const host = typeof p.hostname === 'string' && p.hostname ? p.hostname : site.domain;
  const url = absolute(p.url, host);
  if (url === null) return badRequest('payload.url must be a URL or a path');
  const props = flattenData(p.data);
  if (typeof p.tag === 'string' && p.tag && props.length < MAX_PROPS) props.push(['tag', p.tag]);
  const parsed = parseEventObject({ name: typeof p.name === 'string' && p.name ? p.name : 'pageview', url, domain: site.domain, referrer: absolute(p.referrer, host) ?? '', props: Object.fromEntries(props) });
  if (!parsed.ok) return badRequest(Object.entries(parsed.errors).map(([k, v]) => `${k}: ${v.join('; ')}`).join(', '));
  const outcome = await ingestEvent(parsed.request, ip, userAgent, deps);
  if (!outcome.ok) return { status: outcome.status, body: { error: { message: outcome.message, code: outcome.status === 429 ? 'too-many-requests' : 'server-error', status: outcome.status } } };
  return accepted;
}

function respond(res: ServerResponse, a: Answer, extra: Record<string, string> = {}): void {
  sendJson(res, a.status, a.body, { ...CORS, ...extra });
}

async function body(req: IncomingMessage, res: ServerResponse, deps: UmamiRouteDeps, limit: number): Promise<unknown | undefined> {
  const read = await readBody(req, limit);
  if (!read.ok) {
    if (read.reason === 'aborted') return void res.destroy();
    respond(res, { status: 413, body: { error: { message: `Request body is too large (at most ${limit} bytes)`, code: 'bad-request', status: 413 } } }, { connection: 'close' });
    return undefined;
  }
  try {
    // parsed as JSON whatever the Content-Type (Umami's own reading)
    return JSON.parse(read.body.toString('utf8')) as unknown;
  } catch {
    respond(res, badRequest('the body is not JSON'));
    return undefined;
  }
}

/** `POST /api/send`. */
export async function handleUmamiSend(req: IncomingMessage, res: ServerResponse, deps: UmamiRouteDeps): Promise<void> {
  if (req.method === 'OPTIONS') return void (req.resume(), res.writeHead(204, { ...CORS, 'content-length': '0' }), res.end());
  if (req.method !== 'POST') return void (req.resume(), respond(res, { status: 405, body: { error: { message: 'Method not allowed', code: 'method-not-allowed', status: 405 } } }, { allow: 'POST, OPTIONS' }));
  deps.counters.requests++;
  const b = await body(req, res, deps, deps.maxBodyBytes);
  if (b === undefined) return;
  const ip = clientIpBehind(req.headers, req.socket.remoteAddress, deps.trustedProxies);
  const a = await sendOne(b, ip, req.headers['user-agent'] ?? '', deps);
  if (a.status === 400) deps.counters.invalid++;
  respond(res, a);
}

/** `POST /api/batch`: each item as `/api/send` would answer it, with the batch's headers. */
export async function handleUmamiBatch(req: IncomingMessage, res: ServerResponse, deps: UmamiRouteDeps): Promise<void> {
  if (req.method === 'OPTIONS') return void (req.resume(), res.writeHead(204, { ...CORS, 'content-length': '0' }), res.end());
  if (req.method !== 'POST') return void (req.resume(), respond(res, { status: 405, body: { error: { message: 'Method not allowed', code: 'method-not-allowed', status: 405 } } }, { allow: 'POST, OPTIONS' }));
  const b = await body(req, res, deps, deps.maxBodyBytes * 100);
  if (b === undefined) return;
  if (!Array.isArray(b) || b.length > 1000) return respond(res, badRequest('the body must be a JSON array of at most 1,000 {type, payload} items'));
  const ip = clientIpBehind(req.headers, req.socket.remoteAddress, deps.trustedProxies);
  const ua = req.headers['user-agent'] ?? '';
  const details: Array<{ index: number; response: Record<string, unknown> }> = [];
  let cache: unknown;
  for (let i = 0; i < b.length; i++) {
    deps.counters.requests++;
    const a = await sendOne(b[i], ip, ua, deps);
    if (a.status !== 200) details.push({ index: i, response: a.body });
    else cache ??= a.body.cache;
  }
  respond(res, { status: 200, body: { size: b.length, processed: b.length - details.length, errors: details.length, details, ...(cache ? { cache } : {}) } });
}
