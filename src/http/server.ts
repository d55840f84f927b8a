import http from 'node:http';
import { AdminError } from '../core/admin.js';
import type { Logger } from '../util/log.js';
import type { Metrics } from '../core/metrics.js';
import { handleAdmin, type AdminRouteDeps } from './admin.js';
import { handleEvent, type EventRouteDeps } from './event.js';
import { handleExport, type ExportRouteDeps } from './export.js';
import { handleHealth, handleLive, handleReady, type HealthDeps } from './health.js';
import { handleQuery, handleV1, type StatsRouteDeps } from './stats.js';
import { sendError } from './respond.js';

export type AppDeps = EventRouteDeps & ExportRouteDeps & HealthDeps & AdminRouteDeps & StatsRouteDeps & { log: Logger; metrics: Metrics };
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

/** Wraps a router so that no request can crash the process or hang: every failure becomes a JSON error. */
function guarded(route: Handler, log: Logger): http.RequestListener {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://footfall.invalid');
    } catch {
      return sendError(res, 400, 'invalid request target');
    }
    Promise.resolve()
      .then(() => route(req, res, url))
      .catch((err: unknown) => {
        if (err instanceof AdminError) {
          if (!res.headersSent) sendError(res, err.status, err.message);
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
        return handleHealth(req, res, deps);
      case '/api/system/health/live':
        return handleLive(req, res);
      case '/api/system/health/ready':
        return handleReady(req, res, deps);
      case '/metrics':
        return (async () => {
          const body = await deps.metrics.registry.metrics();
          res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
          res.end(body);
        })();
      case '/api/v1/export/events':
        return handleExport(req, res, url, 'events', deps);
      case '/api/v1/export/sessions':
        return handleExport(req, res, url, 'sessions', deps);
      case '/api/v2/query':
        return handleQuery(req, res, deps);
      case '/api/v1/stats/realtime/visitors':
      case '/api/v1/stats/aggregate':
      case '/api/v1/stats/timeseries':
      case '/api/v1/stats/breakdown':
        return handleV1(req, res, url, path.slice('/api/v1/stats/'.length), deps);
      default:
        req.resume();
        return sendError(res, 404, 'Not found');
    }
  };
}

function adminRouter(deps: AppDeps): Handler {
  return (req, res, url) => {
    if (!url.pathname.startsWith('/admin/')) return sendError(res, 404, 'Not found');
    return handleAdmin(req, res, url, deps);
  };
}

function configure(server: http.Server): http.Server {
  server.requestTimeout = 30_000; // a slow client cannot hold a request open forever
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

export function createPublicServer(deps: AppDeps): http.Server {
  return configure(http.createServer(guarded(publicRouter(deps), deps.log)));
}

export function createAdminServer(deps: AppDeps): http.Server {
  return configure(http.createServer(guarded(adminRouter(deps), deps.log)));
}
