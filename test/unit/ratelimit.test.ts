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

test('one client takes at most its share of a site’s bucket; other clients still get in', () => {
  const l = new TokenBucketLimiter(0.2);
  let admitted = 0;
  for (let i = 0; i < 200; i++) if (l.take([site(1)], 0, '6.6.6.6').ok) admitted++;
  assert.equal(admitted, 24, 'a fifth of the burst of 120');
  for (let v = 0; v < 50; v++) assert.equal(l.take([site(1)], 0, `10.0.0.${v}`).ok, true, `visitor ${v}`);
  // the outsider keeps sending at 30/s: it gets its share of the refill (120 a minute = 2/s), visitors still get in
  let outsider = 0;
  for (let t = 1; t <= 10_000; t += 33) if (l.take([site(1)], t, '6.6.6.6').ok) outsider++;
  assert.ok(outsider <= 21, `${outsider} in 10 s`);
  assert.equal(l.take([site(1)], 10_000, '10.9.9.9').ok, true);
  // all or none: a refused client share takes nothing from the site
  const m = new TokenBucketLimiter(0.5);
  for (let i = 0; i < 60; i++) m.take([site(2)], 0, 'a');
  assert.equal(m.take([site(2)], 0, 'a').ok, false);
  for (let i = 0; i < 60; i++) assert.equal(m.take([site(2)], 0, `b${i}`).ok, true);
  assert.equal(m.take([site(2)], 0, 'c').ok, false, 'the site bucket is empty now');
});
