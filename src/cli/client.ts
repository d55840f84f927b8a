import path from 'node:path';
import fs from 'node:fs';
import http from 'node:http';
import type { Config } from '../config.js';
import { Admin, AdminError, type GoalInput } from '../core/admin.js';
import { Accounts, type UserInfo } from '../core/accounts.js';
import { Access, OPERATOR } from '../core/access.js';
import { operatorOps, type OpArgs } from '../core/operations.js';
import { Teams } from '../core/teams.js';
import type { ExportTable } from '../store/export.js';
import { openStore } from '../store/open.js';
import { journalDir, openJournal } from '../store/intake.js';
import type { Goal, ApiKeyInfo, Site } from '../store/repo.js';
import type { ShieldRule } from '../ingest/shields.js';
import type { Store } from '../store/store.js';
import { createLogger } from '../util/log.js';
import { adminSocketPath } from '../app.js';
import { GeoIp } from '../ingest/geo.js';
import { Importer, type ImportInfo } from '../import/service.js';
import type { EventImportProgress, EventImportResult } from '../import/events.js';
import type { CsvImportResult } from '../import/plausible-csv.js';

/** What the CLI can do, whether through the running server or on the store directly. */
export interface AdminApi {
  listSites(): Promise<Site[]>;
  addSite(domain: string, timezone?: string, team?: number): Promise<Site>;
  removeSite(domain: string): Promise<Site>;
  listKeys(): Promise<ApiKeyInfo[]>;
  /** `user`: the email of the user the key acts for (else an operator key). */
  createKey(name: string, user?: string): Promise<{ key: string; info: ApiKeyInfo }>;
  revokeKey(id: number): Promise<ApiKeyInfo>;
  setRateLimit(domain: string, perMinute: number, burst: number): Promise<Site>;
  /** Sets (or with '' clears) the site's Umami website id. */
  setUmamiId(domain: string, id: string): Promise<Site>;
  listShields(domain: string): Promise<ShieldRule[]>;
  addShield(domain: string, kind: string, value: string): Promise<ShieldRule>;
  removeShield(domain: string, kind: string, value: string): Promise<ShieldRule>;
  listGoals(domain: string): Promise<GoalInfo[]>;
  addGoal(domain: string, def: GoalDef): Promise<GoalInfo>;
  removeGoal(domain: string, goal: string): Promise<GoalInfo>;
  listUsers(): Promise<UserInfo[]>;
  addUser(email: string, password?: string): Promise<NewUser>;
  removeUser(email: string): Promise<UserInfo>;
  resetPassword(email: string, password?: string): Promise<{ user: UserInfo; password?: string }>;
  /** One of the operator's team, member, invitation and account operations (core/operations.ts). */
  op(name: string, args: OpArgs): Promise<unknown>;
  /** Writes the export's JSON lines to `out`. */
  exportTo(table: ExportTable, domain: string, dateRange: string | undefined, out: NodeJS.WritableStream): Promise<void>;
  /** Loads raw events from an NDJSON file (read by the server when one runs: give an absolute path). */
  importEvents(domain: string, file: string, onProgress: (p: EventImportProgress) => void): Promise<EventImportResult>;
  /** Imports Plausible's CSV export (zip, folder or files; read by the server when one runs). */
  importPlausible(domain: string, paths: string[], onProgress: (p: { file: string; rows: number }) => void): Promise<CsvImportResult>;
  /** Imports an Umami website's history (its PostgreSQL, or its tables as CSV files). */
  importUmami(domain: string, from: { databaseUrl?: string; csvDir?: string; website: string }, onProgress: (p: EventImportProgress) => void): Promise<EventImportResult>;
  /** Writes the site's data as Plausible's CSV export (zip bytes) to `out`. */
  exportPlausible(domain: string, out: NodeJS.WritableStream): Promise<void>;
  listImports(domain?: string): Promise<ImportInfo[]>;
  removeImport(domain: string, id: number): Promise<ImportInfo>;
  close(): Promise<void>;
}

export type GoalInfo = Goal & { name: string };
export type NewUser = { user: UserInfo; password?: string; team?: { id: number; name: string; role: string } };
export type GoalDef = GoalInput;

/** Talks to the running server over its admin socket. */
class RemoteAdmin implements AdminApi {
  constructor(private readonly socketPath: string) {}

  private request(method: string, path: string, body?: unknown, out?: NodeJS.WritableStream): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { socketPath: this.socketPath, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
        (res) => {
          if (out && res.statusCode === 200) {
            res.pipe(out, { end: false });
            res.on('end', () => resolve(undefined));
            res.on('error', reject);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let data: unknown = text;
            try {
              data = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            if ((res.statusCode ?? 500) >= 400) {
              const msg = (data as { error?: string })?.error ?? text;
              reject(new AdminError(res.statusCode ?? 500, msg));
            } else resolve(data);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  listSites = () => this.request('GET', '/admin/sites') as Promise<Site[]>;
  addSite = (domain: string, timezone?: string, team?: number) => this.request('POST', '/admin/sites', { domain, timezone, team }) as Promise<Site>;
  removeSite = (domain: string) => this.request('DELETE', `/admin/sites/${encodeURIComponent(domain)}`) as Promise<Site>;
  listKeys = () => this.request('GET', '/admin/keys') as Promise<ApiKeyInfo[]>;
  createKey = (name: string, user?: string) => this.request('POST', '/admin/keys', { name, user }) as Promise<{ key: string; info: ApiKeyInfo }>;
  revokeKey = (id: number) => this.request('DELETE', `/admin/keys/${id}`) as Promise<ApiKeyInfo>;
  setRateLimit = (domain: string, perMinute: number, burst: number) =>
    this.request('PUT', `/admin/rate-limit/${encodeURIComponent(domain)}`, { perMinute, burst }) as Promise<Site>;
  setUmamiId = (domain: string, id: string) => this.request('PUT', `/admin/umami-id/${encodeURIComponent(domain)}`, { id }) as Promise<Site>;
  listShields = (domain: string) => this.request('GET', `/admin/shields/${encodeURIComponent(domain)}`) as Promise<ShieldRule[]>;
  addShield = (domain: string, kind: string, value: string) =>
    this.request('POST', `/admin/shields/${encodeURIComponent(domain)}`, { kind, value }) as Promise<ShieldRule>;
  removeShield = (domain: string, kind: string, value: string) =>
    this.request('DELETE', `/admin/shields/${encodeURIComponent(domain)}`, { kind, value }) as Promise<ShieldRule>;
  listGoals = (domain: string) => this.request('GET', `/admin/goals/${encodeURIComponent(domain)}`) as Promise<GoalInfo[]>;
  addGoal = (domain: string, d: GoalDef) =>
    this.request('POST', `/admin/goals/${encodeURIComponent(domain)}`, {
      event: d.eventName,
      page: d.pagePath,
      currency: d.currency,
      display_name: d.displayName,
      props: d.props ? Object.fromEntries(d.props) : undefined,
      scroll: d.scrollThreshold,
    }) as Promise<GoalInfo>;
  removeGoal = (domain: string, goal: string) => this.request('DELETE', `/admin/goals/${encodeURIComponent(domain)}`, { goal }) as Promise<GoalInfo>;
  listUsers = () => this.request('GET', '/admin/users') as Promise<UserInfo[]>;
  addUser = (email: string, password?: string) => this.request('POST', '/admin/users', { email, password }) as Promise<NewUser>;
  op = (name: string, args: OpArgs) => this.request('POST', `/admin/op/${encodeURIComponent(name)}`, args);
  removeUser = (email: string) => this.request('DELETE', `/admin/users/${encodeURIComponent(email)}`) as Promise<UserInfo>;
  resetPassword = (email: string, password?: string) =>
    this.request('POST', `/admin/reset-password/${encodeURIComponent(email)}`, { password }) as Promise<{ user: UserInfo; password?: string }>;
  async exportTo(table: ExportTable, domain: string, dateRange: string | undefined, out: NodeJS.WritableStream): Promise<void> {
    const q = new URLSearchParams({ site: domain });
    if (dateRange) q.set('date_range', dateRange);
    await this.request('GET', `/admin/export/${table}?${q}`, undefined, out);
  }
  importEvents(domain: string, file: string, onProgress: (p: EventImportProgress) => void): Promise<EventImportResult> {
    return this.streamed('events', { site: domain, file: path.resolve(file) }, onProgress);
  }
  importPlausible(domain: string, paths: string[], onProgress: (p: { file: string; rows: number }) => void): Promise<CsvImportResult> {
    return this.streamed('plausible', { site: domain, files: paths.map((p) => path.resolve(p)) }, onProgress);
  }
  importUmami(domain: string, from: { databaseUrl?: string; csvDir?: string; website: string }, onProgress: (p: EventImportProgress) => void): Promise<EventImportResult> {
    return this.streamed('umami', { site: domain, ...from, csvDir: from.csvDir === undefined ? undefined : path.resolve(from.csvDir) }, onProgress);
  }
  /** An import on the server: its progress and then its result (or error) as JSON lines. */
  private streamed<P, R>(kind: string, body: unknown, onProgress: (p: P) => void): Promise<R> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { socketPath: this.socketPath, method: 'POST', path: `/admin/import/${kind}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let text = '';
          let settled = false;
          const handle = (line: string) => {
            if (!line.trim()) return;
            let o: { progress?: P; result?: R; error?: string; status?: number };
            try {
              o = JSON.parse(line) as typeof o;
            } catch {
              o = { error: line };
            }
            if (o.progress) onProgress(o.progress);
            else if (o.result) {
              settled = true;
              resolve(o.result);
            } else {
              settled = true;
              reject(new AdminError(o.status ?? res.statusCode ?? 500, o.error ?? line));
            }
          };
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            let nl: number;
            while ((nl = text.indexOf('\n')) >= 0) {
              handle(text.slice(0, nl));
              text = text.slice(nl + 1);
            }
          });
          res.on('end', () => {
            handle(text);
            if (!settled) reject(new AdminError(500, 'the server ended the import without a result (see its log)'));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
  async exportPlausible(domain: string, out: NodeJS.WritableStream): Promise<void> {
    await this.request('GET', `/admin/export/plausible?site=${encodeURIComponent(domain)}`, undefined, out);
  }
  listImports = (domain?: string) => this.request('GET', `/admin/imports${domain ? `?site=${encodeURIComponent(domain)}` : ''}`) as Promise<ImportInfo[]>;
  removeImport = (domain: string, id: number) => this.request('DELETE', `/admin/imports/${id}?site=${encodeURIComponent(domain)}`) as Promise<ImportInfo>;
  async close(): Promise<void> {}
}

/** Opens the store itself (no server running). */
class LocalAdmin implements AdminApi {
  private readonly ops: ReturnType<typeof operatorOps>;
  private readonly importer: Importer;
  constructor(private readonly store: Store, private readonly admin: Admin, private readonly accounts: Accounts, private readonly access: Access, geoipDb: string | undefined) {
    this.ops = operatorOps(access);
    let geo: GeoIp | null = null;
    this.importer = new Importer(store, admin, () => (geo ??= GeoIp.open({ override: geoipDb }).load()));
  }

  static async open(config: Config): Promise<LocalAdmin> {
    const log = createLogger('warn');
    const store = await openStore(config, log);
    await store.migrate();
    // A server that died (kill -9, power loss) left events in its journal: store them first, so that an export
    // is complete. Only when a journal exists; the CLI never starts one.
    if (fs.existsSync(journalDir(config.dataDir))) {
      const { journal } = await openJournal(config, store, log);
      await journal?.close();
    }
    const admin = new Admin(store);
    await admin.load();
    // no key for two-factor secrets here: the CLI only turns two-factor off, which needs none
    const accounts = new Accounts(store.accounts, Date.now, store.secrets);
    await accounts.load();
    const teams = new Teams(store.teams);
    await teams.load();
    const access = new Access(admin, accounts, teams);
    await access.migrate();
    return new LocalAdmin(store, admin, accounts, access, config.geoipDb);
  }

  listSites = async () => this.admin.listSites();
  addSite = (d: string, tz?: string, team?: number) => this.access.addSite(OPERATOR, d, tz, team);
  removeSite = (d: string) => this.admin.removeSite(d);
  listKeys = async () => this.admin.listKeys();
  createKey = (name: string, user?: string) => {
    const owner = user === undefined ? undefined : this.accounts.findUser(user);
    if (user !== undefined && !owner) throw new AdminError(404, `no user ${user}`);
    return this.admin.createKey(name, owner?.id ?? 0);
  };
  revokeKey = (id: number) => this.admin.revokeKey(id);
  setRateLimit = (d: string, perMinute: number, burst: number) => this.admin.setRateLimit(d, perMinute, burst);
  setUmamiId = (d: string, id: string) => this.admin.setUmamiId(d, id);
  listShields = async (d: string) => this.admin.listShields(d);
  addShield = (d: string, kind: string, value: string) => this.admin.addShield(d, kind, value);
  removeShield = (d: string, kind: string, value: string) => this.admin.removeShield(d, kind, value);
  listGoals = async (d: string) => this.admin.listGoals(d);
  addGoal = (d: string, def: GoalDef) => this.admin.addGoal(d, def);
  removeGoal = (d: string, goal: string) => this.admin.removeGoal(d, goal);
  listUsers = async () => this.accounts.listUsers();
  addUser = (email: string, password?: string) => this.access.addUser(email, password);
  removeUser = (email: string) => this.access.removeUser(email);
  op = async (name: string, args: OpArgs) => {
    const fn = this.ops[name];
    if (!fn) throw new AdminError(404, `no operation ${name}`);
    return fn(args);
  };
  resetPassword = (email: string, password?: string) => this.accounts.resetPassword(email, password);
  async exportTo(table: ExportTable, domain: string, dateRange: string | undefined, out: NodeJS.WritableStream): Promise<void> {
    for await (const chunk of this.admin.exportRows(table, domain, dateRange)) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
  }
  importEvents = (domain: string, file: string, onProgress: (p: EventImportProgress) => void) => this.importer.importEventsFile(domain, file, onProgress);
  importPlausible = (domain: string, paths: string[], onProgress: (p: { file: string; rows: number }) => void) => this.importer.importPlausible(domain, paths, onProgress);
  importUmami = (domain: string, from: { databaseUrl?: string; csvDir?: string; website: string }, onProgress: (p: EventImportProgress) => void) => this.importer.importUmami(domain, from, onProgress);
  listImports = (domain?: string) => this.importer.list(domain);
  async exportPlausible(domain: string, out: NodeJS.WritableStream): Promise<void> {
    await this.importer.exportPlausible(domain, async (chunk) => {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    });
  }
  removeImport = (domain: string, id: number) => this.importer.remove(domain, id);
  close = () => this.store.close();
}

async function socketAnswers(sock: string): Promise<boolean> {
  if (!fs.existsSync(sock)) return false;
  return new Promise((resolve) => {
    const req = http.request({ socketPath: sock, method: 'GET', path: '/admin/sites', timeout: 5000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The running server's admin API when a server owns the data directory, else the store opened directly. */
export async function connectAdmin(config: Config): Promise<AdminApi> {
  const sock = adminSocketPath(config.dataDir);
  if (await socketAnswers(sock)) return new RemoteAdmin(sock);
  const dir = path.resolve(config.dataDir);
  // A shell without the server's FOOTFALL_DATA_DIR would otherwise open (and create) an empty ./data silently.
  if (!fs.existsSync(dir)) {
    throw new AdminError(1, `no data directory at ${dir} and no server running on it: set FOOTFALL_DATA_DIR to the server's data directory, or start the server first (npm start)`);
  }
  process.stderr.write(`footfall: no server is running on ${dir}; working on its store directly\n`);
  return LocalAdmin.open(config);
}
