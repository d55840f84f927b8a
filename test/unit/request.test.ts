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

test('Plausible’s lookup: the short key first, absent/null/false fall through to the long one; m wins over p', () => {
  const r = ok({ name: 'long', n: 'short', url: 'https://a.com/', u: 'https://b.com/' });
  assert.equal(r.name, 'short');
  assert.equal(r.url, 'https://b.com/');
  assert.deepEqual(r.domains, ['b.com']);
  assert.equal(ok({ n: null, name: 'long', u: '/', d: 'a' }).name, 'long');
  assert.equal(ok({ n: 'x', u: false, url: 'https://c.com/', d: 'a' }).url, 'https://c.com/');
  assert.deepEqual(ok({ n: 'x', u: '/', d: 'a', m: { from: 'm' }, p: { from: 'p' } }).props, [['from', 'm']]);
  assert.deepEqual(ok({ n: 'x', u: '/', d: 'a', meta: { from: 'meta' }, props: { from: 'props' } }).props, [['from', 'meta']]);
  assert.deepEqual(ok({ n: 'x', u: '/', d: 'a', m: null, p: { from: 'p' } }).props, [['from', 'p']]);
});

test('wrong types: "is invalid" for names and hash mode; a non-string domain falls back to the url host', () => {
  for (const n of [1.5, true, ['a'], { a: 1 }]) {
    const r = parseEventObject({ n, u: '/', d: 'a' });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, { event_name: ['is invalid'] }, JSON.stringify(n));
  }
  for (const h of [true, 1.5, 'abc', [1]]) {
    const r = parseEventObject({ n: 'x', u: '/', d: 'a', h });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, { hash_mode: ['is invalid'] }, JSON.stringify(h));
  }
  assert.equal(ok({ n: 'x', u: '/', d: 'a', h: '1' }).hashMode, true);
  assert.equal(ok({ n: 'x', u: '/', d: 'a', h: 2 }).hashMode, false, 'only 1 turns hash mode on');
  assert.deepEqual(ok({ n: 'x', u: 'https://www.shop.com/', d: 42 }).domains, ['shop.com']);
  assert.deepEqual(ok({ n: 'x', u: 'https://shop.com/', d: { a: 1 } }).domains, ['shop.com']);
});

test('form-encoded bodies are accepted with their Content-Type', () => {
  const body = Buffer.from('n=pageview&u=https%3A%2F%2Fa.com%2Fx&d=a.com&p=%7B%22k%22%3A%22v%22%7D');
  assert.ok(!parseEventBody(body).ok, 'not JSON, and no form Content-Type');
  const r = parseEventBody(body, 'application/x-www-form-urlencoded; charset=UTF-8');
  assert.ok(r.ok);
  assert.equal(r.request.url, 'https://a.com/x');
  assert.deepEqual(r.request.props, [['k', 'v']]);
  assert.deepEqual(parseEventBody(Buffer.from(''), 'application/x-www-form-urlencoded'), { ok: false, errors: { request: ['Unable to parse request body as json'] } });
});

test('404, Form: Submission and WP Form Completions get the page as a path prop, first, unless they have one', async () => {
  const { baseEventRow } = await import('../../src/ingest/event.js');
  const { deriveFromUrl } = await import('../../src/ingest/url.js');
  const row = (body: Record<string, unknown>) => {
    const r = ok({ u: 'https://a.com/missing/page#x', d: 'a.com', ...body });
    return baseEventRow(1, r, deriveFromUrl(r.url, r.hashMode), new Date());
  };
  for (const n of [404, '404', 'Form: Submission', 'WP Form Completions']) {
    const r = row({ n, p: { a: 'b' } });
    assert.deepEqual([r['meta.key'], r['meta.value']], [['path', 'a'], ['/missing/page', 'b']], String(n));
  }
  assert.deepEqual(row({ n: '404', h: 1 })['meta.value'], ['/missing/page#x'], 'hash-mode aware');
  assert.deepEqual(row({ n: '404', p: { path: '/sent' } })['meta.value'], ['/sent'], 'an explicit path is kept');
  assert.deepEqual(row({ n: 'Signup', p: { a: 'b' } })['meta.key'], ['a']);
  const thirty = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
  const full = row({ n: '404', p: thirty })['meta.key'];
  assert.equal(full.length, 30);
  assert.equal(full[0], 'path');
  assert.equal(full[29], 'k28', 'the path survives the 30-prop cut');
});

test("domains: trimmed, a lower-case www. removed, de-duplicated, blanks skipped; the case kept (Plausible's match)", () => {
  assert.deepEqual(ok({ n: 'x', u: '/', d: ' www.a.com, b.com,,a.com, WWW.C.com, A.com ' }).domains, ['a.com', 'b.com', 'WWW.C.com', 'A.com']);
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
