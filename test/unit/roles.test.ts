import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, higher, mayManage, ROLES, SETTING_CAPABILITY, type Capability } from '../../src/core/roles.js';
import { newRecoveryCodes, newTotpSecret, recoveryHash, seal, sealKeyFrom, totpCode, unseal, verifyTotp } from '../../src/core/two-factor.js';

test('capabilities by role, as Plausible CE defines them', () => {
  const table: Record<Capability, string[]> = {
    view: ['owner', 'admin', 'editor', 'viewer'],
    settings: ['owner', 'admin', 'editor'],
    members: ['owner', 'admin'],
    'add-site': ['owner', 'admin'],
    owners: ['owner'],
    'delete-site': ['owner'],
    transfer: ['owner'],
  };
  for (const [cap, roles] of Object.entries(table) as Array<[Capability, string[]]>) {
    assert.deepEqual(ROLES.filter((r) => can(r, cap)), roles, cap);
    assert.equal(can(undefined, cap), false);
  }
  assert.equal(higher('viewer', 'admin'), 'admin');
  assert.equal(higher(undefined, 'editor'), 'editor');
  for (const cap of Object.values(SETTING_CAPABILITY)) assert.ok(cap in table);
});

test('who may give which role: admins manage everyone but owners; only owners touch owners', () => {
  assert.equal(mayManage('admin', 'admin'), true);
  assert.equal(mayManage('admin', 'viewer', 'editor'), true);
  assert.equal(mayManage('admin', 'owner'), false);
  assert.equal(mayManage('admin', 'viewer', 'owner'), false);
  assert.equal(mayManage('owner', 'owner'), true);
  assert.equal(mayManage('editor', 'viewer'), false);
  assert.equal(mayManage(undefined, 'viewer'), false);
});

test('TOTP: RFC 6238 codes, ±1 step, each step once', () => {
  const { secret, uri } = newTotpSecret('a@b.test');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(uri, /^otpauth:\/\/totp\/Footfall:a%40b\.test\?/);
  const t = Date.parse('2026-12-07T12:00:10Z');
  const step = Math.floor(t / 30_000);
  assert.equal(verifyTotp(secret, totpCode(secret, t), t, 0), step);
  assert.equal(verifyTotp(secret, totpCode(secret, t - 30_000), t, 0), step - 1, 'the step before');
  assert.equal(verifyTotp(secret, totpCode(secret, t - 90_000), t, 0), null, 'too old');
  assert.equal(verifyTotp(secret, totpCode(secret, t), t, step), null, 'used already');
  assert.equal(verifyTotp(secret, 'abcdef', t, 0), null);
  // RFC 6238's SHA-1 test vector: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits: 287082
  assert.equal(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000), '287082');
});

test('recovery codes and sealed secrets', () => {
  const { codes, hashes } = newRecoveryCodes();
  assert.equal(new Set(codes).size, 10);
  assert.equal(recoveryHash(codes[0]!.toUpperCase().replace('-', ' ')), hashes[0], 'case and separators do not matter');
  const key = sealKeyFrom(Buffer.alloc(32, 7));
  const sealed = seal(key, 'JBSWY3DPEHPK3PXP');
  assert.notEqual(sealed, seal(key, 'JBSWY3DPEHPK3PXP'), 'a new IV each time');
  assert.equal(unseal(key, sealed), 'JBSWY3DPEHPK3PXP');
  assert.throws(() => unseal(sealKeyFrom(Buffer.alloc(32, 8)), sealed), 'another key cannot open it');
  const [v, iv, tag, body] = sealed.split('.');
  assert.throws(() => unseal(key, [v, iv, tag, Buffer.from('x' + body).toString('base64url')].join('.')), 'tampering is detected');
});
