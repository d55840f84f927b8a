import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChdbBackend } from '../../src/store/chdb.js';
import { tempDir } from '../helpers/server.js';

// The embedded store keeps one writer connection and several readers on the same directory, so that reads run in
// parallel (one chdb connection runs one statement at a time) and inserts never queue behind a dashboard's reads.
describe('embedded store: connections', () => {
  let b: ChdbBackend;
  before(() => {
    b = ChdbBackend.open(path.join(tempDir(), 'chdb'), { maxMemoryBytes: 256 * 1024 * 1024, readers: 3 });
  });
  after(async () => {
    await b?.close();
  });

  test('one writer and the readers asked for, each read sent to the least busy reader', async () => {
    assert.deepEqual(b.inFlight(), [0, 0, 0, 0]);
    const reads = [b.queryText('SELECT 1'), b.queryText('SELECT 2'), b.queryText('SELECT 3')];
    assert.deepEqual(b.inFlight(), [0, 1, 1, 1], 'three reads in flight: one on each reader, none on the writer');
    const fourth = b.queryText('SELECT 4');
    assert.deepEqual(b.inFlight().slice(1).sort(), [1, 1, 2]);
    const write = b.command('SELECT 5');
    assert.equal(b.inFlight()[0], 1, 'statements that write go to the writer');
    assert.deepEqual(await Promise.all([...reads, fourth]), ['{"1":1}\n', '{"2":2}\n', '{"3":3}\n', '{"4":4}\n']);
    await write;
    assert.deepEqual(b.inFlight(), [0, 0, 0, 0]);
  });

  test('every reader has the JSON settings (64-bit integers quoted, slashes not escaped)', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => b.queryRows<{ x: unknown; s: string }>(`SELECT toUInt64(18446744073709551615 - ${i}) AS x, 'a/b' AS s`)));
    answers.forEach((rows, i) => assert.deepEqual(rows, [{ x: String(18446744073709551615n - BigInt(i)), s: 'a/b' }]));
  });

  test('rows inserted through the writer are seen by every reader at once', async () => {
    await b.command('CREATE TABLE IF NOT EXISTS default.conn_t (n UInt32) ENGINE = MergeTree ORDER BY n');
    await b.insertJSONEachRow('default.conn_t', Buffer.from(Array.from({ length: 100 }, (_, i) => JSON.stringify({ n: i })).join('\n')));
    const counts = await Promise.all(Array.from({ length: 6 }, () => b.queryRows<{ c: string }>('SELECT count() AS c, sum(n) AS s FROM default.conn_t')));
    for (const rows of counts) assert.deepEqual(rows, [{ c: '100', s: '4950' }]);
  });

  test('a failing read leaves its reader usable, and nothing counted in flight', async () => {
    await assert.rejects(b.queryText('SELECT no_such_column FROM default.conn_t'), /no_such_column/);
    assert.deepEqual(b.inFlight(), [0, 0, 0, 0]);
    const all = await Promise.all(Array.from({ length: 3 }, () => b.queryText('SELECT count() AS c FROM default.conn_t')));
    assert.deepEqual(all, ['{"c":"100"}\n', '{"c":"100"}\n', '{"c":"100"}\n']);
  });

  test('after close every call is refused (last: it closes the one directory this process may open)', async () => {
    await b.close();
    assert.deepEqual(b.inFlight(), []);
    await assert.rejects(b.queryText('SELECT 1'), /store is closed/);
    await assert.rejects(b.command('SELECT 1'), /store is closed/);
    await assert.rejects(b.insertJSONEachRow('default.conn_t', Buffer.from('{"n":1}')), /store is closed/);
  });
});
