import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeDomain, parseEventBody, parseEventObject, parseRevenue } from '../../src/ingest/request.js';

const ok = (body: Record<string, unknown>) => {
  const r = parseEventObject(body);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.request;
};
const errs = (body: Record<string, unknown>) => {
  const r = parseEventObject(body);
  assert.ok(!r.ok);
  return r.errors;
};

test('long names win over short ones when both are present', () => {
  const r = ok({ name: 'long', n: 'short', url: 'https://a.com/', u: 'https://b.com/' });
  assert.equal(r.name, 'long');
  assert.equal(r.url, 'https://a.com/');
  assert.deepEqual(r.domains, ['a.com']);
});

test('domains: trimmed, lower-cased, www. removed, de-duplicated, blanks skipped', () => {
  assert.deepEqual(ok({ n: 'x', u: '/', d: ' WWW.A.com, b.com,,a.com ' }).domains, ['a.com', 'b.com']);
  assert.equal(normalizeDomain(' www.www.x.com '), 'www.x.com');
});

test('name: integers become strings; 120 characters counted as code points', () => {
  assert.equal(ok({ n: 0, u: '/', d: 'a' }).name, '0');
  assert.equal(ok({ n: '😀'.repeat(120), u: '/', d: 'a' }).name.length, 240);
  assert.deepEqual(errs({ n: '😀'.repeat(121), u: '/', d: 'a' }), { event_name: ['should be at most 120 character(s)'] });
});

test('url: relative urls are accepted; bad absolute ones are not', () => {
  assert.equal(ok({ n: 'x', u: '/path?q=1', d: 'a' }).url, '/path?q=1');
  assert.deepEqual(errs({ n: 'x', u: 'https://[bad', d: 'a' }), { url: ['must be a valid url'] });
  assert.deepEqual(errs({ n: 'x', u: 'DATA:text/plain,x', d: 'a' }), { url: ['scheme is not allowed'] });
  assert.deepEqual(errs({ n: 'x', u: '', d: 'a' }), { url: ['is required'] });
  assert.deepEqual(errs({ n: 'x', u: null, d: 'a' }), { url: ['is required'] });
  // 2,000 bytes, not characters
  assert.deepEqual(errs({ n: 'x', u: 'https://a.com/' + 'é'.repeat(994), d: 'a' }), { url: ['must be a valid url'] });
});

test('referrer is cut to 2,000 characters (code points)', () => {
  assert.equal([...(ok({ n: 'x', u: '/', d: 'a', r: '😀'.repeat(2100) }).referrer ?? '')].length, 2000);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', r: '' }).referrer, null);
});

test('props: filtering happens before the 30-pair cut; sizes in bytes', () => {
  const props: Record<string, unknown> = { a: null, b: {}, c: '' };
  for (let i = 0; i < 30; i++) props[`k${i}`] = i;
  const r = ok({ n: 'x', u: '/', d: 'a', p: props });
  assert.equal(r.props.length, 30);
  assert.deepEqual(r.props[0], ['k0', '0']);
  assert.deepEqual(errs({ n: 'x', u: '/', d: 'a', p: { ['é'.repeat(151)]: 'v' } }), {
    props: ['keys should have at most 300 bytes and values 2000 bytes'],
  });
  // untrimmed values are kept as sent
  assert.deepEqual(ok({ n: 'x', u: '/', d: 'a', p: { ' k ': ' v ' } }).props, [[' k ', ' v ']]);
});

test('revenue parsing', () => {
  assert.deepEqual(parseRevenue({ currency: 'eur', amount: '1322.22' }), { amount: '1322.220', currency: 'EUR' });
  assert.deepEqual(parseRevenue({ currency: 'USD', amount: -5 }), { amount: '-5.000', currency: 'USD' });
  assert.deepEqual(parseRevenue({ currency: 'USD', amount: '.5' }), { amount: '0.500', currency: 'USD' });
  assert.equal(parseRevenue({ currency: 'USD', amount: '0x10' }), null);
  assert.equal(parseRevenue({ currency: 'USD', amount: 'Infinity' }), null);
  assert.equal(parseRevenue({ currency: 'USD', amount: Number.NaN }), null);
  assert.equal(parseRevenue({ currency: 'EURO', amount: 1 }), null);
  assert.equal(parseRevenue({ currency: 'QQQ', amount: 1 }), null);
  assert.equal(parseRevenue(null), null);
  assert.deepEqual(parseRevenue({ currency: 'USD', amount: '99999999999.999' }), { amount: '99999999999.999', currency: 'USD' });
  assert.equal(parseRevenue({ currency: 'USD', amount: 100_000_000_000 }), null, 'beyond 15 significant digits');
});

test('interactive, hashMode, sd/e and v', () => {
  assert.equal(ok({ n: 'x', u: '/', d: 'a' }).interactive, true);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', i: false }).interactive, false);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', interactive: false }).interactive, false);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', h: 1 }).hashMode, true);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', h: 0 }).hashMode, false);
  const e = ok({ n: 'engagement', u: '/', d: 'a', sd: '101', e: '1500' });
  assert.equal(e.scrollDepth, 100);
  assert.equal(e.engagementTime, 1500);
  // invalid scroll depth → 255 (missing), invalid engagement time → 0; neither valid → 400
  for (const sd of [-1, '12asd', 'null', 1.5, null, [], undefined]) assert.equal(ok({ n: 'engagement', u: '/', d: 'a', sd, e: 10 }).scrollDepth, 255, String(sd));
  for (const e of [-1, 30 * 24 * 3600 * 1000, 'x', 2.5]) assert.equal(ok({ n: 'engagement', u: '/', d: 'a', sd: 5, e }).engagementTime, 0, String(e));
  assert.equal(ok({ n: 'engagement', u: '/', d: 'a', sd: 0 }).scrollDepth, 0, 'a valid 0 is kept');
  for (const bad of [{ sd: -1, e: -1 }, {}, { sd: 'x', e: 0 }]) {
    const r = parseEventObject({ n: 'engagement', u: '/', d: 'a', ...bad });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, { event_name: ["engagement event requires a valid integer value for at least one of 'sd' or 'e' fields"] });
  }
  assert.equal(ok({ n: 'pageview', u: '/', d: 'a', sd: 50 }).scrollDepth, null);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', v: 70000 }).trackerVersion, 0);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', v: '3' }).trackerVersion, 3);
});

test('parseEventBody refuses non-objects and bad UTF-8 with the parse error', () => {
  for (const b of ['', '[]', '"x"', 'null', '{', '{"a":1}x']) {
    const r = parseEventBody(Buffer.from(b));
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, { request: ['Unable to parse request body as json'] });
  }
  assert.ok(!parseEventBody(Buffer.from([0x7b, 0xff, 0x7d])).ok);
  assert.ok(parseEventBody(Buffer.from('{"n":"x","u":"/","d":"a"}')).ok);
});
