import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteBuffer } from '../../src/store/buffer.js';
import { createLogger } from '../../src/util/log.js';

const quiet = createLogger('error', () => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(fail: () => boolean = () => false) {
  const batches: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sink = async (payload: Buffer): Promise<void> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(5);
    inFlight--;
    if (fail()) throw new Error('store down');
    batches.push(payload.toString().split('\n'));
  };
  return { batches, sink, maxInFlight: () => maxInFlight };
}

test('flushes by size, in order, one insert in flight', async () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 3, intervalMs: 10_000, maxRows: 100, sink: r.sink, log: quiet });
  for (let i = 0; i < 7; i++) assert.ok(b.push([`{"i":${i}}`]));
  await sleep(50);
  assert.deepEqual(r.batches, [['{"i":0}', '{"i":1}', '{"i":2}'], ['{"i":3}', '{"i":4}', '{"i":5}']]);
  assert.equal(b.depth, 1);
  assert.equal(r.maxInFlight(), 1);
  await b.flush();
  assert.deepEqual(r.batches[2], ['{"i":6}']);
});

test('flushes by time', async () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 1000, intervalMs: 30, maxRows: 100, sink: r.sink, log: quiet });
  b.push(['a', 'b']);
  await sleep(10);
  assert.equal(r.batches.length, 0);
  await sleep(80);
  assert.deepEqual(r.batches, [['a', 'b']]);
});

test('bounded: push refuses rows beyond maxRows', () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 1000, intervalMs: 10_000, maxRows: 3, sink: r.sink, log: quiet });
  assert.ok(b.push(['1', '2']));
  assert.equal(b.push(['3', '4']), false);
  assert.equal(b.depth, 2);
  assert.ok(b.hasRoom(1));
  assert.equal(b.hasRoom(2), false);
});

test('a failed insert is retried; nothing is lost or duplicated', async () => {
  let down = true;
  const r = recorder(() => down);
  const b = new WriteBuffer({ name: 't', flushRows: 2, intervalMs: 10, maxRows: 100, sink: r.sink, log: quiet });
  b.push(['1', '2', '3']);
  await sleep(60);
  assert.ok(b.failing);
  assert.ok(b.stats.failures >= 1);
  assert.equal(b.depth, 3);
  down = false;
  await sleep(400);
  assert.equal(b.failing, false);
  assert.deepEqual(r.batches.flat(), ['1', '2', '3']);
});

test('close writes everything, then refuses new rows', async () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 2, intervalMs: 10_000, maxRows: 100, sink: r.sink, log: quiet });
  b.push(['1', '2', '3', '4', '5']);
  await b.close(Date.now() + 1000);
  assert.deepEqual(r.batches.flat(), ['1', '2', '3', '4', '5']);
  assert.equal(b.push(['6']), false);
});

test('close gives up at the deadline when the store stays down', async () => {
  const r = recorder(() => true);
  const b = new WriteBuffer({ name: 't', flushRows: 2, intervalMs: 10_000, maxRows: 100, sink: r.sink, log: quiet });
  b.push(['1']);
  await assert.rejects(b.close(Date.now() + 300), /flush of t failed/);
});
