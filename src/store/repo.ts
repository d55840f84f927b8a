import { createHash, randomBytes } from 'node:crypto';
import type { SqlBackend } from './backend.js';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from './sql.js';

/** A UUID in its text form (an Umami website id), either case. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Site {
  id: number;
  domain: string;
  timezone: string;
  createdAt: string;
  /** Ingestion rate limit; 0 means the default. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  /** Dashboard readable without an account. */
  public: boolean;
  /** The team the site belongs to (0 only on a store from before teams, until its first start). */
  teamId: number;
  /** The Umami website id (a UUID) that Umami's tracker sends for this site ('' or absent: none). */
  umamiId?: string;
}

export interface ShieldRow {
  siteId: number;
  kind: string;
  value: string;
  createdAt: string;
}

/** A goal: a custom event name (optionally with a revenue currency) or a pageview path pattern (`*` wildcards). */
export interface Goal {
  id: number;
  siteId: number;
  /** Custom event name ('' for a page goal). */
  eventName: string;
  /** Page path pattern ('' for an event goal). */
  pagePath: string;
  /** ISO 4217 code for a revenue goal, else ''. */
  currency: string;
  /** The name shown and filtered on ('' = the default: the event name, or `Visit <path>`). */
  displayName: string;
  /** Custom-property conditions: the event must carry each key with exactly this value. */
  props: Array<[string, string]>;
  /** A page goal on scroll depth (0–100: reached at least this deep on a matching page); -1: on the pageview. */
  scrollThreshold: number;
  createdAt: string;
}

export interface ApiKeyInfo {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  /** The user the key acts for (it reaches what they may see); 0 for an operator's key made with the CLI. */
  userId: number;
}

let lastVersion = 0;
/** Row versions for the ReplacingMergeTree state tables: strictly increasing within the process, time-based across. */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/** The next id of a state table keyed by `id` (its writes are serialized by their callers). */
export async function nextId(backend: SqlBackend, table: string): Promise<number> {
  const [row] = await backend.queryRows<{ m: string }>(`SELECT max(id) AS m FROM ${table}`);
  return Number(row?.m ?? 0) + 1;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Sites and API keys: small state tables in the analytics store. Each change is a new row with a higher
 * version; reads take the newest row per id (argMax), which is correct before and after merges.
 */
export class Repo {
  private readonly db: string;
  constructor(private readonly backend: SqlBackend, db: string) {
    this.db = sqlIdent(db);
  }

  async listSites(): Promise<Site[]> {
    const rows = await this.backend.queryRows<{ id: string; d: string; tz: string; created: string; del: number; rpm: number; rb: number; pub: number; team: string; umami: string }>(
      `SELECT id, argMax(domain, version) AS d, argMax(timezone, version) AS tz, argMax(created_at, version) AS created,
              argMax(deleted, version) AS del, argMax(rate_limit_per_minute, version) AS rpm, argMax(rate_limit_burst, version) AS rb,
              argMax(public, version) AS pub, argMax(team_id, version) AS team, argMax(umami_id, version) AS umami
       FROM ${this.db}.sites GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      domain: r.d,
      timezone: r.tz,
      createdAt: r.created,
      rateLimitPerMinute: Number(r.rpm),
      rateLimitBurst: Number(r.rb),
      public: Number(r.pub) === 1,
      teamId: Number(r.team),
      umamiId: r.umami ?? '',
    }));
  }

  /** Writes the site's state as a new version (insert, update and delete are all this). */
  private async writeSite(site: Site, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.sites (id, domain, timezone, created_at, deleted, version, rate_limit_per_minute, rate_limit_burst, public, team_id, umami_id) VALUES (${sqlUInt(site.id)}, ${sqlString(site.domain)}, ${sqlString(site.timezone)}, ${sqlString(site.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())}, ${sqlUInt(site.rateLimitPerMinute)}, ${sqlUInt(site.rateLimitBurst)}, ${site.public ? 1 : 0}, ${sqlUInt(site.teamId)}, ${sqlString(site.umamiId ?? '')})`,
    );
  }

  async insertSite(domain: string, timezone: string, teamId: number): Promise<Site> {
    const [row] = await this.backend.queryRows<{ m: string }>(`SELECT max(id) AS m FROM ${this.db}.sites`);
    const site: Site = {
      id: Number(row?.m ?? 0) + 1,
      domain,
      timezone,
      createdAt: sqlDateTimeText(new Date()),
      rateLimitPerMinute: 0,
      rateLimitBurst: 0,
      public: false,
      teamId,
    };
    await this.writeSite(site, false);
    return site;
  }

  updateSite(site: Site): Promise<void> {
    return this.writeSite(site, false);
  }

  deleteSite(site: Site): Promise<void> {
    return this.writeSite(site, true);
  }

  async listShields(): Promise<ShieldRow[]> {
    const rows = await this.backend.queryRows<{ site_id: string; kind: string; value: string; created: string; del: number }>(
      `SELECT site_id, kind, value, argMax(created_at, version) AS created, argMax(deleted, version) AS del
       FROM ${this.db}.shields GROUP BY site_id, kind, value HAVING del = 0 ORDER BY site_id, kind, value`,
    );
    return rows.map((r) => ({ siteId: Number(r.site_id), kind: r.kind, value: r.value, createdAt: r.created }));
  }

  async writeShield(siteId: number, kind: string, value: string, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.shields (site_id, kind, value, created_at, deleted, version) VALUES (${sqlUInt(siteId)}, ${sqlString(kind)}, ${sqlString(value)}, ${sqlString(sqlDateTimeText(new Date()))}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
  }

  /** Active keys with their hashes (for the in-memory auth cache). */
  async listKeyHashes(): Promise<Array<ApiKeyInfo & { hash: string }>> {
    const rows = await this.backend.queryRows<{ id: string; n: string; p: string; h: string; created: string; del: number; u: string }>(
      `SELECT id, argMax(name, version) AS n, argMax(key_prefix, version) AS p, argMax(key_hash, version) AS h,
              argMax(created_at, version) AS created, argMax(deleted, version) AS del, argMax(user_id, version) AS u
       FROM ${this.db}.api_keys GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.n, prefix: r.p, hash: r.h, createdAt: r.created, userId: Number(r.u) }));
  }

  /** Creates a key and returns it in clear text: the only time it exists outside the caller's hands. */
  async insertKey(name: string, userId: number): Promise<{ key: string; info: ApiKeyInfo & { hash: string } }> {
    const key = 'ff_' + randomBytes(32).toString('base64url');
    const hash = hashApiKey(key);
    const [row] = await this.backend.queryRows<{ m: string }>(`SELECT max(id) AS m FROM ${this.db}.api_keys`);
    const id = Number(row?.m ?? 0) + 1;
    const createdAt = sqlDateTimeText(new Date());
    const prefix = key.slice(0, 8);
    await this.backend.command(
      `INSERT INTO ${this.db}.api_keys (id, name, key_prefix, key_hash, created_at, deleted, version, user_id) VALUES (${sqlUInt(id)}, ${sqlString(name)}, ${sqlString(prefix)}, ${sqlString(hash)}, ${sqlString(createdAt)}, 0, ${sqlUInt(nextVersion())}, ${sqlUInt(userId)})`,
    );
    return { key, info: { id, name, prefix, hash, createdAt, userId } };
  }

  /** Writes the key's state as a new version (a change of owner, a revocation). */
  async writeKey(k: ApiKeyInfo & { hash: string }, deleted: boolean): Promise<void> {
    await this.backend.command(
      `INSERT INTO ${this.db}.api_keys (id, name, key_prefix, key_hash, created_at, deleted, version, user_id) VALUES (${sqlUInt(k.id)}, ${sqlString(k.name)}, ${sqlString(k.prefix)}, ${sqlString(k.hash)}, ${sqlString(k.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())}, ${sqlUInt(k.userId)})`,
    );
  }

  deleteKey(k: ApiKeyInfo & { hash: string }): Promise<void> {
    return this.writeKey(k, true);
  }

  async listGoals(): Promise<Goal[]> {
    const rows = await this.backend.queryRows<{ id: string; s: string; e: string; p: string; c: string; dn: string; cp: string; st: string | number; created: string; del: number }>(
      `SELECT id, argMax(site_id, version) AS s, argMax(event_name, version) AS e, argMax(page_path, version) AS p, argMax(currency, version) AS c,
              argMax(display_name, version) AS dn, argMax(custom_props, version) AS cp, argMax(scroll_threshold, version) AS st,
              argMax(created_at, version) AS created, argMax(deleted, version) AS del
       FROM ${this.db}.goals GROUP BY id HAVING del = 0 ORDER BY id`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      siteId: Number(r.s),
      eventName: r.e,
      pagePath: r.p,
      currency: r.c,
      displayName: r.dn ?? '',
      props: parseGoalProps(r.cp),
      scrollThreshold: Number(r.st ?? -1),
      createdAt: r.created,
    }));
  }

  /** Writes the goal's state as a new version (insert and delete). `id` 0 takes the next free id. */
  async writeGoal(goal: Omit<Goal, 'id' | 'createdAt'> & { id?: number; createdAt?: string }, deleted: boolean): Promise<Goal> {
    let id = goal.id ?? 0;
    if (!id) {
      const [row] = await this.backend.queryRows<{ m: string }>(`SELECT max(id) AS m FROM ${this.db}.goals`);
      id = Number(row?.m ?? 0) + 1;
    }
    const g: Goal = {
      id,
      siteId: goal.siteId,
      eventName: goal.eventName,
      pagePath: goal.pagePath,
      currency: goal.currency,
      displayName: goal.displayName,
      props: goal.props,
      scrollThreshold: goal.scrollThreshold,
      createdAt: goal.createdAt ?? sqlDateTimeText(new Date()),
    };
    await this.backend.command(
      `INSERT INTO ${this.db}.goals (id, site_id, event_name, page_path, currency, display_name, custom_props, scroll_threshold, created_at, deleted, version) VALUES (${sqlUInt(g.id)}, ${sqlUInt(g.siteId)}, ${sqlString(g.eventName)}, ${sqlString(g.pagePath)}, ${sqlString(g.currency)}, ${sqlString(g.displayName)}, ${sqlString(JSON.stringify(Object.fromEntries(g.props)))}, ${Math.trunc(g.scrollThreshold)}, ${sqlString(g.createdAt)}, ${deleted ? 1 : 0}, ${sqlUInt(nextVersion())})`,
    );
    return g;
  }
}

/** A goal's stored custom-property conditions (a JSON object) as pairs; anything else as none. */
function parseGoalProps(text: string | undefined): Array<[string, string]> {
  try {
    const o = JSON.parse(text || '{}') as unknown;
    if (!o || typeof o !== 'object' || Array.isArray(o)) return [];
    return Object.entries(o as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
  } catch {
    return [];
  }
}
