import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, postEvent, startServer, METRICS_AUTH } from '../helpers/server.js';

test('a full write buffer answers 503 with Retry-After, records nothing, and recovers', async () => {
  // Room for 3 rows per table; nothing is flushed by time during the test.
  const srv = await startServer({ env: { FOOTFALL_BUFFER_MAX_ROWS: '3', FOOTFALL_FLUSH_INTERVAL_MS: '3600000', FOOTFALL_FLUSH_ROWS: '1000' } });
  try {
    assert.equal((await cli(srv.dataDir, ['sites', 'add', 'full.example'])).code, 0);
    const send = () => postEvent(srv.url, { n: 'pageview', u: 'https://full.example/' });
    assert.equal((await send()).status, 202); // events 1, sessions 1
    const second = await send(); // needs 1 event row and up to 2 session rows: sessions would reach 3
    assert.equal(second.status, 202);
    const third = await send();
    assert.equal(third.status, 503);
    assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
    assert.ok(JSON.parse(third.text).errors.request[0]);
    const metrics = await (await fetch(`${srv.url}/metrics`, { headers: METRICS_AUTH })).text();
    assert.match(metrics, /^footfall_events_overloaded_total 1$/m);
    // an export writes the buffers out; then there is room again
    const exported = await cli(srv.dataDir, ['export', 'sessions', '--site', 'full.example']);
    const sessions = exported.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].pageviews, 2, 'the refused event did not move the session on');
    // the export's flush inserted a part into each table
    const after = await (await fetch(`${srv.url}/metrics`, { headers: METRICS_AUTH })).text();
    assert.match(after, /^footfall_store_active_parts\{table="events"\} [1-9]\d*$/m);
    assert.match(after, /^footfall_store_active_parts\{table="sessions"\} [1-9]\d*$/m);
    assert.match(after, /^footfall_store_repairs_total 0$/m);
    assert.equal((await send()).status, 202);
  } finally {
    await srv.stop();
  }
});

test('a full journal answers 503 with Retry-After, and accepts again once the store confirmed its rows', async () => {
  // Smallest bounds: 64 KiB segments, 1 MiB in all; nothing is flushed by time during the test.
  const srv = await startServer({
    env: {
      FOOTFALL_JOURNAL_SEGMENT_BYTES: String(64 * 1024),
      FOOTFALL_JOURNAL_MAX_BYTES: String(1024 * 1024),
      FOOTFALL_FLUSH_INTERVAL_MS: '3600000',
      FOOTFALL_FLUSH_ROWS: '1000000',
    },
  });
  try {
    assert.equal((await cli(srv.dataDir, ['sites', 'add', 'journal.example'])).code, 0);
    assert.equal((await cli(srv.dataDir, ['sites', 'rate-limit', 'journal.example', '--per-minute', '1000000', '--burst', '100000'])).code, 0);
    const pad = 'x'.repeat(1500);
    const send = (i: number) => postEvent(srv.url, { n: 'pageview', u: `https://journal.example/${i}?utm_content=${pad}` });
    let accepted = 0;
    let refused: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const r = await send(i);
      if (r.status === 202) accepted++;
      else refused = r;
    }
    assert.ok(refused, 'the journal filled up');
    assert.equal(refused.status, 503);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.ok(accepted > 100, `${accepted} accepted first`);
    const health = await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH });
    assert.equal(health.status, 500);
    assert.equal(((await health.json()) as { journal: { status: string } }).journal.status, 'full');
    // an export writes the buffers out: the rows are confirmed, their segments deleted, and there is room again
    const exported = await cli(srv.dataDir, ['export', 'events', '--site', 'journal.example']);
    assert.equal(exported.stdout.split('\n').filter(Boolean).length, accepted);
    assert.equal((await send(99_999)).status, 202);
    assert.equal((await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH })).status, 200);
  } finally {
    await srv.stop();
  }
});
