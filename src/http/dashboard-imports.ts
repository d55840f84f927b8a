import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError } from '../core/admin.js';
import { can } from '../core/roles.js';
import { exportFileName } from '../import/plausible-export.js';
import { UNAUTHORIZED, jsonBody, user, type DashboardRouteDeps } from './dashboard-common.js';
import { sendError, sendJson } from './respond.js';

/** The largest export a browser may upload (larger: `footfall import plausible` on the server). */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export type ImportsRouteDeps = DashboardRouteDeps;

/** The site, for a user who may change its settings (editors and above): imports and exports are settings. */
function editorSite(req: IncomingMessage, res: ServerResponse, raw: unknown, deps: ImportsRouteDeps) {
  const u = user(req, deps);
  if (!u) {
    req.resume();
    sendError(res, 401, UNAUTHORIZED);
    return null;
  }
  const { site, role } = deps.access.require({ kind: 'user', userId: u.user.id }, typeof raw === 'string' ? raw.slice(0, 300) : '', 'view');
  if (!can(role, 'settings')) {
    req.resume();
    sendError(res, 403, `Your role (${role}) cannot import or export data of ${site.domain}`);
    return null;
  }
  return site;
}

/** `GET imports?site=`: the site's imports. */
export async function listImports(req: IncomingMessage, res: ServerResponse, url: URL, deps: ImportsRouteDeps): Promise<void> {
  const site = editorSite(req, res, url.searchParams.get('site'), deps);
  if (site) sendJson(res, 200, { imports: await deps.importer.list(site.domain) });
}

/** `POST imports` `{site, action: "remove", id}`. */
export async function changeImports(req: IncomingMessage, res: ServerResponse, deps: ImportsRouteDeps): Promise<void> {
  const b = await jsonBody(req, 16 * 1024);
  const site = editorSite(req, res, b.site, deps);
  if (!site) return;
  if (b.action !== 'remove') throw new AdminError(400, 'action must be remove');
  const removed = await deps.importer.remove(site.domain, Number(b.id));
  sendJson(res, 200, { removed, imports: await deps.importer.list(site.domain) });
}

/** `POST imports/upload?site=&name=`: the body is Plausible's export (the zip, or one CSV file), as it is. */
export async function uploadImport(req: IncomingMessage, res: ServerResponse, url: URL, deps: ImportsRouteDeps): Promise<void> {
  const site = editorSite(req, res, url.searchParams.get('site'), deps);
  if (!site) return;
  const name = path.basename(url.searchParams.get('name') ?? 'export.zip').replace(/[^A-Za-z0-9._-]/g, '_') || 'export.zip';
  if (!/\.(zip|csv)$/i.test(name)) {
    req.resume();
    return sendError(res, 400, "Upload Plausible's export: the .zip file, or its .csv files");
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    req.resume();
    res.setHeader('connection', 'close');
    return sendError(res, 413, `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB: import it on the server with footfall import plausible`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-upload-'));
  const file = path.join(dir, name);
  try {
    // to a file as it arrives (an export can be hundreds of MB): never whole in memory
    const ok = await new Promise<boolean>((resolve, reject) => {
      const out = fs.createWriteStream(file);
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_UPLOAD_BYTES) {
          req.unpipe(out);
          out.destroy();
          resolve(false);
        }
      });
      req.pipe(out);
      out.on('finish', () => resolve(true));
      out.on('error', reject);
      req.on('aborted', () => resolve(false));
    });
    if (!ok) {
      res.setHeader('connection', 'close');
      return sendError(res, 413, `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB: import it on the server with footfall import plausible`);
    }
    const result = await deps.importer.importPlausible(site.domain, [file]);
    sendJson(res, 200, { result, imports: await deps.importer.list(site.domain) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `GET export-plausible?site=`: the site's data as Plausible's CSV export (a zip download). */
export async function downloadExport(req: IncomingMessage, res: ServerResponse, url: URL, deps: ImportsRouteDeps): Promise<void> {
  const site = editorSite(req, res, url.searchParams.get('site'), deps);
  if (!site) return;
  let started = false;
  try {
    await deps.importer.exportPlausible(site.domain, async (chunk) => {
      if (!started) {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${exportFileName(site)}"` });
        started = true;
      }
      if (!res.write(chunk)) await new Promise<void>((r) => (res.once('drain', r), res.once('close', r)));
    });
  } catch (err) {
    if (started) return void res.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  res.end();
}
