import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteBuffer } from '../../src/store/buffer.js';
import { createLogger } from '../../src/util/log.js';

const quiet = createLogger('error', () => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for a condition (never for a duration alone: CI machines are busy). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

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
  await until(() => r.batches.length === 2, 'two full batches');
  assert.deepEqual(r.batches, [['{"i":0}', '{"i":1}', '{"i":2}'], ['{"i":3}', '{"i":4}', '{"i":5}']]);
  assert.equal(b.depth, 1);
  assert.equal(r.maxInFlight(), 1);
  await b.flush();
  assert.deepEqual(r.batches[2], ['{"i":6}']);
});

test('flushes by time', async () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 1000, intervalMs: 200, maxRows: 100, sink: r.sink, log: quiet });
  const t0 = Date.now();
  b.push(['a', 'b']);
  await Promise.resolve();
  assert.equal(r.batches.length, 0, 'not at once: below flushRows');
  await until(() => r.batches.length === 1, 'the timed flush');
  assert.ok(Date.now() - t0 >= 190, 'not before the interval');
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
  await until(() => b.failing, 'a failed insert');
  assert.ok(b.stats.failures >= 1);
  assert.equal(b.depth, 3);
  down = false;
  await until(() => !b.failing && b.depth === 0, 'the retry');
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

test('batches are bounded in bytes as well as rows; a row larger than the bound goes alone', async () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 1000, intervalMs: 10_000, maxRows: 10_000, maxBatchBytes: 100, sink: r.sink, log: quiet });
  const rows = Array.from({ length: 20 }, (_, i) => `{"i":${String(i).padStart(2, '0')},"pad":"${'x'.repeat(i === 7 ? 300 : 20)}"}`);
  b.push(rows);
  assert.equal(b.stats.bytes, rows.reduce((a, l) => a + Buffer.byteLength(l), 0));
  await b.flush();
  assert.deepEqual(r.batches.flat(), rows, 'every row once, in order');
  for (const batch of r.batches) assert.ok(batch.length === 1 || Buffer.byteLength(batch.join('\n')) <= 100, `batch of ${Buffer.byteLength(batch.join('\n'))} bytes`);
  assert.ok(r.batches.some((x) => x.length === 1 && x[0] === rows[7]), 'the oversized row went alone');
  assert.equal(b.stats.bytes, 0);
});

test('bounded in bytes: push refuses rows once maxBytes are held', () => {
  const r = recorder();
  const b = new WriteBuffer({ name: 't', flushRows: 1000, intervalMs: 10_000, maxRows: 10_000, maxBytes: 50, sink: r.sink, log: quiet });
  assert.ok(b.push(['x'.repeat(49)]));
  assert.ok(b.hasRoom(1));
  assert.ok(b.push(['ü']));
  assert.equal(b.hasRoom(1), false, 'ü is two bytes: 51 held');
  assert.equal(b.push(['y']), false);
});

/** A store that refuses any batch holding a poison row (as a parse error would), and records what it took. */
function poisonStore(healthy = () => true) {
  const batches: string[][] = [];
  let calls = 0;
  const sink = async (payload: Buffer): Promise<void> => {
    calls++;
    const rows = payload.toString().split('\n');
    if (rows.some((l) => l.includes('poison'))) throw new Error('Cannot parse input: expected a date');
    batches.push(rows);
  };
  const dead: Array<{ line: string; err: string }> = [];
  const deadLetter = {
    attempts: 3,
    storeHealthy: async () => healthy(),
    write: (line: string, err: unknown) => void dead.push({ line, err: String(err) }),
  };
  return { batches, sink, dead, deadLetter, calls: () => calls };
}

test('a row the store never takes goes to the dead-letter sink and does not block the rows behind it', async () => {
  const p = poisonStore();
  const b = new WriteBuffer({ name: 't', flushRows: 64, intervalMs: 10, maxRows: 10_000, sink: p.sink, log: quiet, transient: () => false, deadLetter: p.deadLetter });
  let committed = 0;
  b.onCommit = (n) => (committed += n);
  const rows = Array.from({ length: 200 }, (_, i) => (i === 37 || i === 150 ? `{"poison":${i}}` : `{"i":${i}}`));
  b.push(rows);
  const deadline = Date.now() + 10_000;
  while (b.depth > 0) {
    assert.ok(Date.now() < deadline, `stuck with ${b.depth} rows`);
    await sleep(20);
  }
  assert.deepEqual(p.batches.flat(), rows.filter((l) => !l.includes('poison')), 'every other row stored once, in order');
  assert.deepEqual(p.dead.map((d) => d.line), ['{"poison":37}', '{"poison":150}']);
  assert.match(p.dead[0]!.err, /Cannot parse input/);
  assert.equal(b.stats.deadLettered, 2);
  assert.equal(committed, 200, 'dead-lettered rows are confirmed too (the journal does not replay them)');
  assert.ok(p.calls() < 60, `${p.calls()} inserts tried`);
});

test('flush (the replay at start) gets past a poison row in a bounded number of attempts', async () => {
  const p = poisonStore();
  const b = new WriteBuffer({ name: 't', flushRows: 10_000, intervalMs: 10_000, maxRows: 100_000, sink: p.sink, log: quiet, transient: () => false, deadLetter: p.deadLetter });
  b.push([...Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`), '{"poison":1}', '{"i":"last"}']);
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await b.flush();
      break;
    } catch {
      assert.ok(attempts < 5, 'flush keeps failing');
    }
  }
  assert.equal(p.batches.flat().length, 5001);
  assert.equal(p.dead.length, 1);
  await b.close(Date.now());
});

test('no dead-lettering while the store itself is unhealthy or the failure is transient: rows wait', async () => {
  let healthy = false;
  const p = poisonStore(() => healthy);
  const b = new WriteBuffer({ name: 't', flushRows: 10, intervalMs: 10, maxRows: 100, sink: p.sink, log: quiet, transient: () => false, deadLetter: p.deadLetter });
  b.push(['{"poison":1}', '{"i":1}']);
  await sleep(500);
  assert.equal(p.dead.length, 0);
  assert.equal(b.depth, 2);
  healthy = true;
  const deadline = Date.now() + 10_000;
  while (b.depth > 0) {
    assert.ok(Date.now() < deadline);
    await sleep(20);
  }
  assert.equal(p.dead.length, 1);

  const t = poisonStore();
  const c = new WriteBuffer({ name: 't', flushRows: 10, intervalMs: 10, maxRows: 100, sink: t.sink, log: quiet, transient: () => true, deadLetter: t.deadLetter });
  c.push(['{"poison":1}']);
  await sleep(400);
  assert.equal(t.dead.length, 0, 'a transient failure is retried, never dead-lettered');
  assert.equal(c.depth, 1);
  await assert.rejects(c.close(Date.now() + 100));
});
