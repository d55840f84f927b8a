import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveFromUrl } from '../../src/ingest/url.js';

test('hostname and pathname', () => {
  assert.deepEqual([deriveFromUrl('https://WWW.Example.COM/A', false).hostname, deriveFromUrl('https://WWW.Example.COM/A', false).pathname], ['example.com', '/A']);
  assert.equal(deriveFromUrl('/x', false).hostname, '(none)');
  assert.equal(deriveFromUrl('app://localhost/login', false).pathname, '/login');
  assert.equal(deriveFromUrl('https://e.com/%2Fencoded%2F', false).pathname, '//encoded/');
  assert.equal(deriveFromUrl('https://e.com/a\t', false).pathname, '/a');
  assert.equal(deriveFromUrl('https://e.com/#/x?y=1', true).pathname, '/#/x?y=1');
});

test('UTM parameters and tagged source precedence', () => {
  const u = deriveFromUrl('https://e.com/?utm_source=Google&source=s&ref=r&utm_medium=cpc&utm_campaign=c&utm_content=ct&utm_term=t+erm', false);
  assert.equal(u.taggedSource, 'Google');
  assert.equal(u.utm_medium, 'cpc');
  assert.equal(u.utm_campaign, 'c');
  assert.equal(u.utm_content, 'ct');
  assert.equal(u.utm_term, 't erm');
  assert.equal(deriveFromUrl('https://e.com/?utm_source=&source=s', false).taggedSource, 's');
  assert.equal(deriveFromUrl('https://e.com/?ref=r', false).taggedSource, 'r');
  assert.equal(deriveFromUrl('https://e.com/', false).taggedSource, '');
});

test('click ids: the first of the list that is present', () => {
  assert.equal(deriveFromUrl('https://e.com/?twclid=1&gbraid=2', false).click_id_param, 'gbraid');
  assert.equal(deriveFromUrl('https://e.com/?fbclid=', false).click_id_param, 'fbclid');
  assert.equal(deriveFromUrl('https://e.com/?GCLID=1', false).click_id_param, '');
});
