import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The script variants of Plausible's legacy snippet; any dotted combination is served (the script reads its name). */
export const TRACKER_VARIANTS = new Set(['hash', 'outbound-links', 'file-downloads', 'tagged-events', 'revenue', 'pageview-props', 'manual', 'exclusions', 'local', 'compat', 'form-submissions']);

/**
 * `GET /js/script.js`, `/js/plausible.js`, the renamed name, and their variants (`script.hash.outbound-links.js`):
 * one bundle built at install time from the official tracker library (web/tracker), with this server's event path
 * put in, compressed once. Cached for a day by browsers and CDNs (the URL stays the same across upgrades).
 */
export class TrackerScript {
  private readonly names: Set<string>;
  /** Umami's script-tag tracker (web/tracker/umami.ts), served at /script.js: raw, gzip, brotli. */
  private umami: [Buffer, Buffer, Buffer] | null = null;
  private constructor(private readonly raw: Buffer, private readonly gzip: Buffer, private readonly br: Buffer, extraName: string | undefined) {
    this.names = new Set(['script', 'plausible', ...(extraName ? [extraName] : [])]);
  }

  /** The built tracker (dist/web/tracker.js) with `eventPath` as its default endpoint; null when not built. */
  static load(file: string, eventPath: string, extraName?: string): TrackerScript | null {
    if (!fs.existsSync(file)) return null;
    const raw = Buffer.from(fs.readFileSync(file, 'utf8').replace('__FOOTFALL_EVENT_PATH__', eventPath));
    return new TrackerScript(raw, zlib.gzipSync(raw, { level: 9 }), zlib.brotliCompressSync(raw), extraName);
  }

  static builtIn(eventPath: string, extraName?: string): TrackerScript | null {
    const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web');
    const t = TrackerScript.load(path.join(dir, 'tracker.js'), eventPath, extraName);
    const umami = path.join(dir, 'umami.js');
    if (t && fs.existsSync(umami)) {
      const raw = fs.readFileSync(umami);
      t.umami = [raw, zlib.gzipSync(raw, { level: 9 }), zlib.brotliCompressSync(raw)];
    }
    return t;
  }

  /** True when the path names a tracker script (the answer was sent). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let files: [Buffer, Buffer, Buffer] = [this.raw, this.gzip, this.br];
    if (pathname === '/script.js' && this.umami) files = this.umami;
    else {
      const m = /^\/js\/([A-Za-z0-9_-]+)((?:\.[a-z-]+)*)\.js$/.exec(pathname);
      if (!m || !this.names.has(m[1]!)) return false;
      const variants = m[2] ? m[2].slice(1).split('.') : [];
      if (!variants.every((v) => TRACKER_VARIANTS.has(v))) return false;
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = files[0];
    const headers: Record<string, string> = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (/\bbr\b/.test(accept)) {
      body = files[2];
      headers['content-encoding'] = 'br';
    } else if (/\bgzip\b/.test(accept)) {
      body = files[1];
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
