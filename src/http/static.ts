import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './respond.js';

interface Asset {
  type: string;
  raw: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/** The page's security headers: only our own scripts, styles, images and requests; never framed. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/**
 * The dashboard's built files (`dist/web`, made by `npm run build`), read once into memory with their
 * precompressed gzip and brotli forms. Hashed assets are cached for a year; the page itself is revalidated.
 */
export class WebAssets {
  private constructor(private readonly assets: Map<string, Asset>, private readonly page: Asset | null) {}

  static load(dir: string): WebAssets {
    const assets = new Map<string, Asset>();
    let page: Asset | null = null;
    const read = (file: string): Asset => {
      const a: Asset = { type: TYPES[path.extname(file)] ?? 'application/octet-stream', raw: fs.readFileSync(file) };
      if (fs.existsSync(file + '.gz')) a.gzip = fs.readFileSync(file + '.gz');
      if (fs.existsSync(file + '.br')) a.br = fs.readFileSync(file + '.br');
      return a;
    };
    const assetDir = path.join(dir, 'assets');
    if (fs.existsSync(assetDir)) {
      for (const name of fs.readdirSync(assetDir)) if (!name.endsWith('.gz') && !name.endsWith('.br')) assets.set(name, read(path.join(assetDir, name)));
    }
    if (fs.existsSync(path.join(dir, 'index.html'))) page = read(path.join(dir, 'index.html'));
    return new WebAssets(assets, page);
  }

  /** The built files next to this module: dist/web. */
  static builtIn(): WebAssets {
    return WebAssets.load(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../web'));
  }

  /**
   * True when this request was for the dashboard's page or files (an answer was sent). `boot` is what the page
   * may know at once (see pageBootstrap), put in as a JSON data block (not a script: the CSP allows none inline).
   */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string, boot?: () => Record<string, unknown> | null): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (pathname.startsWith('/assets/')) {
      const a = this.assets.get(pathname.slice('/assets/'.length));
      if (!a) return false;
      send(req, res, a, { 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' });
      return true;
    }
    if (pathname === '/robots.txt') {
      res.writeHead(200, { 'content-type': TYPES['.txt']!, 'cache-control': 'public, max-age=86400' });
      res.end('User-agent: *\nDisallow: /\n');
      return true;
    }
    if (!isPageRoute(pathname)) return false;
    if (!this.page) {
      sendError(res, 503, 'The dashboard is not built: run npm run build');
      return true;
    }
    const data = boot?.();
    if (!data) {
      send(req, res, this.page, { 'cache-control': 'no-cache', ...PAGE_HEADERS });
      return true;
    }
    const json = JSON.stringify(data).replace(/</g, '\\u003c');
    const html = Buffer.from(this.page.raw.toString('utf8').replace('</head>', `<script type="application/json" id="footfall-boot">${json}</script>\n</head>`));
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? zlib.gzipSync(html, { level: 6 }) : html;
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'cache-control': 'no-store', // personal: who is logged in
      'content-type': TYPES['.html']!,
      vary: 'accept-encoding, cookie',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** The single page's routes: `/`, `/login`, `/invite/<token>`, `/reset/<token>`, `/share/<domain>`, `/<domain>`, `/<domain>/settings`. */
function isPageRoute(p: string): boolean {
  if (p === '/' || p === '/login') return true;
  if (/^\/(invite|reset)\/[A-Za-z0-9_-]{1,200}$/.test(p)) return true;
  const m = /^\/(?:share\/)?([^/]+)(\/settings)?\/?$/.exec(p);
  if (!m) return false;
  const seg = decodeURIComponentSafe(m[1]!);
  return seg !== null && /^[\p{L}\p{N}.-]+$/u.test(seg) && seg.includes('.') && !/\.(ico|png|txt|xml|php|js|css|map|json)$/i.test(seg);
}

function decodeURIComponentSafe(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function send(req: IncomingMessage, res: ServerResponse, a: Asset, headers: Record<string, string>): void {
  const accept = String(req.headers['accept-encoding'] ?? '');
  let body = a.raw;
  const h: Record<string, string> = { ...headers, 'content-type': a.type, vary: 'accept-encoding' };
  if (a.br && /\bbr\b/.test(accept)) {
    body = a.br;
    h['content-encoding'] = 'br';
  } else if (a.gzip && /\bgzip\b/.test(accept)) {
    body = a.gzip;
    h['content-encoding'] = 'gzip';
  }
  h['content-length'] = String(body.length);
  res.writeHead(200, h);
  res.end(req.method === 'HEAD' ? undefined : body);
}
