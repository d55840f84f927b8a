import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admin } from '../core/admin.js';
import type { Access } from '../core/access.js';
import { normalizeDomain } from '../ingest/request.js';
import type { ExportTable } from '../store/export.js';
import type { Store } from '../store/store.js';
import { sendError } from './respond.js';
import { streamNdjson } from './stream.js';

export interface ExportRouteDeps {
  admin: Admin;
  access: Access;
  store: Store;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : '';
}

/** `GET /api/v1/export/{events,sessions}?site_id=<domain>[&date_range=from,to]` with a Bearer API key. */
export async function handleExport(req: IncomingMessage, res: ServerResponse, url: URL, table: ExportTable, deps: ExportRouteDeps): Promise<void> {
  if (req.method !== 'GET') return sendError(res, 405, 'Only GET is allowed', { allow: 'GET' });
  const key = bearer(req);
  if (key === null) return sendError(res, 401, 'Missing API key. Send a valid API key as a Bearer token in the Authorization header.');
  const INVALID = 'Invalid API key or site ID. Please make sure you are using a valid API key with access to the site you are requesting.';
  const info = key ? deps.admin.authenticate(key) : undefined;
  if (!info) return sendError(res, 401, INVALID);
  const site = url.searchParams.get('site_id');
  if (!site) return sendError(res, 400, 'Missing site_id');
  const known = deps.admin.byDomain(normalizeDomain(site));
  // a site the key's user cannot see answers as one that does not exist
  if (known ? !deps.access.keyReaches(info, known) : info.userId !== 0) return sendError(res, 401, INVALID);
  // Rows still in the write buffer belong in the export: write them out first (best effort).
  await Promise.allSettled([deps.store.events.flush(), deps.store.sessions.flush()]);
  const rows = deps.admin.exportRows(table, site, url.searchParams.get('date_range') ?? undefined);
  await streamNdjson(res, rows);
}
