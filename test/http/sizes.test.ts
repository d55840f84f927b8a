import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admin, BROWSER_UA, exportRows, newKey, startServer } from '../helpers/server.js';

/**
 * No request fails for size, on every backend: a site with as many long page goals as it may have, hostile and
 * maximal events (props at their limits, escaped characters, thousands of UTM combinations), then the export, the
 * goal and channel breakdowns and a city-name filter answer 200; a query too large for the store and filters nested
 * too deep answer 400 with a JSON error, never 500.
 */
const backends: Array<[string, Record<string, string>]> = [['embedded store', {}]];
if (process.env.FOOTFALL_TEST_CLICKHOUSE_URL) {
  backends.push(['ClickHouse server', { FOOTFALL_CLICKHOUSE_URL: process.env.FOOTFALL_TEST_CLICKHOUSE_URL, FOOTFALL_CLICKHOUSE_DATABASE: `sizes_${process.pid}` }]);
}

for (const [name, env] of backends) {
  test(`no answer fails for size (${name})`, { timeout: 300_000 }, async () => {
    const srv = await startServer({ env: { FOOTFALL_RATE_LIMIT_PER_MINUTE: '0', ...env } });
    try {
      const site = 'sizes.test';
      assert.equal((await admin(srv.dataDir, 'POST', '/admin/sites', { domain: site })).status, 201);
      const key = await newKey(srv.dataDir);
      // page goals of long patterns until the site's budget refuses one, clearly
      let goals = 0;
      for (;;) {
        const r = await admin(srv.dataDir, 'POST', `/admin/goals/${site}`, { page: `/g${goals}/${'seg*/'.repeat(200)}**` });
        if (r.status !== 201) {
          assert.equal(r.status, 400);
          assert.match(r.data.error, /goals take at most 64 KiB/);
          break;
        }
        goals++;
      }
      assert.ok(goals >= 10, `${goals} goals`);

      const hostile = ['\u0000', '"\\', '\n\r\t', '😀', "'; DROP TABLE events; --", '\ud800'];
      // a value of just under the 2,000-byte limit (a lone surrogate is stored as U+FFFD, 3 bytes)
      const fill = (h: string) => h.repeat(Math.floor(1900 / Math.max(3, Buffer.byteLength(h))));
      const sent: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < 600) {
          const i = next++;
          const p = i % 4 === 0 ? Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`k${k}${hostile[k % hostile.length]}`, fill(hostile[(i + k) % hostile.length]!)])) : { plan: 'pro' };
          const body = { n: i % 5 === 0 ? 'Signup' : 'pageview', u: `https://${site}/g${i % 9}/${'seg/'.repeat(3)}x/${i}?utm_source=s${i}&utm_medium=m${i % 7}&utm_campaign=${encodeURIComponent(hostile[i % 5]!)}`, d: site, p };
          const r = await fetch(`${srv.url}/api/event`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, 'x-forwarded-for': `10.9.${(i >> 8) & 255}.${i & 255}` }, body: JSON.stringify(body) });
          await r.text();
          assert.equal(r.status, 202, `event ${i}`);
          sent.push(`/g${i % 9}/seg/seg/seg/x/${i}`);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));

      const events = await exportRows(srv.url, key, 'events', site);
      const stored = new Set(events.map((r) => String(r.pathname)));
      for (const p of sent) assert.ok(stored.has(p), `${p} exported`);
      assert.ok((await exportRows(srv.url, key, 'sessions', site)).length > 0);

      const query = (body: Record<string, unknown>) =>
        fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: site, date_range: 'all', ...body }) });
      // the stats API waits for nothing: the export flushed the buffers
      for (const body of [
        { metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] },
        { metrics: ['visitors'], dimensions: ['visit:channel'] },
        { metrics: ['visitors'], dimensions: ['visit:channel'] },
        { metrics: ['visitors'], filters: [['contains', 'visit:city_name', ['a']]] },
        { metrics: ['visitors', 'pageviews'], dimensions: ['event:props:k0\u0000'] },
      ]) {
        const r = await query(body);
        assert.equal(r.status, 200, `${JSON.stringify(body).slice(0, 100)}: ${await r.clone().text()}`);
        await r.text();
      }
      const tooLarge = await query({ metrics: ['visitors'], filters: [['is', 'event:page', Array.from({ length: 1000 }, (_, i) => `/${i}/${'v'.repeat(400)}`)]] });
      assert.equal(tooLarge.status, 400);
      assert.match(((await tooLarge.json()) as { error: string }).error, /too large for the store/);
      const nest = (n: number): unknown => (n === 0 ? ['is', 'event:page', ['/']] : ['not', nest(n - 1)]);
      const deep = await query({ metrics: ['visitors'], filters: [nest(600)] });
      assert.equal(deep.status, 400);
      assert.match(((await deep.json()) as { error: string }).error, /nest at most 20 levels/);
      assert.doesNotMatch(srv.logs(), /"level":"error"/);
    } finally {
      await srv.stop();
    }
  });
}
