import { hashApiKey, type ApiKeyInfo, type Site } from '../store/repo.js';
import type { Store } from '../store/store.js';
import { parseDateRange, type ExportTable } from '../store/export.js';
import { normalizeDomain } from '../ingest/request.js';

/** A refused admin action, with the HTTP status it maps to. */
export class AdminError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Lower-case host name (IDN as punycode), optional `www.` removed; throws AdminError when it is not one. */
export function validateSiteDomain(raw: string): string {
  const d = normalizeDomain(raw);
  let host: string;
  try {
    host = new URL(`http://${d}/`).hostname;
  } catch {
    throw new AdminError(400, `not a valid domain: ${JSON.stringify(raw)}`);
  }
  if (!d || host !== new URL(`http://${host}/`).hostname || !/^[a-z0-9.-]+$/.test(host) || host.length > 253 || host.includes('..') || host.startsWith('.') || host.endsWith('.')) {
    throw new AdminError(400, `not a valid domain: ${JSON.stringify(raw)}`);
  }
  return host;
}

export function validateTimezone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    if (!/^[A-Za-z0-9_+\-/]+$/.test(tz)) throw new RangeError(tz);
    return tz;
  } catch {
    throw new AdminError(400, `unknown time zone: ${JSON.stringify(tz)} (use an IANA name such as Europe/Berlin)`);
  }
}

/**
 * Sites and API keys, as the server (or the CLI with no server) sees them: cached in memory for the
 * hot path, changed through the store. Changes are serialized so ids stay unique.
 */
export class Admin {
  private sites = new Map<string, Site>();
  private keys = new Map<string, ApiKeyInfo & { hash: string }>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    const [sites, keys] = await Promise.all([this.store.repo.listSites(), this.store.repo.listKeyHashes()]);
    this.sites = new Map(sites.map((s) => [s.domain, s]));
    this.keys = new Map(keys.map((k) => [k.hash, k]));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  byDomain(domain: string): Site | undefined {
    return this.sites.get(domain);
  }

  listSites(): Site[] {
    return [...this.sites.values()].sort((a, b) => a.id - b.id);
  }

  addSite(rawDomain: string, timezone = 'Etc/UTC'): Promise<Site> {
    return this.serial(async () => {
      const domain = validateSiteDomain(rawDomain);
      validateTimezone(timezone);
      if (this.sites.has(domain)) throw new AdminError(409, `site ${domain} already exists`);
      const site = await this.store.repo.insertSite(domain, timezone);
      this.sites.set(domain, site);
      return site;
    });
  }

  removeSite(rawDomain: string): Promise<Site> {
    return this.serial(async () => {
      const domain = normalizeDomain(rawDomain);
      const site = this.sites.get(domain);
      if (!site) throw new AdminError(404, `no site ${domain}`);
      await this.store.repo.deleteSite(site);
      this.sites.delete(domain);
      return site;
    });
  }

  listKeys(): ApiKeyInfo[] {
    return [...this.keys.values()].sort((a, b) => a.id - b.id).map(({ id, name, prefix, createdAt }) => ({ id, name, prefix, createdAt }));
  }

  createKey(name: string): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.serial(async () => {
      const label = name.trim();
      if (!label || label.length > 200) throw new AdminError(400, 'a key needs a name of 1 to 200 characters');
      const { key, info } = await this.store.repo.insertKey(label);
      this.keys.set(info.hash, info);
      const { hash: _hash, ...pub } = info;
      return { key, info: pub };
    });
  }

  revokeKey(id: number): Promise<ApiKeyInfo> {
    return this.serial(async () => {
      const k = [...this.keys.values()].find((x) => x.id === id);
      if (!k) throw new AdminError(404, `no API key with id ${id}`);
      await this.store.repo.deleteKey(k);
      this.keys.delete(k.hash);
      const { hash: _hash, ...pub } = k;
      return pub;
    });
  }

  /** The key's record when `key` is a valid, unrevoked API key. */
  authenticate(key: string): ApiKeyInfo | undefined {
    return this.keys.get(hashApiKey(key));
  }

  /** Export of one site's stored rows as JSON lines; validates the site and the range first. */
  exportRows(table: ExportTable, rawDomain: string, dateRange?: string): AsyncGenerator<string> {
    const site = this.sites.get(normalizeDomain(rawDomain));
    if (!site) throw new AdminError(404, `no site ${normalizeDomain(rawDomain)}`);
    let range;
    if (dateRange !== undefined && dateRange !== '') {
      const r = parseDateRange(dateRange);
      if (typeof r === 'string') throw new AdminError(400, r);
      range = r;
    }
    return this.store.exportRows(table, site.id, site.timezone, range);
  }
}
