import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeShield, SiteShields, wildcardRegExp, type ShieldRule } from '../../src/ingest/shields.js';

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
  assert.ok(wildcardRegExp('/a.b*').test('/a.b/c'));
  assert.ok(!wildcardRegExp('/a.b*').test('/axb'));
});
