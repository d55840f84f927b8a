import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sipHash64, sipKey } from '../../src/ingest/visitor.js';

test('SipHash-2-4 reference vectors (key 00..0f)', () => {
  const key = sipKey(Buffer.from([...Array(16).keys()]));
  assert.equal(sipHash64(key, new Uint8Array(0)).toString(16), '726fdb47dd0e0e31');
  assert.equal(sipHash64(key, Uint8Array.from([...Array(15).keys()])).toString(16), 'a129ca6149be45e5');
});
