import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReferrerDatabase } from '../../src/ingest/referrers.js';
import { parseReferrer } from '../../src/ingest/source.js';

const db = ReferrerDatabase.load();
/** The source Plausible would store for this referrer on a page of `page` (no tagged source). */
const sourceOf = (referrer: string, page = 'example.com') => {
  const r = parseReferrer(referrer, page);
  return r.host ? db.sourceOf(r.host, r.referrer.slice(r.host.length)) : '';
};

test('the Snowplow data and the custom table are loaded', () => {
  assert.ok(db.size > 1300, `only ${db.size} hosts`);
  assert.equal(db.media.get('Google'), 'search');
  assert.equal(db.media.get('Facebook'), 'social');
  assert.equal(db.media.get('Gmail'), 'email');
});

/** Referrer → source, as Plausible names them (Snowplow's names, Plausible's custom table, raw hosts otherwise). */
const PAIRS: Array<[string, string]> = [
  // Google: every country domain, with and without www., search paths and redirects
  ...['com', 'co.uk', 'de', 'fr', 'es', 'it', 'nl', 'be', 'ch', 'at', 'pl', 'se', 'no', 'dk', 'fi', 'pt', 'ie', 'cz', 'sk', 'hu', 'ro', 'bg', 'gr', 'com.tr', 'ru', 'com.ua', 'co.jp', 'co.kr', 'com.tw', 'com.hk', 'co.in', 'com.au', 'co.nz', 'ca', 'com.mx', 'com.br', 'com.ar', 'cl', 'com.co', 'co.za', 'com.eg', 'com.sa', 'ae', 'co.il', 'com.sg', 'co.id', 'com.ph', 'com.vn', 'co.th', 'com.my'].flatMap(
    (tld): Array<[string, string]> => [
      [`https://www.google.${tld}/`, 'Google'],
      [`https://google.${tld}/search?q=footfall`, 'Google'],
    ],
  ),
  ['https://www.google.com/url?sa=t&url=https://example.com', 'Google'],
  ['https://encrypted.google.com/', 'Google'],
  ['https://webcache.googleusercontent.com/search?q=cache:x', 'Google'],
  ['https://mail.google.com/mail/u/0/', 'Gmail'],
  ['https://groups.google.com/g/x', 'Google'],
  ['https://maps.google.com/', 'Google'],
  // Bing and Microsoft
  ['https://www.bing.com/search?q=x', 'Bing'],
  ['https://bing.com/', 'Bing'],
  ['https://cc.bingj.com/cache.aspx', 'Bing'],
  ['https://www.bing.com/images/search?q=x', 'Bing Images'],
  ['https://ntp.msn.com/edge/ntp', 'Bing'],
  ['https://outlook.live.com/mail/0/', 'Outlook.com'],
  ['https://statics.teams.cdn.office.net/evergreen-assets/', 'Microsoft Teams'],
  // other search engines
  ['https://duckduckgo.com/', 'DuckDuckGo'],
  ['https://www.ecosia.org/search?q=x', 'Ecosia'],
  ['https://search.yahoo.com/search?p=x', 'Yahoo!'],
  ['https://de.search.yahoo.com/', 'Yahoo!'],
  ['https://www.baidu.com/s?wd=x', 'Baidu'],
  ['https://baidu.com/', 'Baidu'],
  ['https://search.naver.com/search.naver?query=x', 'Naver'],
  ['https://search.brave.com/search?q=x', 'Brave'],
  ['https://sogou.com/', 'Sogou'],
  ['https://m.sogou.com/web?query=x', 'Sogou'],
  ['https://wap.sogou.com/', 'Sogou'],
  ['https://perplexity.ai/search', 'Perplexity'],
  ['https://www.perplexity.ai/', 'Perplexity'],
  ...['yandex.ru', 'yandex.ua', 'yandex.com', 'yandex.by', 'yandex.kz', 'yandex.com.tr', 'yandex.eu', 'yandex.fr', 'yandex.tm', 'yandex.uz', 'ya.ru'].map((h): [string, string] => [`https://${h}/search/?text=x`, 'Yandex']),
  // social networks, forums, messaging
  ['https://www.facebook.com/', 'Facebook'],
  ['https://m.facebook.com/story.php', 'Facebook'],
  ['https://l.facebook.com/l.php?u=x', 'Facebook'],
  ['https://lm.facebook.com/', 'Facebook'],
  ['https://fb.me/x', 'Facebook'],
  ['https://t.co/abc', 'Twitter'],
  ['https://twitter.com/someone', 'Twitter'],
  ['https://www.instagram.com/', 'Instagram'],
  ['https://l.instagram.com/?u=x', 'Instagram'],
  ['https://www.youtube.com/watch?v=x', 'Youtube'],
  ['https://m.youtube.com/', 'Youtube'],
  ['https://youtu.be/x', 'Youtube'],
  ['https://www.linkedin.com/feed/', 'LinkedIn'],
  ['https://lnkd.in/x', 'LinkedIn'],
  ['https://www.reddit.com/r/selfhosted/', 'Reddit'],
  ['https://old.reddit.com/', 'Reddit'],
  ['https://out.reddit.com/t3_x', 'Reddit'],
  ['https://news.ycombinator.com/item?id=1', 'Hacker News'],
  ['https://github.com/plausible/analytics', 'GitHub'],
  ['https://stackoverflow.com/questions/1', 'StackOverflow'],
  ['https://www.pinterest.com/pin/1', 'Pinterest'],
  ['https://vk.com/feed', 'Vkontakte'],
  ['https://www.tumblr.com/', 'Tumblr'],
  ['https://t.umblr.com/redirect', 'Tumblr'],
  ['https://www.quora.com/x', 'Quora'],
  ['https://disqus.com/', 'Disqus'],
  ['https://weibo.com/', 'Weibo'],
  ['https://vimeo.com/1', 'Vimeo'],
  ['https://www.xing.com/', 'XING'],
  ['https://www.flickr.com/', 'Flickr'],
  ['https://app.slack.com/client/T1/C1', 'Slack'],
  ['https://discord.com/channels/1/2', 'Discord'],
  ['https://discordapp.com/', 'Discord'],
  ['https://ptb.discord.com/', 'Discord'],
  ['https://canary.discord.com/', 'Discord'],
  ['https://t.me/channel', 'Telegram'],
  ['https://webk.telegram.org/', 'Telegram'],
  ['https://linktr.ee/someone', 'Linktree'],
  ['https://www.threads.net/@someone', 'Threads'],
  // Wikipedia: every language host, desktop and mobile
  ...['en', 'de', 'fr', 'es', 'it', 'ja', 'ru', 'pl', 'nl', 'pt', 'zh', 'sv', 'uk', 'fa', 'ar', 'he', 'ko', 'cs', 'fi', 'simple'].flatMap((l): Array<[string, string]> => [
    [`https://${l}.wikipedia.org/wiki/Web_analytics`, 'Wikipedia'],
    [`https://${l}.m.wikipedia.org/wiki/X`, 'Wikipedia'],
  ]),
  // mail providers
  ['https://mail.yahoo.com/', 'Yahoo! Mail'],
  ['https://mail.qq.com/', 'QQ Mail'],
  ['https://mail.zoho.com/', 'Zoho'],
  ['https://mail.aol.com/', 'AOL Mail'],
  ['https://www.orange.fr/webmail/inbox', 'Orange Webmail'],
  // unknown hosts stay as hosts (Plausible shows chatgpt.com, x.com, claude.ai as they are)
  ['https://chatgpt.com/', 'chatgpt.com'],
  ['https://x.com/someone', 'x.com'],
  ['https://claude.ai/chat/1', 'claude.ai'],
  ['https://www.markosaric.com/x', 'markosaric.com'],
  ['https://blog.example.org/', 'blog.example.org'],
  ['https://www.indiehackers.com/page?query=param#hash', 'indiehackers.com'],
  ['https://blog.example.com/post', 'blog.example.com'],
  // Android apps
  ['android-app://com.reddit.frontpage', 'Reddit'],
  ['android-app://com.reddit.frontpage/', 'Reddit'],
  ['android-app://com.google.android.gm', 'android-app://com.google.android.gm'],
  ['android-app://org.example.unknown', 'android-app://org.example.unknown'],
  // no source: self-referrals, localhost, other schemes, malformed
  ['https://example.com/other', ''],
  ['https://www.example.com/other', ''],
  ['http://localhost:8080/', ''],
  ['ftp://wat', ''],
  ['https:://twitter.com', ''],
];

test(`referrer → source: ${PAIRS.length} pairs`, () => {
  assert.ok(PAIRS.length >= 230, String(PAIRS.length));
  const wrong = PAIRS.map(([ref, want]) => [ref, want, sourceOf(ref)]).filter(([, want, got]) => want !== got);
  assert.deepEqual(wrong, []);
});

/** Tagged sources (utm_source, source, ref): Plausible's aliases, canonical casing, the rest kept as sent. */
const TAGGED: Array<[string, string]> = [
  ['google', 'Google'],
  ['GOOGLE', 'Google'],
  ['Facebook', 'Facebook'],
  ['facebook', 'Facebook'],
  ['fb', 'Facebook'],
  ['FB', 'Facebook'],
  ['fb-ads', 'Facebook'],
  ['fbads', 'Facebook'],
  ['fbad', 'Facebook'],
  ['facebook-ads', 'Facebook'],
  ['facebook_ads', 'Facebook'],
  ['fcb', 'Facebook'],
  ['facebook_ad', 'Facebook'],
  ['facebook_feed_ad', 'Facebook'],
  ['ig', 'Instagram'],
  ['instagram', 'Instagram'],
  ['yt', 'Youtube'],
  ['yt-ads', 'Youtube'],
  ['youtube', 'Youtube'],
  ['reddit-ads', 'Reddit'],
  ['Reddit-ads', 'Reddit'],
  ['google_ads', 'Google'],
  ['Google-ads', 'Google'],
  ['googleads', 'Google'],
  ['gads', 'Google'],
  ['google ads', 'Google'],
  ['adwords', 'Google'],
  ['Adwords', 'Google'],
  ['twitter-ads', 'Twitter'],
  ['twitter', 'Twitter'],
  ['tiktokads', 'TikTok'],
  ['tik.tok', 'TikTok'],
  ['perplexity', 'Perplexity'],
  ['perplexity.ai', 'Perplexity'],
  ['linktree', 'Linktree'],
  ['linktr.ee', 'Linktree'],
  ['discord.com', 'Discord'],
  ['Discord', 'Discord'],
  ['duckduckgo', 'DuckDuckGo'],
  ['bing', 'Bing'],
  ['yahoo!', 'Yahoo!'],
  ['vkontakte', 'Vkontakte'],
  ['hacker news', 'Hacker News'],
  ['github', 'GitHub'],
  ['gmail', 'Gmail'],
  ['linkedin', 'LinkedIn'],
  ['betalist', 'betalist'],
  ['producthunt', 'producthunt'],
  ['Newsletter-UK', 'Newsletter-UK'],
  ['facebook.com', 'facebook.com'],
  ['threads', 'Threads'],
  ['', ''],
];

test(`tagged sources: ${TAGGED.length} aliases and names`, () => {
  const wrong = TAGGED.map(([v, want]) => [v, want, db.tagged(v)]).filter(([, want, got]) => want !== got);
  assert.deepEqual(wrong, []);
});
