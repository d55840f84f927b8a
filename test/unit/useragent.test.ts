import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UaService } from '../../src/ingest/ua-service.js';
import { createDetector, foldBrowser, majorMinor, parseUserAgent, screenSize } from '../../src/ingest/useragent.js';
import { UA_CORPUS } from '../fixtures/user-agents.js';

const detector = createDetector();

describe('User-Agent corpus', () => {
  for (const c of UA_CORPUS) {
    test(c.name, () => {
      const info = parseUserAgent(detector, c.ua);
      if (c.bot) {
        assert.notEqual(info.bot, '', `expected a bot: ${c.ua}`);
        return;
      }
      assert.equal(info.bot, '', `not a bot: ${info.bot}`);
      if (c.browser !== undefined) assert.equal(info.browser, c.browser);
      if (c.browser_version !== undefined) assert.equal(info.browser_version, c.browser_version);
      if (c.os !== undefined) assert.equal(info.operating_system, c.os);
      if (c.os_version !== undefined) assert.equal(info.operating_system_version, c.os_version);
      if (c.screen !== undefined) assert.equal(info.screen_size, c.screen);
    });
  }
});

test('mappings', () => {
  assert.equal(screenSize('phablet'), 'Mobile');
  assert.equal(screenSize('car browser'), 'Tablet');
  assert.equal(screenSize('console'), 'Desktop');
  assert.equal(screenSize('smart speaker'), '');
  assert.equal(foldBrowser('Chrome Mobile iOS', 'browser'), 'Chrome');
  assert.equal(foldBrowser('Opera Mini', 'browser'), 'Opera');
  assert.equal(foldBrowser('WhatsApp', 'mobile app'), 'Mobile App');
  assert.equal(majorMinor('131.0.6778.73'), '131.0');
  assert.equal(majorMinor('14'), '14');
  assert.equal(majorMinor(''), '');
});

test('empty and overlong User-Agents', () => {
  assert.equal(parseUserAgent(detector, '').browser, '');
  assert.equal(parseUserAgent(detector, '').bot, '');
  const long = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 ' + 'x'.repeat(100_000);
  assert.equal(parseUserAgent(detector, long).browser, 'Chrome');
});

test('UaService: parses on the worker, caches, shares concurrent misses', async () => {
  const svc = new UaService({ cacheSize: 10 });
  try {
    const ua = UA_CORPUS[0]!.ua;
    assert.equal(svc.cached(ua), undefined);
    const [a, b] = await Promise.all([svc.resolve(ua), svc.resolve(ua)]);
    assert.equal(a?.browser, 'Chrome');
    assert.equal(a, b);
    assert.equal(svc.misses, 2);
    const c = svc.resolve(ua);
    assert.ok(c !== null && !('then' in c));
    assert.equal(svc.hits, 1);
    assert.equal(svc.size, 1);
  } finally {
    await svc.close();
  }
});

test('UaService: a full parse queue sheds new User-Agents (null) but still drops the bots isbot knows', async () => {
  const svc = new UaService({ cacheSize: 1000, maxQueue: 2 });
  try {
    const chrome = (i: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.${i}.0 Safari/537.36`;
    const queued = [svc.resolve(chrome(1)), svc.resolve(chrome(2))];
    assert.ok(queued.every((q) => q !== null && 'then' in q), 'two parses queued');
    assert.equal(svc.resolve(chrome(3)), null, 'the third is shed');
    assert.equal(svc.shed, 1);
    const bot = svc.resolve('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) x1');
    assert.ok(bot !== null && !('then' in bot) && bot.bot === 'isbot', 'a known bot is classified without the parser');
    const done = await Promise.all(queued);
    assert.deepEqual(done.map((d) => d?.browser), ['Chrome', 'Chrome']);
    const again = svc.resolve(chrome(3));
    assert.ok(again !== null && 'then' in again, 'room again once the queue drained');
    assert.equal((await again)?.browser, 'Chrome');
  } finally {
    await svc.close();
  }
});
