import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { AdminError, type Admin } from '../core/admin.js';
import type { GeoLookup } from '../ingest/pipeline.js';
import { normalizeDomain } from '../ingest/request.js';
import { UUID, type Site } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { ImportRow } from '../store/imports-repo.js';
import { importEvents, removeImport, type EventImportProgress, type EventImportResult, type UaParser } from './events.js';
import { ImportUaParser } from './ua-cache.js';
import { CsvImportError, importPlausibleCsv, type CsvImportResult } from './plausible-csv.js';
import { exportPlausible, NoDataError } from './plausible-export.js';
import { fromCsv, fromPostgres, umamiFingerprint, umamiGeo, umamiLine, umamiUaParser, UmamiImportError } from './umami.js';

/** An import as the CLI and the API list it. */
export interface ImportInfo {
  id: number;
  site: string;
  source: string;
  label: string;
  startDate: string;
  endDate: string;
  status: string;
  rows: Record<string, number>;
  error: string;
  createdAt: string;
}

/** Lines of a buffer (an HTTP body), without copying it whole into one string. */
function* bufferLines(buf: Buffer): Generator<string> {
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    let stop = end;
    if (stop > start && buf[stop - 1] === 13) stop--;
    yield buf.toString('utf8', start, stop);
    start = end + 1;
  }
}

/**
 * A file's lines, read when first asked for: readline emits lines from the moment it exists, and lines emitted
 * before anything iterates are lost.
 */
async function* fileLines(file: string): AsyncGenerator<string> {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/** The SHA-256 of a file, read as a stream. */
export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Imports into sites, for the admin socket, the CLI on a stopped server and the HTTP API: one at a time (an import
 * is heavy; a second waits for the first), with the pipeline's site data (shields) from `admin`.
 */
export class Importer {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly admin: Admin,
    private readonly geo: () => GeoLookup,
    /** Called when a site's imports changed (the Stats API forgets what it read of them). */
    private readonly changed: (siteId: number) => void = () => undefined,
  ) {}

  private site(domain: string): Site {
    const d = normalizeDomain(domain);
    const site = this.admin.byDomain(d);
    if (!site) throw new AdminError(404, `no site ${d}`);
    return site;
  }

  private serial<T>(fn: () => Promise<T>, siteId?: number): Promise<T> {
    const done = (): void => {
      if (siteId !== undefined) this.changed(siteId);
    };
    const run = this.chain.then(fn, fn).finally(done);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs one import with a User-Agent parser of its own (its worker ends with the import). */
  private async withParser<T>(fn: (ua: UaParser) => Promise<T>): Promise<T> {
    const ua = new ImportUaParser();
    try {
      return await fn(ua);
    } finally {
      await ua.close();
    }
  }

  /** Raw events from an NDJSON file on this machine (`file` absolute, or relative to the working directory). */
  importEventsFile(domain: string, file: string, onProgress?: (p: EventImportProgress) => void): Promise<EventImportResult> {
    const site = this.site(domain);
    const abs = path.resolve(file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new AdminError(400, `cannot read ${abs}: no such file`);
    }
    if (!stat.isFile()) throw new AdminError(400, `${abs} is not a file`);
    try {
      fs.accessSync(abs, fs.constants.R_OK);
    } catch {
      throw new AdminError(400, `cannot read ${abs}: permission denied (the server reads the file as its own user)`);
    }
    return this.serial(async () => {
      const fingerprint = await fileSha256(abs);
      return this.withParser((ua) => importEvents(fileLines(abs), site, { label: path.basename(abs), fingerprint }, { store: this.store, shields: this.admin, geo: this.geo(), ua, onProgress }));
    });
  }

  /** Plausible's CSV export: zip archives, folders or CSV files on this machine. */
  importPlausible(domain: string, paths: string[], onProgress?: (p: { file: string; rows: number }) => void): Promise<CsvImportResult> {
    const site = this.site(domain);
    if (paths.length === 0) throw new AdminError(400, 'give the export: a zip archive, a folder or its CSV files');
    const abs = paths.map((p) => path.resolve(p));
    for (const p of abs) if (!fs.existsSync(p)) throw new AdminError(400, `cannot read ${p}: no such file or folder`);
    return this.serial(async () => {
      try {
        return await importPlausibleCsv(abs, site, abs.map((p) => path.basename(p)).join(', ').slice(0, 500), { store: this.store, onProgress });
      } catch (err) {
        if (err instanceof CsvImportError) throw new AdminError(400, err.message);
        throw err;
      }
    }, site.id);
  }

  /**
   * Umami's history of one website: from its PostgreSQL (`databaseUrl`) or its tables as CSV files (`csvDir`), as
   * raw events. The site takes the website id for Umami's tracker when it has none.
   */
  importUmami(domain: string, from: { databaseUrl?: string; csvDir?: string; website: string }, onProgress?: (p: EventImportProgress) => void): Promise<EventImportResult> {
    const site = this.site(domain);
    const website = from.website.trim().toLowerCase();
    if (!UUID.test(website)) throw new AdminError(400, `--website must be the Umami website id (a UUID), got ${JSON.stringify(from.website.slice(0, 60))}`);
    if (!from.databaseUrl === !from.csvDir) throw new AdminError(400, 'give either --database-url postgres://… or --from-csv <dir>');
    if (from.csvDir && !fs.existsSync(from.csvDir)) throw new AdminError(400, `cannot read ${path.resolve(from.csvDir)}: no such folder`);
    return this.serial(async () => {
      const rows = from.databaseUrl ? fromPostgres(from.databaseUrl, website) : fromCsv(path.resolve(from.csvDir!), website);
      async function* lines(): AsyncGenerator<Record<string, unknown>> {
        for await (const r of rows) {
          const l = umamiLine(r, site.domain);
          if (l) yield l;
        }
      }
      const label = from.databaseUrl ? `umami ${website} (${from.databaseUrl.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '')})` : `umami ${website} (${path.basename(path.resolve(from.csvDir!))}/)`;
      let result: EventImportResult;
      try {
        result = await importEvents(lines(), site, { label, fingerprint: umamiFingerprint(website), source: 'umami' }, { store: this.store, shields: this.admin, geo: umamiGeo, ua: umamiUaParser, onProgress });
      } catch (err) {
        if (err instanceof UmamiImportError) throw new AdminError(400, err.message);
        throw err;
      }
      if (!site.umamiId) await this.admin.setUmamiId(site.domain, website).catch(() => undefined);
      return result;
    });
  }

  /** Raw events from an NDJSON body (the HTTP API). */
  importEventsBuffer(site: Site, body: Buffer, label: string): Promise<EventImportResult> {
    return this.serial(() => {
      const fingerprint = createHash('sha256').update(body).digest('hex');
      return this.withParser((ua) => importEvents(bufferLines(body), site, { label, fingerprint }, { store: this.store, shields: this.admin, geo: this.geo(), ua }));
    });
  }

  /** The site's native data as Plausible's CSV export (zip bytes to `write`). */
  async exportPlausible(domain: string, write: (chunk: Uint8Array) => Promise<void>): Promise<{ files: Record<string, number> }> {
    const site = this.site(domain);
    try {
      return await exportPlausible(this.store, site, write);
    } catch (err) {
      if (err instanceof NoDataError) throw new AdminError(404, err.message);
      throw err;
    }
  }

  private info(i: ImportRow): ImportInfo {
    const site = this.admin.listSites().find((s) => s.id === i.siteId);
    return { id: i.id, site: site?.domain ?? String(i.siteId), source: i.source, label: i.label, startDate: i.startDate, endDate: i.endDate, status: i.status, rows: i.rows, error: i.error, createdAt: i.createdAt };
  }

  async list(domain?: string): Promise<ImportInfo[]> {
    const siteId = domain === undefined || domain === '' ? undefined : this.site(domain).id;
    return (await this.store.imports.list(siteId)).map((i) => this.info(i));
  }

  /** Removes an import of the site: its rows, then its entry. */
  remove(domain: string, id: number): Promise<ImportInfo> {
    const site = this.site(domain);
    return this.serial(async () => {
      const imp = (await this.store.imports.list(site.id)).find((i) => i.id === id);
      if (!imp) throw new AdminError(404, `no import ${id} in ${site.domain} (see footfall imports list --site ${site.domain})`);
      await removeImport(this.store, imp);
      return this.info(imp);
    }, site.id);
  }
}
