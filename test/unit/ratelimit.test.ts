import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RATE_LIMIT, TokenBucketLimiter } from '../../src/ingest/ratelimit.js';

const site = (id: number, limit = DEFAULT_RATE_LIMIT) => ({ id, limit });

test('a burst of 120, then refused with a Retry-After', () => {
  const l = new TokenBucketLimiter();
  for (let i = 0; i < 120; i++) assert.deepEqual(l.take([site(1)], 0), { ok: true }, `event ${i}`);
  const r = l.take([site(1)], 0);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.retryAfterSeconds === 1);
});

test('refills at 600 a minute (one token per 100 ms)', () => {
  const l = new TokenBucketLimiter();
  for (let i = 0; i < 120; i++) l.take([site(1)], 0);
  assert.equal(l.take([site(1)], 50).ok, false);
  assert.equal(l.take([site(1)], 100).ok, true);
  assert.equal(l.take([site(1)], 150).ok, false);
  // a minute later: full again, but never above the burst
  for (let i = 0; i < 120; i++) assert.equal(l.take([site(1)], 60_100).ok, true);
  assert.equal(l.take([site(1)], 60_100).ok, false);
});

test('sustained 600 a minute passes, 700 a minute does not', () => {
  const steady = new TokenBucketLimiter();
  let refused = 0;
  for (let t = 0; t < 600_000; t += 100) if (!steady.take([site(1)], t).ok) refused++;
  assert.equal(refused, 0);
  const fast = new TokenBucketLimiter();
  refused = 0;
  for (let i = 0; i < 7000; i++) if (!fast.take([site(1)], Math.floor((i * 600_000) / 7000)).ok) refused++;
  assert.ok(refused >= 800 && refused <= 1000, `refused ${refused}`);
});

test('sites are isolated; a multi-site request is all or nothing', () => {
  const l = new TokenBucketLimiter();
  for (let i = 0; i < 120; i++) l.take([site(1)], 0);
  assert.equal(l.take([site(2)], 0).ok, true);
  assert.equal(l.take([site(2), site(1)], 0).ok, false);
  // site 2 lost no token to the refused request: 119 left
  for (let i = 0; i < 119; i++) assert.equal(l.take([site(2)], 0).ok, true, `token ${i}`);
  assert.equal(l.take([site(2)], 0).ok, false);
});

test('per-site limits', () => {
  const l = new TokenBucketLimiter();
  const small = { perMinute: 60, burst: 2 };
  assert.equal(l.take([site(3, small)], 0).ok, true);
  assert.equal(l.take([site(3, small)], 0).ok, true);
  const r = l.take([site(3, small)], 0);
  assert.ok(!r.ok && r.retryAfterSeconds === 1);
  assert.equal(l.take([site(3, small)], 1000).ok, true);
});
