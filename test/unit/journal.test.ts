import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeSegment, encodeConfirm, encodeOpen, encodeRows, encodeRowsSliced, seqOf, withSeq, type JournalTable } from '../../src/store/journal-format.js';
import { Journal, type JournalOptions } from '../../src/store/journal.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/server.js';

function logCapture() {
  const lines: string[] = [];
  return { log: createLogger('debug', (l) => lines.push(l)), lines };
}

function open(dir: string, over: Partial<JournalOptions> = {}) {
  const { log, lines } = logCapture();
  const r = Journal.open({ dir, fsyncIntervalMs: 50, segmentBytes: 1 << 20, maxBytes: 1 << 30, log, ...over });
  const got: Array<[JournalTable, string[]]> = [];
  r.journal.attach((t, l) => got.push([t, l.map(String)])); // rows come as their UTF-8 bytes
  return { ...r, got, logs: lines };
}

const segments = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();

test('a rows record is built in place, and its rows are views of their UTF-8 bytes in it', () => {
  const events = ['{"e":1}', '{"p":"ü€😀"}'];
  const sessions = ['{"s":-1}', '{"s":1}'];
  const r = encodeRowsSliced(42, events, sessions);
  assert.deepEqual(r.events.map(String), events);
  assert.deepEqual(r.sessions.map(String), sessions);
  for (const b of [...r.events, ...r.sessions]) assert.equal(b.buffer, r.record.buffer, 'a view, not a copy');
  assert.deepEqual(decodeSegment(r.record).records, [{ kind: 'rows', firstSeq: 42, rows: { events, sessions } }]);
  assert.deepEqual(decodeSegment(encodeRowsSliced(7, [], []).record).records, [{ kind: 'rows', firstSeq: 7, rows: { events: [], sessions: [] } }]);
  // with the seqs added as they are written: the same rows as withSeq makes, multi-byte text included
  const odd = ['{"p":"ü€😀"}', '{}', 'x', '{"a":1}'];
  const s = encodeRowsSliced(2 ** 40, odd.slice(0, 2), odd.slice(2), { addSeqs: true });
  const want = odd.map((l, i) => withSeq(l, 2 ** 40 + i));
  assert.deepEqual([...s.events, ...s.sessions].map(String), want);
  assert.deepEqual(decodeSegment(s.record).records, [{ kind: 'rows', firstSeq: 2 ** 40, rows: { events: want.slice(0, 2), sessions: want.slice(2) } }]);
});

test('records round-trip; seqs above 2^32 survive', () => {
  const big = 1_764_000_000_000_123;
  const buf = Buffer.concat([
    encodeOpen(big),
    encodeRows(big + 1, ['{"e":1}'], ['{"a":1}', '{"b":"ü\\n"}']),
    encodeConfirm('events', big + 2),
    encodeRows(7, [], ['{"s":1}']),
    encodeRows(9, ['{"e":2}'], []),
  ]);
  const d = decodeSegment(buf);
  assert.equal(d.corrupt, null);
  assert.equal(d.validBytes, buf.length);
  assert.deepEqual(d.records, [
    { kind: 'open', nextSeq: big },
    { kind: 'rows', firstSeq: big + 1, rows: { events: ['{"e":1}'], sessions: ['{"a":1}', '{"b":"ü\\n"}'] } },
    { kind: 'confirm', table: 'events', seq: big + 2 },
    { kind: 'rows', firstSeq: 7, rows: { events: [], sessions: ['{"s":1}'] } },
    { kind: 'rows', firstSeq: 9, rows: { events: ['{"e":2}'], sessions: [] } },
  ]);
});

test('one request is one record: a torn write keeps neither its event nor its session rows', async () => {
  const dir = tempDir();
  const a = open(dir);
  await a.journal.append(['{"e":1}'], ['{"s":1}']);
  await a.journal.append(['{"e":2}'], ['{"s":-1}', '{"s":2}']);
  await a.journal.drain();
  const file = path.join(dir, segments(dir)[0]!);
  fs.truncateSync(file, fs.statSync(file).size - 10); // the kill cut the last write short
  const b = open(dir);
  assert.equal(b.recovery.corrupt.length, 1);
  assert.deepEqual(b.recovery.unconfirmed.events.map((r) => JSON.parse(r.line).e), [1]);
  assert.deepEqual(b.recovery.unconfirmed.sessions.map((r) => JSON.parse(r.line).s), [1]);
  await b.journal.close();
});

test('a torn tail or a flipped bit stops the segment at the last good record', () => {
  const good = Buffer.concat([encodeOpen(1), encodeRows(1, ['{"x":1}'], [])]);
  const next = encodeRows(2, ['{"x":2}'], ['{"s":2}']);
  for (let cut = 1; cut < next.length; cut++) {
    const d = decodeSegment(Buffer.concat([good, next.subarray(0, cut)]));
    assert.equal(d.records.length, 2);
    assert.equal(d.validBytes, good.length);
    assert.equal(d.corrupt!.offset, good.length);
    assert.equal(d.corrupt!.bytes, cut);
  }
  const flipped = Buffer.concat([good, next]);
  flipped[flipped.length - 3]! ^= 0x01;
  const d = decodeSegment(flipped);
  assert.equal(d.records.length, 2);
  assert.equal(d.corrupt!.reason, 'checksum mismatch');
  const zeros = decodeSegment(Buffer.concat([good, Buffer.alloc(64)]));
  assert.equal(zeros.records.length, 2);
  assert.match(zeros.corrupt!.reason, /impossible record length 0/);
});

test('withSeq / seqOf', () => {
  const line = withSeq('{"name":"x","p":"\\"journal_seq\\":5"}', 1_764_000_000_000_001);
  assert.deepEqual(JSON.parse(line), { name: 'x', p: '"journal_seq":5', journal_seq: 1_764_000_000_000_001 });
  assert.equal(seqOf(line), 1_764_000_000_000_001);
  assert.equal(seqOf('{"name":"x"}'), 0);
  assert.deepEqual(JSON.parse(withSeq('{}', 3)), { journal_seq: 3 });
});

test('appends of one tick are one write; the sink gets rows in order, with seqs, before the promise resolves', async () => {
  const dir = tempDir();
  const { journal, got } = open(dir);
  const before = journal.stats.writes;
  const done = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append([`{"e":${i}}`], [`{"s":${i}}`, `{"s2":${i}}`]).then(() => got.length)));
  assert.equal(journal.stats.writes - before, 1, 'one group write');
  assert.ok(done.every((n) => n === 100), 'rows reached the sink before any append resolved');
  const events = got.filter(([t]) => t === 'events').flatMap(([, l]) => l);
  assert.deepEqual(events.map((l) => JSON.parse(l).e), Array.from({ length: 50 }, (_, i) => i));
  const seqs = got.flatMap(([, l]) => l).map(seqOf);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'seqs increase in journal order');
  assert.ok(seqs[0]! >= Date.now() * 1000 - 60_000_000, 'seqs start at the clock floor');
  await journal.close();
});

test('unconfirmed rows come back after a crash; confirmed ones do not; new seqs stay above old ones', async () => {
  const dir = tempDir();
  const a = open(dir);
  await a.journal.append(['{"e":1}', '{"e":2}'], ['{"s":1}']);
  await a.journal.append(['{"e":3}'], []);
  a.journal.committed('events', 2); // the store took e1, e2
  await a.journal.drain();
  // no close(): the process "dies" here
  const b = open(dir, { now: () => 0 }); // a clock gone backwards must not reuse seqs
  assert.deepEqual(b.recovery.unconfirmed.events.map((r) => JSON.parse(r.line).e), [3]);
  assert.deepEqual(b.recovery.unconfirmed.sessions.map((r) => JSON.parse(r.line).s), [1]);
  const oldMax = Math.max(b.recovery.maxSeq.events, b.recovery.maxSeq.sessions);
  await b.journal.append(['{"e":4}'], []);
  assert.ok(seqOf(b.got[0]![1][0]!) > oldMax);
  await b.journal.close();
});

test('replay: rows handed back to the sink, and once stored everything up to the checked seq is confirmed', async () => {
  const dir = tempDir();
  const a = open(dir);
  await a.journal.append(['{"e":1}', '{"e":2}', '{"e":3}'], []);
  await a.journal.drain();
  const b = open(dir);
  const rows = b.recovery.unconfirmed.events;
  assert.equal(rows.length, 3);
  // e2 was stored before the crash; e1 and e3 were not
  b.journal.replay('events', [rows[0]!, rows[2]!], b.recovery.maxSeq.events);
  assert.deepEqual(b.got.flatMap(([, l]) => l).map((l) => JSON.parse(l).e), [1, 3]);
  b.journal.replay('sessions', [], b.recovery.maxSeq.sessions);
  b.journal.committed('events', 2);
  assert.equal(b.journal.stats.unconfirmedRows, 0);
  await b.journal.drain();
  assert.deepEqual(segments(dir), ['000000000002.wal'], 'the old segment, all confirmed, is deleted');
  const c = open(dir);
  assert.equal(c.recovery.unconfirmed.events.length, 0);
  await c.journal.close();
});

test('a commit in the middle of one request\'s rows confirms exactly the rows stored', async () => {
  const dir = tempDir();
  const a = open(dir);
  await a.journal.append(['{"e":1}', '{"e":2}', '{"e":3}'], []);
  a.journal.committed('events', 2);
  await a.journal.drain();
  const b = open(dir);
  assert.deepEqual(b.recovery.unconfirmed.events.map((r) => JSON.parse(r.line).e), [3]);
  await b.journal.close();
});

test('segments roll at their size and are deleted once every row in them is confirmed', async () => {
  const dir = tempDir();
  const { journal } = open(dir, { segmentBytes: 64 * 1024 });
  const row = JSON.stringify({ pad: 'x'.repeat(1000) });
  for (let i = 0; i < 200; i++) await journal.append([row], [row]);
  assert.ok(segments(dir).length >= 6, `rolled: ${segments(dir).length}`);
  assert.equal(journal.stats.segments, segments(dir).length);
  journal.committed('events', 200);
  assert.ok(segments(dir).length > 1, 'sessions are not confirmed yet');
  journal.committed('sessions', 200);
  await journal.drain();
  assert.equal(segments(dir).length, 1, 'only the active segment is left');
  assert.ok(journal.stats.bytes < 64 * 1024 + 4096);
  await journal.close();
});

test('over its byte bound the journal refuses (callers answer 503) until rows are confirmed', async () => {
  const dir = tempDir();
  const { journal } = open(dir, { segmentBytes: 64 * 1024, maxBytes: 256 * 1024 });
  const row = JSON.stringify({ pad: 'y'.repeat(4000) });
  let n = 0;
  while (journal.hasRoom()) {
    await journal.append([row], []);
    n++;
    assert.ok(n < 1000);
  }
  assert.ok(journal.stats.bytes >= 256 * 1024);
  journal.committed('events', n);
  await journal.drain();
  assert.ok(journal.hasRoom());
  await journal.close();
});

test('fsync 0: every group write is fsynced before its appends resolve', async () => {
  const dir = tempDir();
  const { journal } = open(dir, { fsyncIntervalMs: 0 });
  const f0 = journal.stats.fsyncs;
  await journal.append(['{"a":1}'], []);
  assert.equal(journal.stats.fsyncs - f0, 1);
  await Promise.all([journal.append(['{"a":2}'], []), journal.append(['{"a":3}'], [])]);
  assert.equal(journal.stats.fsyncs - f0, 2);
  await journal.close();
});

test('a write that fails rejects its appends and leaves nothing of them behind', async () => {
  const dir = tempDir();
  const a = open(dir);
  await a.journal.append(['{"ok":1}'], []);
  // Close the descriptor under the journal: the next write fails (EBADF).
  const fd = (a.journal as unknown as { active: { fd: number } }).active.fd;
  fs.closeSync(fd);
  await assert.rejects(a.journal.append(['{"lost":1}'], []), /journal write failed/);
  assert.equal(a.journal.stats.failures, 1);
  assert.ok(a.logs.some((l) => l.includes('journal: write failed')));
  // it moved to a new segment and goes on
  await a.journal.append(['{"ok":2}'], []);
  await a.journal.drain();
  const b = open(dir);
  assert.deepEqual(b.recovery.unconfirmed.events.map((r) => JSON.parse(r.line)).map((o) => o.ok ?? o.lost), [1, 2]);
  await b.journal.close();
});

test('a corrupt segment in the middle: its good records and every later segment are still read', async () => {
  const dir = tempDir();
  const a = open(dir, { segmentBytes: 64 * 1024 });
  const row = (i: number) => JSON.stringify({ i, pad: 'z'.repeat(2000) });
  for (let i = 0; i < 80; i++) await a.journal.append([row(i)], []);
  await a.journal.drain();
  const segs = segments(dir);
  assert.ok(segs.length >= 3);
  const victim = path.join(dir, segs[0]!);
  const buf = fs.readFileSync(victim);
  buf[buf.length - 100]! ^= 0xff;
  fs.writeFileSync(victim, buf);
  const b = open(dir);
  assert.equal(b.recovery.corrupt.length, 1);
  assert.ok(b.logs.some((l) => l.includes('torn or corrupt record skipped')));
  const got = b.recovery.unconfirmed.events.map((r) => JSON.parse(r.line).i as number);
  assert.equal(got.length, 79, 'one record lost to the flipped byte, the rest read');
  assert.equal(got.at(-1), 79);
  await b.journal.close();
});
