import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError, goalInputFromBody, type Admin } from '../core/admin.js';
import type { Accounts } from '../core/accounts.js';
import { OPERATOR, type Access } from '../core/access.js';
import { operatorOps } from '../core/operations.js';
import { decodeJsonObject } from '../ingest/json.js';
import type { Store } from '../store/store.js';
import type { Importer } from '../import/service.js';
import { readBody } from './body.js';
import { sendError, sendJson } from './respond.js';
import { streamNdjson } from './stream.js';

export interface AdminRouteDeps {
  admin: Admin;
  accounts: Accounts;
  access: Access;
  store: Store;
  importer: Importer;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const r = await readBody(req, 64 * 1024);
  const obj = r.ok ? decodeJsonObject(r.body) : null;
  if (!obj) throw new AdminError(400, 'expected a JSON object body');
  return obj;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new AdminError(400, `${field} must be a string`);
  return v;
}

/**
 * The admin API, served only on the Unix socket in the data directory (file permissions are its access
 * control). The CLI uses it while the server runs, since only one process may open the store.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, deps: AdminRouteDeps): Promise<void> {
  const { admin } = deps;
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // ['admin', ...]
  const route = `${req.method} /${parts.slice(1, 2).join('/')}`;
  const arg = parts[2];
  switch (route) {
    case 'GET /sites':
      return sendJson(res, 200, admin.listSites());
    case 'POST /sites': {
      const b = await jsonBody(req);
      const team = b.team === undefined ? undefined : Number(b.team);
      return sendJson(res, 201, await deps.access.addSite(OPERATOR, str(b.domain, 'domain'), b.timezone === undefined ? undefined : str(b.timezone, 'timezone'), team));
    }
    case 'DELETE /sites':
      return sendJson(res, 200, await admin.removeSite(arg ?? ''));
    case 'GET /keys':
      return sendJson(res, 200, admin.listKeys());
    case 'POST /keys': {
      const b = await jsonBody(req);
      // `user`: a key that acts for that user (reaches only their sites); without it an operator key
      const owner = b.user === undefined ? undefined : deps.accounts.findUser(str(b.user, 'user'));
      if (b.user !== undefined && !owner) throw new AdminError(404, `no user ${String(b.user)}`);
      return sendJson(res, 201, await admin.createKey(str(b.name, 'name'), owner?.id ?? 0));
    }
    case 'DELETE /keys':
      return sendJson(res, 200, await admin.revokeKey(Number(arg)));
    case 'PUT /umami-id': {
      const b = await jsonBody(req);
      return sendJson(res, 200, await admin.setUmamiId(arg ?? '', b.id === undefined ? '' : str(b.id, 'id')));
    }
    case 'PUT /rate-limit': {
      const b = await jsonBody(req);
      return sendJson(res, 200, await admin.setRateLimit(arg ?? '', Number(b.perMinute), Number(b.burst)));
    }
    case 'GET /shields':
      return sendJson(res, 200, admin.listShields(arg ?? ''));
    case 'POST /shields': {
      const b = await jsonBody(req);
      return sendJson(res, 201, await admin.addShield(arg ?? '', str(b.kind, 'kind'), str(b.value, 'value')));
    }
    case 'DELETE /shields': {
      const b = await jsonBody(req);
      return sendJson(res, 200, await admin.removeShield(arg ?? '', str(b.kind, 'kind'), str(b.value, 'value')));
    }
    case 'GET /goals':
      return sendJson(res, 200, admin.listGoals(arg ?? ''));
    case 'POST /goals': {
      const b = await jsonBody(req);
      return sendJson(res, 201, await admin.addGoal(arg ?? '', goalInputFromBody(b)));
    }
    case 'DELETE /goals': {
      const b = await jsonBody(req);
      return sendJson(res, 200, await admin.removeGoal(arg ?? '', str(b.goal, 'goal')));
    }
    case 'GET /users':
      return sendJson(res, 200, deps.accounts.listUsers());
    case 'POST /users': {
      const b = await jsonBody(req);
      return sendJson(res, 201, await deps.access.addUser(str(b.email, 'email'), b.password === undefined ? undefined : str(b.password, 'password')));
    }
    case 'DELETE /users':
      return sendJson(res, 200, await deps.access.removeUser(arg ?? ''));
    case 'POST /op': {
      const op = operatorOps(deps.access)[arg ?? ''];
      if (!op) throw new AdminError(404, `no operation ${arg ?? ''}`);
      return sendJson(res, 200, await op(await jsonBody(req)));
    }
    case 'POST /reset-password': {
      const b = await jsonBody(req);
      return sendJson(res, 200, await deps.accounts.resetPassword(arg ?? '', b.password === undefined ? undefined : str(b.password, 'password')));
    }
    case 'GET /export': {
      if (arg === 'plausible') {
        let started = false;
        await deps.importer.exportPlausible(url.searchParams.get('site') ?? '', async (chunk) => {
          if (!started) res.writeHead(200, { 'content-type': 'application/zip' });
          started = true;
          if (!res.write(chunk)) await new Promise<void>((r) => (res.once('drain', r), res.once('close', r)));
        });
        return void res.end();
      }
      if (arg !== 'events' && arg !== 'sessions') throw new AdminError(404, 'export events, sessions or plausible');
      await Promise.allSettled([deps.store.events.flush(), deps.store.sessions.flush()]);
      const rows = admin.exportRows(arg, url.searchParams.get('site') ?? '', url.searchParams.get('date_range') ?? undefined);
      return streamNdjson(res, rows);
    }
    case 'POST /import': {
      // raw events from a file on this machine, read by the server; progress and the result as JSON lines
      if (arg !== 'events' && arg !== 'plausible' && arg !== 'umami') throw new AdminError(404, 'import events, plausible or umami');
      const b = await jsonBody(req);
      const site = str(b.site, 'site');
      const lines: string[] = [];
      let wake: (() => void) | null = null;
      let finished = false;
      const push = (o: unknown) => {
        lines.push(JSON.stringify(o) + '\n');
        wake?.();
      };
      // refusals before the import starts (no such site, no such file) are an error status, not a stream
      const job: Promise<unknown> =
        arg === 'events'
          ? deps.importer.importEventsFile(site, str(b.file, 'file'), (p) => push({ progress: p }))
          : arg === 'umami'
            ? deps.importer.importUmami(site, { databaseUrl: b.databaseUrl === undefined ? undefined : str(b.databaseUrl, 'databaseUrl'), csvDir: b.csvDir === undefined ? undefined : str(b.csvDir, 'csvDir'), website: str(b.website, 'website') }, (p) => push({ progress: p }))
            : deps.importer.importPlausible(site, Array.isArray(b.files) ? b.files.map((f) => str(f, 'files')) : [], (p) => push({ progress: p }));
      job.then(
        (result) => push({ result }),
        (err: unknown) => push({ error: err instanceof Error ? err.message : String(err), status: err instanceof AdminError ? err.status : 500 }),
      ).finally(() => {
        finished = true;
        wake?.();
      });
      async function* stream(): AsyncGenerator<string> {
        for (;;) {
          while (lines.length) yield lines.shift()!;
          if (finished) return;
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      }
      return streamNdjson(res, stream());
    }
    case 'GET /imports':
      return sendJson(res, 200, await deps.importer.list(url.searchParams.get('site') ?? undefined));
    case 'DELETE /imports':
      return sendJson(res, 200, await deps.importer.remove(url.searchParams.get('site') ?? '', Number(arg)));
    default:
      return sendError(res, 404, `no admin route ${route}`);
  }
}
