import type { Site } from '../store/repo.js';
import type { ShieldLookup, SiteLookup } from './pipeline.js';
import { SiteShields, type ShieldRule } from './shields.js';

/** The sites and their shield rules as plain data: what the ingest worker is sent whenever either changes. */
export interface SitesSnapshot {
  sites: Site[];
  shields: Array<[number, ShieldRule[]]>;
}

/** Sites by domain and their compiled shields, replaced whole from a snapshot (the ingest worker's copy of Admin's). */
export class SiteDirectory implements SiteLookup, ShieldLookup {
  private sites = new Map<string, Site>();
  private shields = new Map<number, SiteShields>();

  constructor(snapshot?: SitesSnapshot) {
    if (snapshot) this.update(snapshot);
  }

  update(snapshot: SitesSnapshot): void {
    this.sites = new Map(snapshot.sites.map((s) => [s.domain, s]));
    this.shields = new Map(snapshot.shields.filter(([, rules]) => rules.length > 0).map(([id, rules]) => [id, new SiteShields(rules)]));
  }

  byDomain(domain: string): Site | undefined {
    return this.sites.get(domain);
  }

  shieldsOf(siteId: number): SiteShields | undefined {
    return this.shields.get(siteId);
  }
}
