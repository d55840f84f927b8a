import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admin } from '../core/admin.js';
import type { Access } from '../core/access.js';
import { decodeJsonObject } from '../ingest/json.js';
import { normalizeDomain } from '../ingest/request.js';
import type { ApiKeyInfo, Site } from '../store/repo.js';
import type { StatsEngine, StatsResult } from '../stats/engine.js';
import { parseQuery, QueryError } from '../stats/query.js';
import { breakdownKey, previousRange, v1Breakdown, v1Change, v1Check, v1DateRange, v1Filters, v1Interval, v1Metrics } from '../stats/v1.js';
import { readBody } from './body.js';
import { sendError, sendJson } from './respond.js';

export interface StatsRouteDeps {
  admin: Admin;
  /** Which sites a key reaches (its user's). */
  access: Access;
  stats: StatsEngine;
  /** Stats API requests per key and hour (fixed window). */
  apiRateLimitPerHour: number;
}

const MISSING_KEY = 'Missing API key. Please use a valid Plausible API key as a Bearer Token.';
const INVALID_KEY = "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested.";
const MISSING_SITE = 'Missing site ID. Please provide the required site_id parameter with your request.';

/** Requests per API key in the current hour (fixed window, as Plausible counts them). */
class HourlyLimiter {
  private readonly windows = new Map<number, { hour: number; n: number }>();
  take(keyId: number, limit: number, nowMs: number): boolean {
    const hour = Math.floor(nowMs / 3_600_000);
    let w = this.windows.get(keyId);
    if (!w || w.hour !== hour) {
      w = { hour, n: 0 };
      this.windows.set(keyId, w);
    }
    w.n++;
    return w.n <= limit;
  }
}
const limiter = new HourlyLimiter();

/** Bearer auth and the key's rate limit, in Plausible's order; null when an error was sent. */
function authorize(req: IncomingMessage, res: ServerResponse, deps: StatsRouteDeps): ApiKeyInfo | null {
  // the token is whatever follows `Bearer `, trimmed (`Bearer Bad key` is a wrong key, not a missing one)
  const m = /^Bearer\s+(\S(?:.*\S)?)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) {
    sendError(res, 401, MISSING_KEY);
    return null;
  }
  const key = deps.admin.authenticate(m[1]!);
  if (!key) {
    sendError(res, 401, INVALID_KEY);
    return null;
  }
  if (!limiter.take(key.id, deps.apiRateLimitPerHour, Date.now())) {
    sendError(res, 429, `Too many API requests. Your API key is limited to ${deps.apiRateLimitPerHour} requests per hour. Please contact us to request more capacity.`);
    return null;
  }
  return key;
}

function siteOf(raw: unknown, key: ApiKeyInfo, res: ServerResponse, deps: StatsRouteDeps): Site | null {
  if (raw === undefined || raw === null || raw === '') {
    sendError(res, 400, MISSING_SITE);
    return null;
  }
  const site = typeof raw === 'string' ? deps.admin.byDomain(normalizeDomain(raw)) : undefined;
  // a site the key's user cannot see answers as one that does not exist
  if (!site || !deps.access.keyReaches(key, site)) {
    sendError(res, 401, INVALID_KEY);
    return null;
  }
  return site;
}

/** Runs a v2 body; QueryErrors (and engine refusals of a user's regular expression) become 400. */
export async function runQuery(body: Record<string, unknown>, site: Site, deps: Pick<StatsRouteDeps, 'admin' | 'stats'>, minuteBuckets = false, legacy = false): Promise<StatsResult> {
  const statsStart = body.date_range === 'all' ? await deps.stats.statsStart(site.id, site.timezone) : null;
  const query = parseQuery(body, site, deps.admin.goalsOf(site.id), { nowMs: Date.now(), statsStart, minuteBuckets, legacy });
  try {
    return await deps.stats.query(query);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/re2|regexp|regular expression|CANNOT_COMPILE_REGEXP/i.test(msg)) throw new QueryError('Invalid filters. A regular expression could not be compiled.');
    throw err;
  }
}

export async function answer(res: ServerResponse, fn: () => Promise<unknown>): Promise<void> {
  try {
    sendJson(res, 200, await fn());
  } catch (err) {
    if (err instanceof QueryError) return sendError(res, 400, err.message);
    throw err;
  }
}

/** `POST /api/v2/query`. */
export async function handleQuery(req: IncomingMessage, res: ServerResponse, deps: StatsRouteDeps): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    return sendError(res, 405, 'Only POST is allowed', { allow: 'POST' });
  }
  const key = authorize(req, res, deps);
  if (!key) return void req.resume();
  const read = await readBody(req, 1_000_000);
  if (!read.ok) return read.reason === 'aborted' ? void res.destroy() : sendError(res, 413, 'Request body is too large');
  const body = decodeJsonObject(read.body);
  if (!body) return sendError(res, 400, 'Invalid request body: expected a JSON object');
  const site = siteOf(body.site_id, key, res, deps);
  if (!site) return;
  await answer(res, () => runQuery(body, site, deps));
}

/** `GET /api/v1/stats/{realtime/visitors,aggregate,timeseries,breakdown}`. */
export async function handleV1(req: IncomingMessage, res: ServerResponse, url: URL, endpoint: string, deps: StatsRouteDeps): Promise<void> {
  req.resume();
  if (req.method !== 'GET') return sendError(res, 405, 'Only GET is allowed', { allow: 'GET' });
  const key = authorize(req, res, deps);
  if (!key) return;
  const p = url.searchParams;
  const site = siteOf(p.get('site_id'), key, res, deps);
  if (!site) return;
  const tz = site.timezone;
  await answer(res, async () => {
    if (endpoint === 'realtime/visitors') {
      const now = Date.now();
      const r = await runQuery(
        { site_id: site.domain, metrics: ['visitors'], date_range: [new Date(now - 5 * 60_000).toISOString().slice(0, 19) + 'Z', new Date(now).toISOString().slice(0, 19) + 'Z'] },
        site,
        deps,
      );
      return r.results[0]?.metrics[0] ?? 0;
    }
    if (endpoint !== 'aggregate' && endpoint !== 'timeseries' && endpoint !== 'breakdown') throw new QueryError(`Unknown endpoint /api/v1/stats/${endpoint}`);
    const metrics = v1Metrics(p.get('metrics'));
    const range = v1DateRange(p.get('period'), p.get('date'), Date.now(), tz);
    const filters = v1Filters(p.get('filters'));
    const property = endpoint === 'breakdown' ? p.get('property') ?? undefined : undefined;
    v1Check({ endpoint, metrics, filters, property, goals: deps.admin.goalsOf(site.id) });
    const withImported = p.get('with_imported') === 'true';
    const base = { site_id: site.domain, metrics, filters, include: { imports: withImported } };
    // v1 names imported data it left out in a top-level warning: aggregate and breakdown for unsupported queries only
    const warned = (r: StatsResult, any: boolean): { warning?: string } =>
      r.meta.imports_warning && (any || r.meta.imports_skip_reason === 'unsupported_query') ? { warning: String(r.meta.imports_warning) } : {};
    // v1 errors that reach the v2 layer keep v2's words, without its "Invalid filters. " prefix
    const run = (body: Record<string, unknown>) =>
      runQuery(body, site, deps, false, true).catch((err: unknown) => {
        throw err instanceof QueryError ? new QueryError(err.message.replace(/^Invalid filters\. /, '')) : err;
      });
    if (endpoint === 'aggregate') {
      const compare = p.get('compare');
      if (compare !== null && compare !== 'previous_period') throw new QueryError(`Invalid compare value: ${compare}`);
      const [cur, prev] = await Promise.all([run({ ...base, date_range: range }), compare ? run({ ...base, date_range: previousRange(range) }) : null]);
      const results: Record<string, { value: unknown; change?: number | null; comparison_value?: unknown }> = {};
      metrics.forEach((m, i) => {
        // v1 reports a visit duration of no visits as 0
        const v1Value = (v: unknown) => (v === null && m === 'visit_duration' ? 0 : v);
        const value = v1Value(cur.results[0]?.metrics[i] ?? null);
        if (!prev) return void (results[m] = { value });
        const before = v1Value(prev.results[0]?.metrics[i] ?? null);
        results[m] = { value, change: v1Change(m, value, before), comparison_value: before };
      });
      return { results, ...warned(cur, false) };
    }
    if (endpoint === 'timeseries') {
      const interval = v1Interval(p.get('interval'), p.get('period'));
      // v1's conversion rate per bucket is of that bucket's visitors: v2's group rate
      const v2Metrics = metrics.map((m) => (m === 'conversion_rate' ? 'group_conversion_rate' : m));
      const r = await run({ ...base, metrics: v2Metrics, date_range: range, dimensions: [`time:${interval}`], include: { time_labels: true, imports: withImported } });
      const byLabel = new Map(r.results.map((row) => [String(row.dimensions[0]), row.metrics]));
      const labels = (r.meta.time_labels as string[]) ?? [];
      return {
        results: labels.map((date) => {
          const vals = byLabel.get(date);
          const out: Record<string, unknown> = { date };
          metrics.forEach((m, i) => (out[m] = vals ? vals[i] : m === 'visit_duration' || m === 'time_on_page' ? null : 0));
          return out;
        }),
        ...warned(r, true),
      };
    }
    const limit = Number(p.get('limit') ?? 100);
    const page = Number(p.get('page') ?? 1);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new QueryError('Please provide limit as a number between 1 and 1000.');
    if (!Number.isInteger(page) || page < 1) throw new QueryError('Please provide page as a number of 1 or more.');
    const shape = v1Breakdown(property!);
    // v1's conversion rate in a breakdown by anything but goals (and properties) is per group: v2's group rate
    const perGroup = property !== 'event:goal' && !property!.startsWith('event:props:');
    const v2Metrics = metrics.map((m) => (m === 'conversion_rate' && perGroup ? 'group_conversion_rate' : m));
    const r = await run({ ...base, metrics: v2Metrics, filters: [...filters, ...shape.filters], date_range: range, dimensions: shape.dimensions, pagination: { limit, offset: (page - 1) * limit } });
    return {
      results: r.results.map((row) => {
        const out: Record<string, unknown> = {};
        // the property's own key first, then the grouping dimensions it comes with (a version's browser or OS)
        out[breakdownKey(property!)] = row.dimensions[shape.dimensions.indexOf(property!)];
        shape.dimensions.forEach((d, i) => (out[breakdownKey(d)] ??= row.dimensions[i]));
        metrics.forEach((m, i) => (out[m] = row.metrics[i]));
        return out;
      }),
      ...warned(r, false),
    };
    throw new QueryError(`Unknown endpoint /api/v1/stats/${endpoint}`);
  });
}
