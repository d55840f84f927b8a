import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { postEvent, startServer } from '../helpers/server.js';

/**
 * A node whose store is a ClickHouse server never loads the embedded engine: the native library (≈ 160 MB resident
 * as soon as it is imported) is absent from the process's memory map, and events still flow.
 */
const url = process.env.FOOTFALL_TEST_CLICKHOUSE_URL;
test('a node on a ClickHouse server does not load the embedded engine', { skip: url ? false : 'needs FOOTFALL_TEST_CLICKHOUSE_URL (CI sets it)' }, async () => {
  const srv = await startServer({ env: { FOOTFALL_CLICKHOUSE_URL: url!, FOOTFALL_CLICKHOUSE_DATABASE: `node_${process.pid}` } });
  try {
    const maps = fs.readFileSync(`/proc/${srv.proc.pid}/maps`, 'utf8');
    assert.equal(maps.split('\n').filter((l) => /chdb/i.test(l)).length, 0, 'libchdb is not mapped');
    const res = await postEvent(srv.url, { n: 'pageview', u: 'https://nowhere.example/', d: 'nowhere.example' });
    assert.equal(res.status, 202);
  } finally {
    await srv.stop();
  }
});
