import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admin } from '../core/admin.js';
import type { Access } from '../core/access.js';
import { can } from '../core/roles.js';
import type { Importer } from '../import/service.js';
import { normalizeDomain } from '../ingest/request.js';
import { readBody } from './body.js';
import { sendError, sendJson } from './respond.js';

export interface ImportRouteDeps {
  admin: Admin;
  access: Access;
  importer: Importer;
}

/** The largest NDJSON body one request may carry (larger histories: several requests, or the CLI with a file). */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;

const INVALID = 'Invalid API key or site ID. Please make sure you are using a valid API key with access to the site you are requesting.';

/**
 * `POST /api/v1/import/events?site_id=<domain>` with a Bearer API key whose user may change the site's settings
 * (an editor or above; an operator key reaches every site). The body: NDJSON, one Plausible event body per line
 * plus `timestamp`, `ip` and `user_agent`. The answer: what was loaded, and the lines refused with their numbers.
 */
export async function handleImportEvents(req: IncomingMessage, res: ServerResponse, url: URL, deps: ImportRouteDeps): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    return sendError(res, 405, 'Only POST is allowed', { allow: 'POST' });
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) {
    req.resume();
    return sendError(res, 401, 'Missing API key. Send a valid API key as a Bearer token in the Authorization header.');
  }
  const key = deps.admin.authenticate(m[1]!);
  if (!key) {
    req.resume();
    return sendError(res, 401, INVALID);
  }
  const siteId = url.searchParams.get('site_id');
  if (!siteId) {
    req.resume();
    return sendError(res, 400, 'Missing site_id: POST /api/v1/import/events?site_id=<domain>');
  }
  const site = deps.admin.byDomain(normalizeDomain(siteId));
  if (!site || !deps.access.keyReaches(key, site)) {
    req.resume();
    return sendError(res, 401, INVALID);
  }
  if (key.userId !== 0 && !can(deps.access.roleOn(key.userId, site), 'settings')) {
    req.resume();
    return sendError(res, 403, "This API key's user cannot import into the site: importing needs the editor role or above");
  }
  const body = await readBody(req, MAX_IMPORT_BODY_BYTES);
  if (!body.ok) {
    if (body.reason === 'too_large') {
      res.setHeader('connection', 'close');
      return sendError(res, 413, `The body is larger than ${MAX_IMPORT_BODY_BYTES / 1024 / 1024} MiB: send the history in several requests, or import a file with \`footfall import events\``);
    }
    return;
  }
  if (body.body.length === 0) return sendError(res, 400, 'The body is empty: send NDJSON, one event per line');
  const result = await deps.importer.importEventsBuffer(site, body.body, `api:${url.searchParams.get('label') ?? 'events'}`.slice(0, 200));
  sendJson(res, 200, result);
}
