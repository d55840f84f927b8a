import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ChdbBackend } from '../../src/store/chdb.js';
import { memoryError } from '../../src/store/backend.js';
import { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/server.js';

/**
 * The embedded engine under a small memory bound (128 MiB, a query 96 MiB) and rows of ≈ 60 KB of props: the
 * export's first page (2,000 rows ≈ 120 MB) is refused for memory by the engine itself, read again smaller, and
 * every row comes out once. The old export read these 3,000 rows of one hour as one page and failed.
 */
test('export under the engine memory bound: a page refused for memory is read again smaller, nothing lost', { timeout: 300_000 }, async () => {
  const chdb = ChdbBackend.open(path.join(tempDir(), 'chdb'), { maxMemoryBytes: 128 * 1024 * 1024 });
  let refusals = 0;
  const queryText = chdb.queryText.bind(chdb);
  chdb.queryText = async (sql: string) => {
    try {
      return await queryText(sql);
    } catch (err) {
      if (memoryError(err)) refusals++;
      throw err;
    }
  };
  const store = new Store(chdb, { db: 'footfall', flushRows: 1000, flushIntervalMs: 50, bufferMaxRows: 100_000, log: createLogger('error', () => {}) });
  try {
    await store.migrate();
    const N = 3000;
    const value = 'v'.repeat(2000);
    for (let from = 0; from < N; from += 25) {
      const lines = Array.from({ length: 25 }, (_, k) => {
        const i = from + k;
        return JSON.stringify({ timestamp: `2026-05-06 07:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, name: 'pageview', site_id: 1, user_id: String(i + 1), session_id: String(i + 1), hostname: 'e.com', pathname: `/m/${i}`, 'meta.key': Array.from({ length: 30 }, (_, j) => `k${j}`), 'meta.value': Array.from({ length: 30 }, () => value) });
      });
      // background merges of these wide parts share the bound: an insert refused for memory is sent again
      for (let attempt = 0; ; attempt++) {
        try {
          await store.insertBatch('events', Buffer.from(lines.join('\n')));
          break;
        } catch (err) {
          if (!memoryError(err) || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    // the merges of these wide parts share the bound: let them finish, so that the refusals below are the pages' own
    for (;;) {
      const [m] = await chdb.queryRows<{ n: string }>('SELECT count() AS n FROM system.merges');
      if (Number(m!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    let text = '';
    for await (const chunk of store.exportRows('events', 1, 'Etc/UTC')) text += chunk;
    const rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pathname: string });
    assert.equal(rows.length, N);
    assert.equal(new Set(rows.map((r) => r.pathname)).size, N);
    assert.ok(refusals >= 1, 'the engine refused a page for memory at least once (else this test proves nothing)');
  } finally {
    await store.close();
  }
});
