import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngestCounters } from '../core/counters.js';
import { clientIpBehind, type TrustedProxies } from '../ingest/ip.js';
import { IngestWorkerError, type EventProcessor, type Processed } from '../ingest/processor.js';
import { parseEventBody, type EventRequest } from '../ingest/request.js';
import type { RowIntake } from '../store/intake.js';
import type { UaService } from '../ingest/ua-service.js';
import { EMPTY_UA, type UaInfo } from '../ingest/useragent.js';
import type { RateLimit, RateLimiter } from '../ingest/ratelimit.js';
import type { Site } from '../store/repo.js';
import { readBody } from './body.js';
import { sendJson, sendText } from './respond.js';

export interface EventRouteDeps {
  /** The pipeline, live sessions and serialization: on the ingest worker (or inline). */
  processor: EventProcessor;
  /** Where accepted rows go: the journal then the write buffers, or the buffers alone. */
  intake: RowIntake;
  counters: IngestCounters;
  ua: UaService;
  limiter: RateLimiter;
  sites: { byDomain(domain: string): Site | undefined; rateLimitOf(site: Site): RateLimit };
  maxBodyBytes: number;
  /** Forwarding headers are believed from these peers only (null: from every peer). */
  trustedProxies: TrustedProxies | null;
}

/** Plausible's CORS (cors_plug's defaults), with the drop count readable by scripts (Plausible exposes nothing). */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'x-plausible-dropped',
};
const PREFLIGHT_HEADERS = 'Authorization,Content-Type,Accept,Origin,User-Agent,DNT,Cache-Control,X-Mx-ReqToken,Keep-Alive,X-Requested-With,If-Modified-Since,X-CSRF-Token';
/** The headers of a plain 202 (most answers): made once. */
const ACCEPTED = { ...CORS, 'content-type': 'text/plain; charset=utf-8', 'content-length': '2' };
const TOKEN_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** A CORS preflight, as Plausible answers it: 204 with its fixed lists; an OPTIONS without one is no route (404). */
function preflight(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (!req.headers['access-control-request-method']) return sendJson(res, 404, { errors: { request: ['Not found'] } }, CORS);
  const asked = req.headers['access-control-request-headers'];
  // the fixed list, and any other header a client asks for (server-side clients' own headers)
  const extra = typeof asked === 'string' && TOKEN_LIST.test(asked) ? asked.split(/\s*,\s*/).filter((h) => !PREFLIGHT_HEADERS.toLowerCase().split(',').includes(h.toLowerCase())) : [];
  res.writeHead(204, {
    ...CORS,
    'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
    'access-control-allow-headers': [PREFLIGHT_HEADERS, ...extra].join(','),
    'access-control-max-age': '1728000',
    'content-length': '0',
  });
  res.end();
}

/** Sites of the requests being processed on the ingest worker: room in the write buffers is kept for their rows. */
let inFlight = 0;

/** What became of an event: accepted (with the sites it was dropped for), or refused with a status and reason. */
export type IngestOutcome =
  | { ok: true; dropped: number }
  | { ok: false; status: 429 | 503; message: string; retryAfter: string };

/**
 * An event that passed its parse, from rate limit to stored rows: the User-Agent, room in the buffers, the pipeline
 * (on the ingest worker), the journal. Shared by the Plausible Events API and Umami's `/api/send`.
 */
export async function ingestEvent(request: EventRequest, ip: string, userAgent: string, deps: EventRouteDeps): Promise<IngestOutcome> {
  const refuse = (status: 429 | 503, message: string, retryAfter = '5'): IngestOutcome => ({ ok: false, status, message, retryAfter });
  const limited: Array<{ id: number; limit: RateLimit }> = [];
  let known = 0;
  for (const d of request.domains) {
    const site = deps.sites.byDomain(d);
    if (!site) continue;
    known++;
    const limit = deps.sites.rateLimitOf(site);
    if (limit.perMinute > 0) limited.push({ id: site.id, limit }); // 0: unlimited
  }
  if (limited.length > 0) {
    const admitted = deps.limiter.take(limited, Date.now(), ip);
    if (!admitted.ok) {
      deps.counters.rateLimited++;
      return refuse(429, 'Too many events for this site; retry later', String(admitted.retryAfterSeconds));
    }
  }
  // Only an event for a known site is worth parsing its User-Agent (the pipeline drops the rest before any stage).
  let ua: UaInfo | null = EMPTY_UA;
  if (known > 0) {
    const cached = deps.ua.resolve(userAgent);
    ua = cached !== null && 'then' in cached ? await cached : cached;
    if (ua === null) {
      // The parser is flooded: shed this event rather than store it unclassified (or skip its bot check).
      deps.counters.overloaded++;
      return refuse(503, 'Server is overloaded, retry later');
    }
  }
  // Room is checked before the pipeline runs (one event and at most two session rows per site), so that a
  // refused event has not moved its visitor's session on. Requests on their way through the ingest worker hold
  // their room until their rows are taken.
  const n = request.domains.length;
  if (!deps.intake.hasRoom(n + inFlight, 2 * (n + inFlight))) {
    deps.counters.overloaded++;
    return refuse(503, 'Server is overloaded, retry later');
  }
  let result: Processed;
  const pending = deps.processor.process(request, { ip, userAgent, ua, now: new Date() });
  if ('then' in pending) {
    inFlight += n;
    try {
      result = await pending;
    } catch (err) {
      if (!(err instanceof IngestWorkerError)) throw err;
      // The ingest worker stopped with this request (a new one is starting): nothing of it was kept.
      deps.counters.overloaded++;
      return refuse(503, 'Server cannot process events right now, retry later');
    } finally {
      inFlight -= n;
    }
  } else result = pending;
  const taken = deps.intake.accept(result.events, result.sessions);
  if (taken) {
    try {
      await taken;
    } catch {
      // The journal could not be written (or the buffers closed for shutdown): nothing of this event was kept.
      result.settle(false);
      deps.counters.overloaded++;
      return refuse(503, 'Server cannot store events right now, retry later');
    }
  }
  result.settle(true);
  deps.counters.accepted += result.events.length;
  for (const r of result.dropped) deps.counters.drop(r);
  return { ok: true, dropped: result.dropped.length };
}

/** `POST /api/event`: the Plausible Events API. */
export async function handleEvent(req: IncomingMessage, res: ServerResponse, deps: EventRouteDeps): Promise<void> {
  if (req.method === 'OPTIONS') return preflight(req, res);
  if (req.method !== 'POST') {
    return sendJson(res, 405, { errors: { request: ['Only POST is allowed'] } }, { ...CORS, allow: 'POST, OPTIONS' });
  }
  deps.counters.requests++;
  const ip = clientIpBehind(req.headers, req.socket.remoteAddress, deps.trustedProxies);
  if (String(req.headers['x-debug-request']).toLowerCase() === 'true') {
    req.resume();
    return sendText(res, 200, ip, CORS);
  }
  const read = await readBody(req, deps.maxBodyBytes);
  if (!read.ok) {
    if (read.reason === 'aborted') return void res.destroy();
    deps.counters.invalid++;
    return sendJson(
      res,
      413,
      { errors: { request: [`Request body is too large (at most ${deps.maxBodyBytes} bytes)`] } },
      { ...CORS, connection: 'close' },
    );
  }
  const parsed = parseEventBody(read.body, req.headers['content-type'] ?? '');
  if (!parsed.ok) {
    deps.counters.invalid++;
    return sendJson(res, 400, { errors: parsed.errors }, CORS);
  }
  const userAgent = req.headers['user-agent'] ?? '';
  const outcome = await ingestEvent(parsed.request, ip, userAgent, deps);
  if (!outcome.ok) return sendJson(res, outcome.status, { errors: { request: [outcome.message] } }, { ...CORS, 'retry-after': outcome.retryAfter });
  if (outcome.dropped === 0) {
    res.writeHead(202, ACCEPTED);
    res.end('ok');
    return;
  }
  sendText(res, 202, 'ok', { ...CORS, 'x-plausible-dropped': String(outcome.dropped) });
}
