import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePassword, hashPassword, needsRehash, verifyPassword } from '../../src/core/password.js';
import { scryptSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Accounts } from '../../src/core/accounts.js';
import { ChdbBackend } from '../../src/store/chdb.js';
import { migrate } from '../../src/store/migrate.js';
import { AccountsRepo } from '../../src/store/accounts-repo.js';
import { tempDir } from '../helpers/server.js';
import { AccountSlowdown, AttemptLimiter, cookieHeader, readCookie, sameOrigin } from '../../src/http/dashboard-auth.js';
import { validateEmail } from '../../src/core/accounts.js';
import type { IncomingMessage } from 'node:http';

test('scrypt hashes: salted, verifiable, and refuse wrong or malformed input', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, 'a new salt each time');
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horsE', a), false);
  assert.equal(await verifyPassword('', a), false);
  for (const bad of ['', 'plain', 'scrypt$1$8$1$x$y', 'scrypt$32768$8$1$c2FsdA$short', 'bcrypt$32768$8$1$a$b', a.replace('131072', '2097152')]) {
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

/** A hash as the earlier builds made it: scrypt N = 2^15. */
function oldHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 128 * (1 << 15) * 8 * 2 });
  return `scrypt$32768$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

test('hashes of older parameters verify, and are made again at the next login', async () => {
  const old = oldHash('correct horse battery');
  assert.equal(needsRehash(old), true);
  assert.equal(needsRehash(await hashPassword('x')), false);
  assert.equal(await verifyPassword('correct horse battery', old), true);
  const backend = ChdbBackend.open(path.join(tempDir(), 'chdb'));
  try {
    await migrate(backend, 'acc');
    const repo = new AccountsRepo(backend, 'acc');
    await repo.writeUser({ email: 'old@example.com', passwordHash: old }, false);
    const accounts = new Accounts(repo);
    await accounts.load();
    assert.equal(await accounts.login('old@example.com', 'wrong password'), null);
    assert.equal((await repo.listUsers())[0]!.passwordHash, old, 'a failed login changes nothing');
    assert.ok(await accounts.login('old@example.com', 'correct horse battery'));
    const stored = (await repo.listUsers())[0]!.passwordHash;
    assert.match(stored, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    const again = new Accounts(repo);
    await again.load();
    assert.ok(await again.login('old@example.com', 'correct horse battery'), 'the new hash logs in after a restart');
  } finally {
    await backend.close();
  }
});

test('per-account slowdown: free failures, then doubling waits after the last, capped; never a long lock', () => {
  const s = new AccountSlowdown(3, 15 * 60_000, 60);
  for (let i = 0; i < 3; i++) {
    assert.equal(s.retryAfter('a@x', i * 1000), 0);
    s.fail('a@x', i * 1000);
  }
  assert.equal(s.retryAfter('a@x', 2000), 1, 'the first failure past the free ones: 1 s after the last');
  assert.equal(s.retryAfter('a@x', 3000), 0);
  for (let i = 0; i < 20; i++) s.fail('a@x', 3000);
  assert.equal(s.retryAfter('a@x', 3000), 60, 'capped at 60 s however many failures');
  assert.equal(s.retryAfter('a@x', 63_000), 0);
  assert.equal(s.retryAfter('b@x', 3000), 0, 'other accounts are not affected');
});

test('a malformed cookie reads as none', () => {
  const req = { headers: { cookie: 'ff_session=%E0%A4%A' }, socket: {} } as unknown as IncomingMessage;
  assert.equal(readCookie(req, 'ff_session'), undefined);
});
