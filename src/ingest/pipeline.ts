import type { Site } from '../store/repo.js';
import { baseEventRow, type EventRow, type VisitFields } from './event.js';
import type { EventRequest } from './request.js';
import type { ReferrerDatabase } from './referrers.js';
import type { SiteShields } from './shields.js';
import type { GeoInfo } from './geo.js';
import type { SpamList } from './spam.js';
import type { SaltSource } from './salts.js';
import { continueSession, newSessionId, startSession, type SessionRow, type SessionStore } from './session.js';
import { visitorId } from './visitor.js';
import { isEngagement } from './request.js';
import { parseReferrer, referrerUrl } from './source.js';
import type { UaInfo } from './useragent.js';
import { deriveFromUrl, type UrlInfo } from './url.js';

/** Why an event was not recorded for a site. Counted per reason; answered with `x-plausible-dropped`. */
export type DropReason =
  | 'unknown_site'
  | 'bot'
  | 'spam_referrer'
  | 'ip_blocklist'
  | 'country_blocklist'
  | 'page_blocklist'
  | 'hostname_allowlist'
  | 'engagement_without_session'
  | 'datacenter_ip'
  | 'invalid';

/** What the HTTP layer knows about a request besides its body. Raw IP and UA live only here, never in a row. */
export interface RequestContext {
  ip: string;
  userAgent: string;
  /** The User-Agent, parsed (cached) before the pipeline runs. */
  ua: UaInfo;
  now: Date;
}

/** One event on its way to the store: for one site, with the row being filled in. */
export interface PipelineEvent {
  site: Site;
  request: EventRequest;
  url: UrlInfo;
  row: EventRow;
  /** The referrer, parsed once per request (null when absent or not an absolute url). */
  referrerUrl: URL | null;
  /** The visitor id under yesterday's salt, for sessions that crossed midnight ('' when there is no such salt);
   *  computed only when the session stage needs it (a second hash per event otherwise). */
  previousUserId: () => string;
  /** Rows for the sessions table this event produces (sign -1 for the replaced state, +1 for the new one). */
  sessionRows: SessionRow[];
  /** What to do if this event's rows are not kept after all (the journal write failed): stages push here. */
  undo: Array<() => void>;
}

/** A stage enriches `ev.row` in place, or answers a drop reason. Stages are small and tested one by one. */
export interface Stage {
  readonly name: string;
  run(ev: PipelineEvent, ctx: RequestContext): DropReason | undefined;
}

export interface SiteLookup {
  byDomain(domain: string): Site | undefined;
}

export interface PipelineResult {
  rows: EventRow[];
  sessionRows: SessionRow[];
  dropped: DropReason[];
  /** Call when the rows were not kept (answered 503): undoes the state the stages moved on (live sessions). */
  undo(): void;
  /** Whether there is anything to undo (a stage moved state on). */
  undoable: boolean;
}

/**
 * Referrer and source: the tagged source from the url (mapped to a known name) wins, else the referrer
 * looked up in the referrer database, else the referrer's host. Google with gclid and Bing with msclkid get
 * medium (gclid) / (msclkid) when no utm_medium was sent.
 */
export function sourceStage(db: ReferrerDatabase): Stage {
  return {
    name: 'source',
    run(ev) {
      const row = ev.row;
      const ref = parseReferrer(ev.referrerUrl, row.hostname);
      row.referrer = ref.referrer;
      if (ev.url.taggedSource) row.referrer_source = db.tagged(ev.url.taggedSource);
      else if (ref.host) row.referrer_source = db.sourceOf(ref.host, ref.referrer.slice(ref.host.length));
      if (!row.utm_medium) {
        if (row.click_id_param === 'gclid' && row.referrer_source === 'Google') row.utm_medium = '(gclid)';
        else if (row.click_id_param === 'msclkid' && row.referrer_source === 'Bing') row.utm_medium = '(msclkid)';
      }
      return undefined;
    },
  };
}

/** Crawlers, monitors, headless browsers and HTTP libraries (by the parsed User-Agent) are dropped. */
export const botStage: Stage = {
  name: 'bots',
  run: (_ev, ctx) => (ctx.ua.bot ? 'bot' : undefined),
};

export interface ShieldLookup {
  shieldsOf(siteId: number): SiteShields | undefined;
}

/** The site's IP blocklist, hostname allowlist and page blocklist (the country blocklist runs after geo). */
export function shieldsStage(lookup: ShieldLookup): Stage {
  return {
    name: 'shields',
    run(ev, ctx) {
      const s = lookup.shieldsOf(ev.site.id);
      if (!s) return undefined;
      if (s.ipBlocked(ctx.ip)) return 'ip_blocklist';
      if (!s.hostnameAllowed(ev.row.hostname)) return 'hostname_allowlist';
      if (s.pageBlocked(ev.row.pathname)) return 'page_blocklist';
      return undefined;
    },
  };
}

/** Referrer spam: the referrer's host is on the blocklist. */
export function spamStage(spam: SpamList): Stage {
  return {
    name: 'spam',
    run(ev) {
      const host = ev.referrerUrl?.hostname;
      return host && spam.isSpam(host) ? 'spam_referrer' : undefined;
    },
  };
}

export interface GeoLookup {
  lookup(ip: string): GeoInfo;
}

/** Country, region and city of the visitor's IP (private and unknown IPs: none). The IP itself is not stored. */
export function geoStage(geo: GeoLookup): Stage {
  return {
    name: 'geo',
    run(ev, ctx) {
      const g = geo.lookup(ctx.ip);
      ev.row.country_code = g.country_code;
      ev.row.subdivision1_code = g.subdivision1_code;
      ev.row.subdivision2_code = g.subdivision2_code;
      ev.row.city_geoname_id = g.city_geoname_id;
      return undefined;
    },
  };
}

/** The site's country blocklist, on the country the geo stage found. */
export function countryShieldStage(lookup: ShieldLookup): Stage {
  return {
    name: 'country_shield',
    run(ev) {
      return lookup.shieldsOf(ev.site.id)?.countryBlocked(ev.row.country_code) ? 'country_blocklist' : undefined;
    },
  };
}

/** Browser, OS and device from the parsed User-Agent. */
export const deviceStage: Stage = {
  name: 'device',
  run(ev, ctx) {
    const r = ev.row;
    r.browser = ctx.ua.browser;
    r.browser_version = ctx.ua.browser_version;
    r.operating_system = ctx.ua.operating_system;
    r.operating_system_version = ctx.ua.operating_system_version;
    r.screen_size = ctx.ua.screen_size;
    return undefined;
  },
};

/** The cookieless visitor id (today's salt), and yesterday's for session continuity. */
export function visitorStage(salts: SaltSource): Stage {
  return {
    name: 'visitor',
    run(ev, ctx) {
      const cur = salts.current(ctx.now);
      ev.row.user_id = visitorId(cur.words, ctx.userAgent, ctx.ip, ev.site.domain, ev.row.hostname);
      ev.previousUserId = () => {
        const prev = salts.previous(ctx.now);
        return prev ? visitorId(prev.words, ctx.userAgent, ctx.ip, ev.site.domain, ev.row.hostname) : '';
      };
      return undefined;
    },
  };
}

/** The columns an event row takes from its session (Plausible's `merge_session`): where the visit came from and on what. */
const VISIT_KEYS: ReadonlyArray<keyof VisitFields> = [
  'referrer', 'referrer_source', 'utm_medium', 'utm_source', 'utm_campaign', 'utm_content', 'utm_term', 'click_id_param',
  'country_code', 'subdivision1_code', 'subdivision2_code', 'city_geoname_id',
  'screen_size', 'operating_system', 'operating_system_version', 'browser', 'browser_version',
];

/** An event of a live session is stored with the session's acquisition, location and device (first event wins). */
export function inheritVisit(row: EventRow, session: VisitFields): void {
  const r = row as unknown as Record<string, unknown>;
  const s = session as unknown as Record<string, unknown>;
  for (const k of VISIT_KEYS) r[k] = s[k];
}

/**
 * Sessions: continue the visitor's live session (30 minutes of inactivity end it; looked up under today's,
 * then yesterday's visitor id) or start one. Engagement events never start a session; with one they keep it
 * alive and are stored with its id. Every change writes the old state with sign -1 and the new with +1.
 */
export function sessionStage(store: SessionStore): Stage {
  return {
    name: 'session',
    run(ev, ctx) {
      const now = ctx.now.getTime();
      const row = ev.row;
      let key = row.user_id;
      let live = store.get(key, now);
      const previousId = live ? '' : ev.previousUserId();
      if (previousId) {
        live = store.get(previousId, now);
        if (live) key = previousId;
      }
      if (isEngagement(row.name)) {
        if (!live) return 'engagement_without_session';
        store.touch(key, now);
        row.session_id = live.row.session_id;
        row.user_id = live.row.user_id;
        inheritVisit(row, live.row);
        return undefined;
      }
      // If these rows are not kept, the live session would hold a state the store never saw (and the next event
      // would cancel it with a -1 row that matches nothing): forget the session instead; the visitor's next event
      // starts a new one, and every stored state stays consistent.
      ev.undo.push(() => store.delete(key));
      if (!live) {
        const first = startSession(row, newSessionId(), ev.request.interactive);
        store.set(key, { row: first, startMs: now, lastMs: now });
        row.session_id = first.session_id;
        ev.sessionRows.push(first);
        return undefined;
      }
      row.user_id = live.row.user_id;
      row.session_id = live.row.session_id;
      inheritVisit(row, live.row);
      const next = continueSession(live.row, row, now, live.startMs, ev.request.interactive);
      ev.sessionRows.push({ ...live.row, sign: -1 }, next);
      store.set(key, { row: next, startMs: live.startMs, lastMs: now });
      return undefined;
    },
  };
}

/** The per-site stages, in order. Shields, geo and visitor/session stages slot in here. */
export function defaultStages(deps: {
  referrers: ReferrerDatabase;
  shields: ShieldLookup;
  geo: GeoLookup;
  spam: SpamList;
  salts: SaltSource;
  sessions: SessionStore;
}): Stage[] {
  return [
    botStage,
    spamStage(deps.spam),
    shieldsStage(deps.shields),
    sourceStage(deps.referrers),
    deviceStage,
    geoStage(deps.geo),
    countryShieldStage(deps.shields),
    visitorStage(deps.salts),
    sessionStage(deps.sessions),
  ];
}

/**
 * The ingestion pipeline: one validated request → one candidate event per listed site → stages → rows.
 */
export class Pipeline {
  /** Time spent in each stage and how many events it saw, since start (exported as metrics). */
  readonly stageStats: Map<string, { seconds: number; calls: number }>;

  constructor(
    private readonly sites: SiteLookup,
    private readonly stages: readonly Stage[],
  ) {
    this.stageStats = new Map(stages.map((s) => [s.name, { seconds: 0, calls: 0 }]));
  }

  process(request: EventRequest, ctx: RequestContext): PipelineResult {
    const url = deriveFromUrl(request.url, request.hashMode);
    const refUrl = referrerUrl(request.referrer);
    const rows: EventRow[] = [];
    const sessionRows: SessionRow[] = [];
    const dropped: DropReason[] = [];
    const undo: Array<() => void> = [];
    for (const domain of request.domains) {
      const site = this.sites.byDomain(domain);
      if (!site) {
        dropped.push('unknown_site');
        continue;
      }
      const ev: PipelineEvent = { site, request, url, row: baseEventRow(site.id, request, url, ctx.now), referrerUrl: refUrl, previousUserId: () => '', sessionRows: [], undo };
      let reason: DropReason | undefined;
      for (const stage of this.stages) {
        const t0 = performance.now();
        reason = stage.run(ev, ctx);
        const st = this.stageStats.get(stage.name)!;
        st.seconds += (performance.now() - t0) / 1000;
        st.calls++;
        if (reason) break;
      }
      if (reason) dropped.push(reason);
      else {
        rows.push(ev.row);
        for (const r of ev.sessionRows) sessionRows.push(r);
      }
    }
    return { rows, sessionRows, dropped, undo: () => undo.forEach((u) => u()), undoable: undo.length > 0 };
  }
}
