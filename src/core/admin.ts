import { hashApiKey, UUID, type ApiKeyInfo, type Goal, type Site } from '../store/repo.js';
import { GOALS_SQL_MAX_BYTES, goalDisplayName, goalError, goalsSqlBytes } from '../stats/goals.js';
import { normalizeShield, SHIELD_LIMITS, SiteShields, type ShieldKind, type ShieldRule } from '../ingest/shields.js';
import { DEFAULT_RATE_LIMIT, type RateLimit } from '../ingest/ratelimit.js';
import type { Store } from '../store/store.js';
import { parseDateRange, type ExportTable } from '../store/export.js';
import { normalizeDomain } from '../ingest/request.js';
import type { SitesSnapshot } from '../ingest/sites.js';

/**
 * A goal from a JSON body (the admin socket, the dashboard): `event` or `page`, and optionally `currency`,
 * `display_name`, `props` (an object of property → value) and `scroll` (a percentage, page goals).
 */
export function goalInputFromBody(b: Record<string, unknown>): GoalInput {
  const text = (v: unknown, f: string, max = 2000): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || v.length > max) throw new AdminError(400, `${f} must be a string of at most ${max} characters`);
    return v;
  };
  let props: Array<[string, string]> | undefined;
  if (b.props !== undefined && b.props !== null && b.props !== '') {
    if (typeof b.props !== 'object' || Array.isArray(b.props)) throw new AdminError(400, 'props must be an object of property names to values');
    props = Object.entries(b.props as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)] as [string, string]);
  }
  let scrollThreshold: number | undefined;
  if (b.scroll !== undefined && b.scroll !== null && b.scroll !== '') {
    scrollThreshold = Number(b.scroll);
    if (!Number.isInteger(scrollThreshold)) throw new AdminError(400, 'scroll must be a whole percentage from 1 to 100');
  }
  return { eventName: text(b.event, 'event'), pagePath: text(b.page, 'page'), currency: text(b.currency, 'currency', 10), displayName: text(b.display_name, 'display_name', 500), props, scrollThreshold };
}

/** A goal as its creator gives it: an event or a page pattern, with the optional parts Plausible CE has. */
export interface GoalInput {
  eventName?: string;
  pagePath?: string;
  currency?: string;
  displayName?: string;
  props?: Array<[string, string]>;
  scrollThreshold?: number;
}

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
  private shieldRules = new Map<number, ShieldRule[]>();
  private shields = new Map<number, SiteShields>();
  private goals = new Map<number, Goal[]>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Called after sites or shield rules changed (the ingest worker keeps a copy of both). */
  onChange: ((snapshot: SitesSnapshot) => void) | null = null;

  /**
   * `defaultRateLimit`: what a site without its own setting gets (`FOOTFALL_RATE_LIMIT_PER_MINUTE` and
   * `FOOTFALL_RATE_LIMIT_BURST`; a per-minute of 0 means unlimited).
   */
  constructor(
    private readonly store: Store,
    private readonly defaultRateLimit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {}

  async load(): Promise<void> {
    const [sites, keys, shields, goals] = await Promise.all([
      this.store.repo.listSites(),
      this.store.repo.listKeyHashes(),
      this.store.repo.listShields(),
      this.store.repo.listGoals(),
    ]);
    this.goals = new Map();
    for (const g of goals) this.goals.set(g.siteId, [...(this.goals.get(g.siteId) ?? []), g]);
    this.sites = new Map(sites.map((s) => [s.domain, s]));
    this.keys = new Map(keys.map((k) => [k.hash, k]));
    this.shieldRules = new Map();
    for (const r of shields) {
      const list = this.shieldRules.get(r.siteId) ?? [];
      list.push({ kind: r.kind as ShieldKind, value: r.value });
      this.shieldRules.set(r.siteId, list);
    }
    this.shields = new Map([...this.shieldRules].map(([id, rules]) => [id, new SiteShields(rules)]));
    this.changed();
  }

  /** The sites and their shield rules, as plain data (what the ingestion pipeline needs of them). */
  snapshot(): SitesSnapshot {
    return { sites: [...this.sites.values()], shields: [...this.shieldRules] };
  }

  private changed(): void {
    this.umami = null;
    this.onChange?.(this.snapshot());
  }

  /** The site's compiled shields (undefined when it has none). */
  shieldsOf(siteId: number): SiteShields | undefined {
    return this.shields.get(siteId);
  }

  rateLimitOf(site: Site): RateLimit {
    return site.rateLimitPerMinute > 0 && site.rateLimitBurst > 0
      ? { perMinute: site.rateLimitPerMinute, burst: site.rateLimitBurst }
      : this.defaultRateLimit;
  }

  private site(rawDomain: string): Site {
    const domain = normalizeDomain(rawDomain);
    const site = this.sites.get(domain);
    if (!site) throw new AdminError(404, `no site ${domain}`);
    return site;
  }

  /** Sets a site's rate limit; 0 and 0 restore the default (600 a minute, burst 120, unless configured otherwise). */
  setRateLimit(rawDomain: string, perMinute: number, burst: number): Promise<Site> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      for (const [name, v] of [['per-minute', perMinute], ['burst', burst]] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 10_000_000) throw new AdminError(400, `${name} must be an integer from 0 to 10000000`);
      }
      if ((perMinute === 0) !== (burst === 0)) throw new AdminError(400, 'set both per-minute and burst, or both to 0 for the default');
      return this.saveSite({ ...site, rateLimitPerMinute: perMinute, rateLimitBurst: burst });
    });
  }

  /** Sets the time zone the site's dashboard and Stats API use for days. */
  setTimezone(rawDomain: string, timezone: string): Promise<Site> {
    return this.serial(async () => this.saveSite({ ...this.site(rawDomain), timezone: validateTimezone(timezone) }));
  }

  /** Makes the site's dashboard readable by anyone (true) or only by users and shared links (false). */
  setPublic(rawDomain: string, value: boolean): Promise<Site> {
    return this.serial(async () => this.saveSite({ ...this.site(rawDomain), public: value }));
  }

  /** Sets (or with '' clears) the Umami website id that Umami's tracker sends for the site. */
  setUmamiId(rawDomain: string, raw: string): Promise<Site> {
    return this.serial(async () => {
      const id = raw.trim().toLowerCase();
      if (id !== '' && !UUID.test(id)) throw new AdminError(400, `an Umami website id is a UUID (e.g. 4f1a3c2e-…), got ${JSON.stringify(raw.slice(0, 60))}`);
      const site = this.site(rawDomain);
      const other = id ? [...this.sites.values()].find((s) => s.umamiId === id && s.id !== site.id) : undefined;
      if (other) throw new AdminError(409, `the Umami website id ${id} belongs to ${other.domain} already`);
      return this.saveSite({ ...site, umamiId: id });
    });
  }

  /** The site whose Umami website id this is (one Umami event each: a map, rebuilt when sites change). */
  byUmamiId(id: string): Site | undefined {
    if (!this.umami) {
      this.umami = new Map();
      for (const s of this.sites.values()) if (s.umamiId) this.umami.set(s.umamiId, s);
    }
    return this.umami.get(id.toLowerCase());
  }
  private umami: Map<string, Site> | null = null;

  /** Writes a changed site and caches it (inside `serial`). */
  private async saveSite(updated: Site): Promise<Site> {
    await this.store.repo.updateSite(updated);
    this.sites.set(updated.domain, updated);
    this.changed();
    return updated;
  }

  siteById(id: number): Site | undefined {
    for (const s of this.sites.values()) if (s.id === id) return s;
    return undefined;
  }

  /** What a site without its own rate limit gets. */
  get defaultLimit(): RateLimit {
    return this.defaultRateLimit;
  }

  listShields(rawDomain: string): ShieldRule[] {
    return [...(this.shieldRules.get(this.site(rawDomain).id) ?? [])];
  }

  private setRules(siteId: number, rules: ShieldRule[]): void {
    if (rules.length) {
      this.shieldRules.set(siteId, rules);
      this.shields.set(siteId, new SiteShields(rules));
    } else {
      this.shieldRules.delete(siteId);
      this.shields.delete(siteId);
    }
    this.changed();
  }

  addShield(rawDomain: string, kind: string, value: string): Promise<ShieldRule> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      const rule = normalizeShield(kind, value);
      if (typeof rule === 'string') throw new AdminError(400, rule);
      const rules = this.shieldRules.get(site.id) ?? [];
      if (rules.some((r) => r.kind === rule.kind && r.value === rule.value)) throw new AdminError(409, `${rule.kind} ${rule.value} is already a shield of ${site.domain}`);
      if (rules.filter((r) => r.kind === rule.kind).length >= SHIELD_LIMITS[rule.kind]) {
        throw new AdminError(400, `a site has at most ${SHIELD_LIMITS[rule.kind]} ${rule.kind} rules`);
      }
      await this.store.repo.writeShield(site.id, rule.kind, rule.value, false);
      this.setRules(site.id, [...rules, rule]);
      return rule;
    });
  }

  removeShield(rawDomain: string, kind: string, value: string): Promise<ShieldRule> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      const rule = normalizeShield(kind, value);
      if (typeof rule === 'string') throw new AdminError(400, rule);
      const rules = this.shieldRules.get(site.id) ?? [];
      if (!rules.some((r) => r.kind === rule.kind && r.value === rule.value)) throw new AdminError(404, `${site.domain} has no ${rule.kind} shield ${rule.value}`);
      await this.store.repo.writeShield(site.id, rule.kind, rule.value, true);
      this.setRules(site.id, rules.filter((r) => !(r.kind === rule.kind && r.value === rule.value)));
      return rule;
    });
  }

  /** The site's goals, oldest first. */
  goalsOf(siteId: number): Goal[] {
    return this.goals.get(siteId) ?? [];
  }

  listGoals(rawDomain: string): Array<Goal & { name: string }> {
    return this.goalsOf(this.site(rawDomain).id).map((g) => ({ ...g, name: goalDisplayName(g) }));
  }

  addGoal(rawDomain: string, def: GoalInput): Promise<Goal & { name: string }> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      const g = {
        siteId: site.id,
        eventName: def.eventName ?? '',
        pagePath: def.pagePath ?? '',
        currency: (def.currency ?? '').toUpperCase(),
        displayName: def.displayName ?? '',
        props: def.props ?? [],
        scrollThreshold: def.scrollThreshold ?? -1,
      };
      const err = goalError(g);
      if (err) throw new AdminError(400, err);
      const list = this.goalsOf(site.id);
      const name = goalDisplayName(g);
      if (list.some((x) => goalDisplayName(x) === name)) throw new AdminError(409, `${site.domain} already has the goal ${name}${def.displayName ? '' : ' (give this one a display name)'}`);
      if (list.length >= 1000) throw new AdminError(400, 'a site has at most 1000 goals');
      const bytes = goalsSqlBytes([...list, g]);
      if (bytes > GOALS_SQL_MAX_BYTES) {
        throw new AdminError(400, `a site's goals take at most ${GOALS_SQL_MAX_BYTES / 1024} KiB of names and page patterns together (with this one ${Math.ceil(bytes / 1024)} KiB): remove or shorten some`);
      }
      const goal = await this.store.repo.writeGoal(g, false);
      this.goals.set(site.id, [...list, goal]);
      return { ...goal, name };
    });
  }

  /** Removes the goal with this display name (`Signup`, `Visit /pricing*`) or id. */
  removeGoal(rawDomain: string, nameOrId: string): Promise<Goal & { name: string }> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      const list = this.goalsOf(site.id);
      const g = list.find((x) => goalDisplayName(x) === nameOrId) ?? list.find((x) => String(x.id) === nameOrId);
      if (!g) throw new AdminError(404, `${site.domain} has no goal ${JSON.stringify(nameOrId)}`);
      await this.store.repo.writeGoal(g, true);
      this.goals.set(site.id, list.filter((x) => x !== g));
      return { ...g, name: goalDisplayName(g) };
    });
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

  /** Adds a site to the team `teamId`. */
  addSite(rawDomain: string, timezone = 'Etc/UTC', teamId = 0): Promise<Site> {
    return this.serial(async () => {
      const domain = validateSiteDomain(rawDomain);
      validateTimezone(timezone);
      if (this.sites.has(domain)) throw new AdminError(409, `site ${domain} already exists`);
      const site = await this.store.repo.insertSite(domain, timezone, teamId);
      this.sites.set(domain, site);
      this.changed();
      return site;
    });
  }

  removeSite(rawDomain: string): Promise<Site> {
    return this.serial(async () => {
      const site = this.site(rawDomain);
      await this.store.repo.deleteSite(site);
      this.sites.delete(site.domain);
      this.changed();
      return site;
    });
  }

  /** Moves a site to another team (its members change; its data, goals, shields and links stay). */
  moveSite(rawDomain: string, teamId: number): Promise<Site> {
    return this.serial(async () => this.saveSite({ ...this.site(rawDomain), teamId }));
  }

  /** Every key, or (with `userId`) the keys of that user. */
  listKeys(userId?: number): ApiKeyInfo[] {
    return [...this.keys.values()]
      .filter((k) => userId === undefined || k.userId === userId)
      .sort((a, b) => a.id - b.id)
      .map(({ id, name, prefix, createdAt, userId }) => ({ id, name, prefix, createdAt, userId }));
  }

  /** A key acting for `userId` (0: an operator's key, which reaches every site). */
  createKey(name: string, userId = 0): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.serial(async () => {
      const label = name.trim();
      if (!label || label.length > 200) throw new AdminError(400, 'a key needs a name of 1 to 200 characters');
      if (userId && this.listKeys(userId).length >= 100) throw new AdminError(400, 'a user has at most 100 API keys');
      const { key, info } = await this.store.repo.insertKey(label, userId);
      this.keys.set(info.hash, info);
      const { hash: _hash, ...pub } = info;
      return { key, info: pub };
    });
  }

  /** Gives keys of `fromUserId` to `toUserId` (the move to teams: operator keys to the first owner). */
  reassignKeys(fromUserId: number, toUserId: number): Promise<number> {
    return this.serial(async () => {
      let n = 0;
      for (const k of [...this.keys.values()]) {
        if (k.userId !== fromUserId) continue;
        const moved = { ...k, userId: toUserId };
        await this.store.repo.writeKey(moved, false);
        this.keys.set(k.hash, moved);
        n++;
      }
      return n;
    });
  }

  /** Revokes a key; with `ownerId`, only a key of that user (another's is "no key", revealing nothing). */
  revokeKey(id: number, ownerId?: number): Promise<ApiKeyInfo> {
    return this.serial(async () => {
      const k = [...this.keys.values()].find((x) => x.id === id && (ownerId === undefined || x.userId === ownerId));
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
