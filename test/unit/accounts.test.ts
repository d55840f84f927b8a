import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePassword, hashPassword, verifyPassword } from '../../src/core/password.js';
import { AttemptLimiter, cookieHeader, readCookie, sameOrigin } from '../../src/http/dashboard-auth.js';
import { validateEmail } from '../../src/core/accounts.js';
import type { IncomingMessage } from 'node:http';

test('scrypt hashes: salted, verifiable, and refuse wrong or malformed input', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, 'a new salt each time');
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horsE', a), false);
  assert.equal(await verifyPassword('', a), false);
  for (const bad of ['', 'plain', 'scrypt$1$8$1$x$y', 'scrypt$32768$8$1$c2FsdA$short', 'bcrypt$32768$8$1$a$b', a.replace('32768', '2097152')]) {
    assert.equal(await verifyPassword('correct horse', bad), false, bad);
  }
  assert.equal(await verifyPassword('ﬀ', await hashPassword('ff')), true, 'NFKC: the same password however it was typed');
  assert.match(generatePassword(), /^[A-Za-z0-9_-]{24}$/);
});

test('failed attempts: a sliding window per key, bounded in memory', () => {
  const l = new AttemptLimiter(3, 60_000);
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfter('ip:1', 1000 * i), 0);
    l.fail('ip:1', 1000 * i);
  }
  assert.equal(l.retryAfter('ip:1', 5000), 55, 'until the oldest failure leaves the window');
  assert.equal(l.retryAfter('ip:2', 5000), 0, 'other keys are not affected');
  assert.equal(l.retryAfter('ip:1', 60_001), 0);
  for (let i = 0; i < 120_000; i++) l.fail(`flood:${i}`, 1);
  assert.ok((l as unknown as { fails: Map<string, number[]> }).fails.size <= 100_000);
});

test('cookies, origins and emails', () => {
  const req = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;
  assert.equal(readCookie(req({ cookie: 'a=1; ff_session=abc%2Fd; b=2' }), 'ff_session'), 'abc/d');
  assert.equal(readCookie(req({ cookie: 'xff_session=1' }), 'ff_session'), undefined);
  assert.equal(cookieHeader('ff_session', 't', 60, true), 'ff_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure');
  assert.equal(sameOrigin(req({ host: 'stats.example:8000', origin: 'http://stats.example:8000' })), true);
  assert.equal(sameOrigin(req({ host: 'stats.example:8000', origin: 'https://stats.example:8000' })), true, 'behind a TLS proxy the scheme differs');
  assert.equal(sameOrigin(req({ host: 'stats.example', origin: 'https://evil.example' })), false);
  assert.equal(sameOrigin(req({ host: 'stats.example', origin: 'null' })), false);
  assert.equal(sameOrigin(req({ host: 'stats.example', origin: '::' })), false);
  assert.equal(sameOrigin(req({ host: 'stats.example', 'sec-fetch-site': 'same-origin' })), true);
  assert.equal(sameOrigin(req({ host: 'stats.example' })), false);
  assert.equal(validateEmail(' Ada@Example.COM '), 'ada@example.com');
  for (const bad of ['', 'ada', 'ada@', '@example.com', 'a b@example.com', 'ada@example', `${'a'.repeat(250)}@example.com`]) assert.throws(() => validateEmail(bad), /not an email/, bad);
});
