import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseEventRow, serializeRow } from '../../src/ingest/event.js';
import { parseEventObject } from '../../src/ingest/request.js';
import { continueSession, startSession, type SessionRow } from '../../src/ingest/session.js';
import { deriveFromUrl } from '../../src/ingest/url.js';
import { collapseSessionRows, sessionKey } from '../../src/store/collapse.js';
import { encodeRowsSliced } from '../../src/store/journal-format.js';
import { WriteBuffer } from '../../src/store/buffer.js';
import { createLogger } from '../../src/util/log.js';

function event(path: string, props: Record<string, string> = {}) {
  const r = parseEventObject({ n: 'pageview', u: `https://e.example${path}`, d: 'e.example', p: props });
  assert.ok(r.ok);
  return { ...baseEventRow(1, r.request, deriveFromUrl(r.request.url, false), new Date('2026-11-26T10:00:00Z')), user_id: '7' };
}

/** A visitor's events as the session stage writes them: the first state, then per event the old state -1 and the new +1. */
function visit(n: number, props: Record<string, string> = {}): SessionRow[] {
  let state = startSession(event('/0', props), '4242', true);
  const rows: SessionRow[] = [state];
  const start = Date.parse('2026-11-26T10:00:00Z');
  for (let i = 1; i < n; i++) {
    const next = continueSession(state, event(`/${i}`), start + i * 1000, start, true);
    rows.push({ ...state, sign: -1 }, next);
    state = next;
  }
  return rows;
}

test('a visit of four events in one batch: only its last state is inserted (rows as strings and as journal bytes)', () => {
  const rows = visit(4).map(serializeRow);
  assert.equal(rows.length, 7);
  const keep = collapseSessionRows(rows);
  assert.deepEqual(keep, [false, false, false, false, false, false, true]);
  // the journal's rows: UTF-8 views with their journal_seq, as the write buffer holds them
  const journaled = encodeRowsSliced(1000, [], rows, { addSeqs: true }).sessions;
  assert.deepEqual(collapseSessionRows(journaled), keep);
  assert.deepEqual(sessionKey(journaled[2]!), { key: '4242/2', sign: 1 });
  assert.deepEqual(sessionKey(journaled[1]!), { key: '4242/1', sign: -1 });
});

test('a -1 row whose +1 row is not in the batch is kept; the batch bound n is respected; other sessions untouched', () => {
  const rows = visit(3).map(serializeRow); // +1, -1, +2, -2, +3
  assert.deepEqual(collapseSessionRows(rows.slice(1)), [true, false, false, true], 'the state 1 was inserted before: its -1 row stays');
  assert.deepEqual(collapseSessionRows(rows, 2), [false, false]);
  assert.deepEqual(collapseSessionRows(rows, 1), null);
  const other = visit(2).map((r) => serializeRow({ ...r, session_id: '77' }));
  const mixed = [rows[0]!, other[0]!, rows[1]!, rows[2]!, other[1]!, other[2]!];
  assert.deepEqual(collapseSessionRows(mixed), [false, false, false, true, false, true]);
  // a -1 row before the +1 row of its state (never written so, but order decides): no pair
  assert.equal(collapseSessionRows([rows[1]!, rows[0]!]), null);
  // the same state twice (a replay beside a new row): one -1 row cancels one of them
  assert.deepEqual(collapseSessionRows([rows[0]!, rows[0]!, rows[1]!]), [false, true, false]);
});

test('props whose text looks like columns do not fool the keys', () => {
  const tricky = { 'x","events":9,"sign":-1,"session_id":"1': '"events":9 "sign":-1 "session_id":"5"', b: '\\"events\\":1' };
  const rows = visit(2, tricky).map(serializeRow);
  assert.ok(rows[0]!.includes('entry_meta'));
  assert.deepEqual(rows.map((r) => sessionKey(r)), [
    { key: '4242/1', sign: 1 },
    { key: '4242/1', sign: -1 },
    { key: '4242/2', sign: 1 },
  ]);
  assert.deepEqual(collapseSessionRows(rows), [false, false, true]);
  assert.equal(sessionKey('{"name":"pageview"}'), null, 'not a session row');
});

test('the write buffer leaves collapsed rows out of the insert, skips an insert left empty, and commits every row', async () => {
  const payloads: string[][] = [];
  let committed = 0;
  const b = new WriteBuffer({
    name: 'sessions',
    flushRows: 1000,
    intervalMs: 60_000,
    maxRows: 1000,
    log: createLogger('error', () => {}),
    collapse: collapseSessionRows,
    sink: async (payload) => void payloads.push(payload.toString().split('\n')),
  });
  b.onCommit = (n) => (committed += n);
  const rows = visit(4).map(serializeRow);
  b.push(rows.slice(0, 6)); // +1 -1 +2 -2 +3 -3: all cancel out
  await b.flush();
  assert.deepEqual(payloads, [], 'no insert');
  assert.equal(committed, 6);
  b.push([rows[6]!]);
  await b.flush();
  assert.deepEqual(payloads, [[rows[6]]]);
  assert.deepEqual([b.stats.collapsed, b.stats.inserted, b.stats.batches, committed, b.depth], [6, 1, 1, 7, 0]);
});

test("batches are cut by bytes before rows are left out: a large session's states cancel out batch by batch", async () => {
  const payloads: string[][] = [];
  const rows = visit(5, { big: 'x'.repeat(1900) }).map(serializeRow); // each row ≈ 2.5 KB
  // room for a state's two rows, never three: every batch is one +1 row and its -1 row
  const bound = Math.max(...rows.map((r) => r.length)) * 2 + 1;
  assert.ok(3 * Math.min(...rows.map((r) => r.length)) + 2 > bound);
  const b = new WriteBuffer({
    name: 'sessions',
    flushRows: 1000,
    intervalMs: 60_000,
    maxRows: 1000,
    maxBatchBytes: bound,
    log: createLogger('error', () => {}),
    collapse: collapseSessionRows,
    sink: async (payload) => void payloads.push(payload.toString().split('\n')),
  });
  assert.ok(rows.every((r) => r.length > 1900));
  b.push(rows);
  await b.flush();
  for (const p of payloads) assert.ok(Buffer.byteLength(p.join('\n')) <= bound);
  assert.deepEqual(payloads.flat(), [rows[8]], 'only the last state is inserted');
  assert.equal(b.stats.collapsed, 8);
});
