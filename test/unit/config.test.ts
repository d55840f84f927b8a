import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('tracker script name and event path: defaults, valid renames, refused values', () => {
  const d = loadConfig({});
  assert.equal(d.eventPath, '/api/event');
  assert.equal(d.trackerScriptName, undefined);
  assert.equal(d.trustForwardedProto, false);
  assert.equal(d.loginAttempts, 10);
  const r = loadConfig({ FOOTFALL_EVENT_PATH: '/api/collect', FOOTFALL_TRACKER_SCRIPT_NAME: 'insights', FOOTFALL_TRUST_FORWARDED_PROTO: 'on' });
  assert.deepEqual([r.eventPath, r.trackerScriptName, r.trustForwardedProto], ['/api/collect', 'insights', true]);
  for (const bad of ['api/collect', '/', '/a//b', '/a/', '/api/dashboard/x', '/js/x', '/assets/x', '/a b', '/a?x=1']) {
    assert.throws(() => loadConfig({ FOOTFALL_EVENT_PATH: bad }), ConfigError, bad);
  }
  for (const bad of ['a.b', 'x/y', 'a b', 'x'.repeat(65)]) assert.throws(() => loadConfig({ FOOTFALL_TRACKER_SCRIPT_NAME: bad }), ConfigError, bad);
  assert.throws(() => loadConfig({ FOOTFALL_TRUST_FORWARDED_PROTO: 'maybe' }), ConfigError);
});

test('write buffers: insert every second or at 10,000 rows by default (the memory bound), both settable', () => {
  const d = loadConfig({});
  assert.deepEqual([d.flushIntervalMs, d.flushRows], [1000, 10_000]);
  const r = loadConfig({ FOOTFALL_FLUSH_INTERVAL_MS: '250', FOOTFALL_FLUSH_ROWS: '500' });
  assert.deepEqual([r.flushIntervalMs, r.flushRows], [250, 500]);
  assert.throws(() => loadConfig({ FOOTFALL_FLUSH_INTERVAL_MS: '5' }), ConfigError);
});
