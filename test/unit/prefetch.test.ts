import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueryPrefetch, type QueryLine } from '../../src/http/dashboard-prefetch.js';

function setup() {
  let now = 1_000_000;
  const ran: string[] = [];
  const p = new QueryPrefetch({
    run: async (body, siteId): Promise<QueryLine> => {
      ran.push(`${siteId}:${JSON.stringify(body)}`);
      return { status: 200, body: { results: [{ metrics: [ran.length], dimensions: [] }] } };
    },
    ttlMs: 15_000,
    windowMs: 3_000,
    maxViews: 2,
    maxPages: 3,
    now: () => now,
  });
  return { p, ran, tick: (ms: number) => (now += ms) };
}
const A = { site_id: 'a.com', metrics: ['visitors'], date_range: '30d' };
const B = { site_id: 'a.com', metrics: ['visitors'], dimensions: ['visit:source'], date_range: '30d' };
const C = { site_id: 'a.com', metrics: ['pageviews'], date_range: '30d' };

describe('dashboard prefetch', () => {
  test('a view’s second page load gets the queries its first load asked, started when the page was served', async () => {
    const { p, ran, tick } = setup();
    const first = p.pageServed(7, 1, '?period=30d');
    assert.equal(ran.length, 0, 'nothing known about this view yet');
    assert.equal(p.take(first, 7, 1, A), undefined);
    assert.equal(p.take(first, 7, 1, B), undefined);
    tick(60_000);
    const second = p.pageServed(7, 1, '?period=30d');
    assert.deepEqual(ran, [`1:${JSON.stringify(A)}`, `1:${JSON.stringify(B)}`], 'started at once, before the page asks');
    const a = await p.take(second, 7, 1, A);
    assert.equal(a?.status, 200);
    assert.equal(p.take(second, 7, 1, A), undefined, 'an answer is handed over once');
    assert.equal(p.stats.used, 1);
    assert.equal(ran.length, 2);
  });

  test('only to the same user, for the same site, within the time to live; other views and users are apart', async () => {
    const { p, ran, tick } = setup();
    p.take(p.pageServed(7, 1, ''), 7, 1, A);
    const t = p.pageServed(7, 1, '');
    assert.equal(p.take(t, 8, 1, A), undefined, 'another user');
    assert.equal(p.take(t, 7, 2, A), undefined, 'another site');
    assert.equal(p.take('forged', 7, 1, A), undefined);
    assert.equal(p.take(undefined, 7, 1, A), undefined);
    p.pageServed(8, 1, '');
    p.pageServed(7, 1, '?f=1');
    assert.equal(ran.length, 1, 'other users and other views have nothing remembered');
    tick(16_000);
    assert.equal(p.take(t, 7, 1, A), undefined, 'too late: the page asks again itself');
  });

  test('what the page asks after the first seconds is not remembered; a new load replaces what the view asked', async () => {
    const { p, ran, tick } = setup();
    const t1 = p.pageServed(7, 1, '');
    p.take(t1, 7, 1, A);
    tick(5_000);
    p.take(t1, 7, 1, C); // a click later on: not part of the first view
    const t2 = p.pageServed(7, 1, '');
    assert.deepEqual(ran, [`1:${JSON.stringify(A)}`]);
    p.take(t2, 7, 1, B); // this time the panels asked B only
    await p.take(t2, 7, 1, A);
    ran.length = 0;
    p.pageServed(7, 1, '');
    assert.deepEqual(ran, [`1:${JSON.stringify(B)}`, `1:${JSON.stringify(A)}`]);
  });

  test('bounded: views remembered, pages in flight; unasked answers are counted as wasted', () => {
    const { p, ran, tick } = setup();
    for (const v of ['1', '2', '3']) p.take(p.pageServed(7, 1, v), 7, 1, A);
    tick(20_000);
    ran.length = 0;
    for (const v of ['1', '2', '3']) p.pageServed(7, 1, v);
    assert.equal(ran.length, 2, 'the least recently served view was forgotten');
    p.pageServed(7, 1, '2');
    assert.equal(ran.length, 2, 'three pages in flight: a fourth is served without prefetching');
    tick(20_000);
    p.pageServed(7, 1, '9');
    assert.equal(p.stats.wasted, 2);
  });
});
