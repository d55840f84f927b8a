import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReferrerDatabase } from '../../src/ingest/referrers.js';
import { parseReferrer } from '../../src/ingest/source.js';

const db = ReferrerDatabase.load();
const sourceOf = (referrer: string, page = 'example.com') => {
  const r = parseReferrer(referrer, page);
  if (!r.host) return '';
  if (r.host.startsWith('android-app://')) return db.byHost(r.host.slice(14)) ?? r.host;
  return db.byHost(r.host) ?? r.host;
};

test('the database is loaded', () => {
  assert.ok(db.size > 1500, `only ${db.size} hosts`);
});

test('Google across country domains', () => {
  for (const h of ['https://www.google.com/', 'https://www.google.co.uk/search?q=x', 'https://google.de/', 'https://www.google.com.au/', 'https://www.google.fr/url?sa=t']) {
    assert.equal(sourceOf(h), 'Google', h);
  }
});

test('social, search and encyclopedias', () => {
  const cases: Array<[string, string]> = [
    ['https://m.facebook.com/', 'Facebook'],
    ['https://l.facebook.com/l.php?u=x', 'Facebook'],
    ['https://lm.facebook.com/', 'Facebook'],
    ['https://www.bing.com/search?q=x', 'Bing'],
    ['https://cn.bing.com/', 'Bing'],
    ['https://duckduckgo.com/', 'DuckDuckGo'],
    ['https://www.reddit.com/r/selfhosted/', 'Reddit'],
    ['https://old.reddit.com/', 'Reddit'],
    ['https://t.co/abc', 'Twitter'],
    ['https://x.com/someone', 'Twitter'],
    ['https://en.wikipedia.org/wiki/Web_analytics', 'Wikipedia'],
    ['https://de.m.wikipedia.org/wiki/X', 'Wikipedia'],
    ['https://ja.wikipedia.org/', 'Wikipedia'],
    ['https://news.ycombinator.com/item?id=1', 'Hacker News'],
    ['https://www.linkedin.com/feed/', 'LinkedIn'],
    ['https://chatgpt.com/', 'ChatGPT'],
  ];
  for (const [ref, source] of cases) assert.equal(sourceOf(ref), source, ref);
});

test('android-app referrers', () => {
  assert.equal(sourceOf('android-app://com.google.android.gm'), 'Gmail');
  assert.equal(sourceOf('android-app://com.reddit.frontpage/'), 'Reddit');
  assert.equal(sourceOf('android-app://org.example.unknown'), 'android-app://org.example.unknown');
});

test('unknown hosts become their host without www.; self and local referrals are no source', () => {
  assert.equal(sourceOf('https://www.markosaric.com/x'), 'markosaric.com');
  assert.equal(sourceOf('https://blog.example.org/'), 'blog.example.org');
  assert.equal(sourceOf('https://example.com/other', 'example.com'), '');
  assert.equal(sourceOf('http://localhost:8080/'), '');
  assert.equal(db.byHost('com'), undefined);
});

test('tagged sources: casing, shorthands, hosts, unknown values kept', () => {
  assert.equal(db.tagged('google'), 'Google');
  assert.equal(db.tagged('GOOGLE'), 'Google');
  assert.equal(db.tagged('Facebook'), 'Facebook');
  assert.equal(db.tagged('ig'), 'Instagram');
  assert.equal(db.tagged('fb'), 'Facebook');
  assert.equal(db.tagged('adwords'), 'Google');
  assert.equal(db.tagged('duckduckgo'), 'DuckDuckGo');
  assert.equal(db.tagged('facebook.com'), 'Facebook');
  assert.equal(db.tagged('www.reddit.com'), 'Reddit');
  assert.equal(db.tagged('Newsletter'), 'Newsletter');
  assert.equal(db.tagged(' spring-sale '), 'spring-sale');
});
