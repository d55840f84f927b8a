import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { AdminError } from '../core/admin.js';
import { engineRefusal } from './refusal.js';
import type { Logger } from '../util/log.js';
import type { Metrics } from '../core/metrics.js';
import { handleAdmin, type AdminRouteDeps } from './admin.js';
import { handleEvent, type EventRouteDeps } from './event.js';
import { handleExport, type ExportRouteDeps } from './export.js';
import { handleImportEvents, type ImportRouteDeps } from './import.js';
import { handleUmamiBatch, handleUmamiSend, type UmamiRouteDeps } from './umami.js';
import { handleHealth, handleLive, handleReady, type HealthDeps } from './health.js';
import { handleQuery, handleV1, type StatsRouteDeps } from './stats.js';
import { sendError } from './respond.js';
import { handleDashboard, pageBootstrap, type DashboardRouteDeps } from './dashboard.js';
import type { WebAssets } from './static.js';
import type { TrackerScript } from './tracker.js';

export type AppDeps = EventRouteDeps &
  ExportRouteDeps &
  HealthDeps &
  AdminRouteDeps &
  ImportRouteDeps &
  UmamiRouteDeps &
  StatsRouteDeps &
  DashboardRouteDeps & { log: Logger; metrics: Metrics; metricsToken: string; requestTimeoutMs: number; web: WebAssets; tracker: TrackerScript | null; eventPath: string };
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

/** Wraps a router so that no request can crash the process or hang: every failure becomes a JSON error. */
function guarded(route: Handler, log: Logger): http.RequestListener {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://footfall.invalid');
    } catch {
      res.setHeader('x-content-type-options', 'nosniff');
      return sendError(res, 400, 'invalid request target');
    }
    res.setHeader('x-content-type-options', 'nosniff'); // every answer: no browser guesses another type
    Promise.resolve()
      .then(() => route(req, res, url))
      .catch((err: unknown) => {
        if (err instanceof AdminError) {
          if (!res.headersSent) sendError(res, err.status, err.message);
          return;
        }
        const known = engineRefusal(err);
        if (known) {
          log.warn('request refused by the store', { method: req.method, path: url.pathname, status: known.status, err });
          if (!res.headersSent) sendError(res, known.status, known.message, known.headers);
          else res.destroy();
          return;
        }
        log.error('request failed', { method: req.method, path: url.pathname, err });
        if (!res.headersSent) sendError(res, 500, 'internal error');
        else res.destroy();
      });
  };
}

function publicRouter(deps: AppDeps): Handler {
  return (req, res, url) => {
    const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    switch (path) {
      case '/api/event':
        return handleEvent(req, res, deps);
      case '/api/health':
        // the details (store errors, buffer and journal figures) for the operator only; anyone gets the verdict
        return handleHealth(req, res, deps, operator(req, deps.metricsToken));
      case '/api/system/health/live':
        return handleLive(req, res);
      case '/api/system/health/ready':
        return handleReady(req, res, deps);
      case '/metrics':
        if (!operator(req, deps.metricsToken)) {
          req.resume();
          return deps.metricsToken
            ? sendError(res, 401, 'Send the metrics token as a Bearer token in the Authorization header', { 'www-authenticate': 'Bearer' })
            : sendError(res, 404, 'Metrics are served on the admin socket (footfall.sock in the data directory), and here with FOOTFALL_METRICS_TOKEN set');
        }
        return serveMetrics(res, deps);
      case '/api/v1/export/events':
        return handleExport(req, res, url, 'events', deps);
      case '/api/v1/export/sessions':
        return handleExport(req, res, url, 'sessions', deps);
      case '/api/error':
        // Plausible's snippet-error beacon: 200 with an empty body (nothing is kept)
        req.resume();
        res.writeHead(200, { 'content-length': '0' });
        return void res.end();
      case '/api/send':
        return handleUmamiSend(req, res, deps);
      case '/api/batch':
        return handleUmamiBatch(req, res, deps);
      case '/api/v1/import/events':
        return handleImportEvents(req, res, url, deps);
      case '/api/v2/query':
        return handleQuery(req, res, deps);
      case '/api/v1/stats/realtime/visitors':
      case '/api/v1/stats/aggregate':
      case '/api/v1/stats/timeseries':
      case '/api/v1/stats/breakdown':
        return handleV1(req, res, url, path.slice('/api/v1/stats/'.length), deps);
      default:
        if (path.startsWith('/api/dashboard/')) return handleDashboard(req, res, url, deps);
        if (path === deps.eventPath) return handleEvent(req, res, deps);
        req.resume();
        if (deps.tracker?.serve(req, res, url.pathname)) return;
        if (deps.web.serve(req, res, url.pathname, () => pageBootstrap(req, url, deps))) return;
        return sendError(res, 404, 'Not found');
    }
  };
}

/** Whether a request on the public port may see operator data: it carries the metrics token (when one is set). */
function operator(req: http.IncomingMessage, token: string): boolean {
  if (!token) return false;
  const got = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

async function serveMetrics(res: http.ServerResponse, deps: AppDeps): Promise<void> {
  await deps.processor.refreshStats().catch(() => undefined); // the worker restarting: the last figures
  const body = await deps.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
  res.end(body);
}

/** The admin socket: the admin API, and the operator's views (metrics, detailed health) without a token. */
function adminRouter(deps: AppDeps): Handler {
  return (req, res, url) => {
    if (url.pathname === '/metrics') return serveMetrics(res, deps);
    if (url.pathname === '/api/health') return handleHealth(req, res, deps, true);
    if (!url.pathname.startsWith('/admin/')) return sendError(res, 404, 'Not found');
    return handleAdmin(req, res, url, deps);
  };
}

const TIMEOUT_BODY = JSON.stringify({ errors: { request: ['Request timeout: the request was not received in time'] } });

function configure(server: http.Server, requestTimeoutMs: number): http.Server {
  server.requestTimeout = requestTimeoutMs; // a slow client cannot hold a request open for long: 408
  server.headersTimeout = Math.min(15_000, requestTimeoutMs);
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end(`HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(TIMEOUT_BODY)}\r\n\r\n${TIMEOUT_BODY}`);
    } else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return server;
}

/** Timeouts are checked this often (Node's default, 30 s, let slow clients linger up to twice the timeout). */
const CHECK_EVERY_MS = 1000;

export function createPublicServer(deps: AppDeps): http.Server {
  return configure(http.createServer({ connectionsCheckingInterval: CHECK_EVERY_MS }, guarded(publicRouter(deps), deps.log)), deps.requestTimeoutMs);
}

export function createAdminServer(deps: AppDeps): http.Server {
  return configure(http.createServer({ connectionsCheckingInterval: CHECK_EVERY_MS }, guarded(adminRouter(deps), deps.log)), Math.max(deps.requestTimeoutMs, 60_000));
}
