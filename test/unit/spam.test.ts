import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpamList } from '../../src/ingest/spam.js';

test('the shipped referrer-spam list', () => {
  const spam = SpamList.load();
  assert.ok(spam.size > 2000, `${spam.size} hosts`);
  for (const h of ['semalt.com', 'www.semalt.com', 'darodar.com', 'buttons-for-website.com', 'ilovevitaly.ru', 'sub.best-seo-offer.com', 'QIWI.xyz']) {
    assert.ok(spam.isSpam(h), h);
  }
  for (const h of ['google.com', 'example.com', 'semalt.com.example.org', 'notsemalt.com', 'com']) assert.ok(!spam.isSpam(h), h);
});
