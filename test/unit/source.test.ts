import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReferrer } from '../../src/ingest/source.js';

test('stored referrer format and host', () => {
  assert.deepEqual(parseReferrer('https://www.google.co.uk/search?q=x', 'e.com'), { referrer: 'google.co.uk/search', host: 'google.co.uk' });
  assert.deepEqual(parseReferrer('https://news.ycombinator.com/', 'e.com'), { referrer: 'news.ycombinator.com', host: 'news.ycombinator.com' });
  assert.deepEqual(parseReferrer('https://a.com/x///', 'e.com'), { referrer: 'a.com/x', host: 'a.com' });
});

test('invalid, local and self referrers are none', () => {
  for (const r of [null, '', 'nonsense', 'ftp://a.com/', 'javascript:alert(1)', 'http://localhost/', 'https://www.e.com/other', 'file:///etc/passwd']) {
    assert.deepEqual(parseReferrer(r, 'e.com'), { referrer: '', host: '' }, String(r));
  }
});

test('android-app referrers keep their scheme', () => {
  assert.deepEqual(parseReferrer('android-app://com.slack/', 'e.com'), { referrer: 'android-app://com.slack', host: 'android-app://com.slack' });
});
