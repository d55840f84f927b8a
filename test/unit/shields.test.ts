import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeShield, SiteShields, type ShieldRule } from '../../src/ingest/shields.js';
import { globMatcher, MAX_WILDCARDS } from '../../src/util/glob.js';
import { seededRandom } from '../../src/util/rng.js';

const rule = (kind: string, value: string): ShieldRule => {
  const r = normalizeShield(kind, value);
  assert.ok(typeof r !== 'string', String(r));
  return r;
};

test('IP blocklist: single addresses and CIDR ranges, v4 and v6', () => {
  const s = new SiteShields([rule('ip', '203.0.113.7'), rule('ip', '198.51.100.0/24'), rule('ip', '2001:db8::/32'), rule('ip', '2a00:1450::1')]);
  assert.ok(s.ipBlocked('203.0.113.7'));
  assert.ok(!s.ipBlocked('203.0.113.8'));
  assert.ok(s.ipBlocked('198.51.100.255'));
  assert.ok(!s.ipBlocked('198.51.101.0'));
  assert.ok(s.ipBlocked('2001:db8:ffff::1'));
  assert.ok(!s.ipBlocked('2001:db9::1'));
  assert.ok(s.ipBlocked('2a00:1450:0:0:0:0:0:1'));
  assert.ok(!s.ipBlocked(''));
  assert.ok(!new SiteShields([]).ipBlocked('1.2.3.4'));
});

test('country blocklist', () => {
  const s = new SiteShields([rule('country', 'ru'), rule('country', 'KP')]);
  assert.ok(s.countryBlocked('RU'));
  assert.ok(s.countryBlocked('KP'));
  assert.ok(!s.countryBlocked('EE'));
  assert.ok(!s.countryBlocked(''));
});

test('page blocklist with wildcards', () => {
  const s = new SiteShields([rule('page', '/admin*'), rule('page', '/blog/*/draft'), rule('page', '/exact')]);
  assert.ok(s.pageBlocked('/admin'));
  assert.ok(s.pageBlocked('/admin/users'));
  assert.ok(s.pageBlocked('/blog/2026/draft'));
  assert.ok(!s.pageBlocked('/blog/2026/final'));
  assert.ok(s.pageBlocked('/exact'));
  assert.ok(!s.pageBlocked('/exact/more'));
  assert.ok(!s.pageBlocked('/'));
});

test('hostname allowlist: empty allows all; patterns otherwise', () => {
  assert.ok(new SiteShields([]).hostnameAllowed('anything.example'));
  const s = new SiteShields([rule('hostname', 'example.com'), rule('hostname', '*.example.com')]);
  assert.ok(s.hostnameAllowed('example.com'));
  assert.ok(s.hostnameAllowed('blog.example.com'));
  assert.ok(!s.hostnameAllowed('example.com.evil.net'));
  assert.ok(!s.hostnameAllowed('localhost'));
});

test('validation', () => {
  for (const [k, v] of [['ip', '1.2.3'], ['ip', '1.2.3.4/33'], ['ip', '::1/129'], ['ip', '1.2.3.4/8/1'], ['country', 'RUS'], ['page', 'admin'], ['hostname', 'exa mple.com'], ['planet', 'x']] as const) {
    assert.equal(typeof normalizeShield(k, v), 'string', `${k} ${v}`);
  }
  assert.deepEqual(normalizeShield('country', ' de '), { kind: 'country', value: 'DE' });
  assert.ok(globMatcher('/a.b*')('/a.b/c'));
  assert.ok(!globMatcher('/a.b*')('/axb'));
  // bounded: length and wildcards, with a clear message
  assert.match(String(normalizeShield('page', '/' + '*'.repeat(MAX_WILDCARDS + 1))), /at most 10 wildcards/);
  assert.match(String(normalizeShield('hostname', '*.'.repeat(MAX_WILDCARDS + 1) + 'com')), /at most 10 wildcards/);
  assert.match(String(normalizeShield('page', '/' + 'a'.repeat(250))), /at most 250 characters/);
  assert.deepEqual(normalizeShield('page', '/' + '*/'.repeat(MAX_WILDCARDS)), { kind: 'page', value: '/' + '*/'.repeat(MAX_WILDCARDS) });
});

test('glob matching: the same answers as an anchored .* regular expression, on random patterns and strings', () => {
  const rand = seededRandom(7);
  const alphabet = ['a', 'b', '/', '.', '*'];
  const word = (n: number, chars: string[]) => Array.from({ length: Math.floor(rand() * n) }, () => chars[Math.floor(rand() * chars.length)]).join('');
  const reference = (p: string) => new RegExp('^' + p.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 's');
  for (let i = 0; i < 5000; i++) {
    const p = word(9, alphabet);
    const s = word(12, alphabet.slice(0, 4));
    assert.equal(globMatcher(p)(s), reference(p).test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`);
  }
});

test('glob matching cannot be made to backtrack: the attack patterns on long paths', () => {
  // With regular expressions (each * as .*), '/*/*/*/*.php' held an event 5 s on a 482-character path, and 7
  // wildcards more than 30 s on 101 characters. The largest allowed now: 30 page shields of 250 characters with 10
  // wildcards each, against the longest URL (2,000 bytes) that never matches.
  const shields = new SiteShields([
    rule('page', '/*/*/*/*.php'),
    rule('page', '/*a*a*a*a*a*a*a*b'),
    ...Array.from({ length: 28 }, (_, i) => rule('page', ('/' + '*a'.repeat(MAX_WILDCARDS) + 'x'.repeat(200)).slice(0, 248) + i)),
  ]);
  const paths = ['/' + 'a/'.repeat(240), '/' + 'a'.repeat(100), '/' + 'a'.repeat(1999), '/x/'.repeat(600)];
  const t0 = performance.now();
  for (let k = 0; k < 100; k++) for (const p of paths) assert.equal(shields.pageBlocked(p), false);
  const ms = performance.now() - t0;
  // 400 events against 30 shields: a few ms at most (the regular expressions took seconds for one); the bound is
  // generous so that a busy machine cannot fail it, and still far below what backtracking costs
  assert.ok(ms < 2000, `${ms.toFixed(1)} ms for 400 events`);
  assert.ok(shields.pageBlocked('/x/y/z/w.php'));
  assert.ok(shields.pageBlocked('/aaaaaaab'));
});
