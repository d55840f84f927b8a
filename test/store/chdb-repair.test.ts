import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ChdbBackend, InsertLostError } from '../../src/store/chdb.js';
import { Store } from '../../src/store/store.js';
import { transient } from '../../src/store/backend.js';
import { createLogger } from '../../src/util/log.js';
import { smallDisk } from '../helpers/disk.js';
import { tempDir } from '../helpers/server.js';

// When the disk fills while the engine writes a part, chdb can commit that part with every file empty (seen on tmpfs
// and on ext4 with a 24 MiB disk filled during inserts). These tests leave a part in exactly that state (its files
// truncated to nothing) and check that the store drops it without losing a row.

/** Truncates every file of the part to 0 bytes, as the full disk left it. */
function emptyPart(dir: string): void {
  for (const f of fs.readdirSync(dir)) fs.truncateSync(path.join(dir, f), 0);
}

async function partPath(b: ChdbBackend, table: string, where: string): Promise<{ name: string; path: string }> {
  const rows = await b.queryRows<{ name: string; path: string }>(`SELECT name, path FROM system.parts WHERE database = 'footfall' AND table = '${table}' AND ${where} ORDER BY modification_time DESC, name DESC LIMIT 1`);
  assert.equal(rows.length, 1, `a part of ${table} where ${where}`);
  return rows[0]!;
}

const row = (i: number, seq: number) =>
  JSON.stringify({ timestamp: '2026-11-26 10:00:00', name: 'pageview', site_id: 1, user_id: i, session_id: i, hostname: 'r.example', pathname: `/${i}`, journal_seq: seq });

function logs(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('info', (l) => lines.push(l)), lines };
}

test('a merged part left empty by a full disk: the next read drops it, brings back the parts it merged, and answers', async () => {
  const { log, lines } = logs();
  const b = ChdbBackend.open(path.join(tempDir(), 'chdb'), { log });
  try {
    const store = new Store(b, { db: 'footfall', flushRows: 1000, flushIntervalMs: 60_000, bufferMaxRows: 10_000, log });
    await store.migrate();
    for (let i = 1; i <= 3; i++) await b.insertJSONEachRow('footfall.events', Buffer.from(row(i, 0)));
    await b.command('OPTIMIZE TABLE footfall.events FINAL');
    const merged = await partPath(b, 'events', 'active AND level > 0');
    emptyPart(merged.path);
    assert.deepEqual((await b.brokenParts()).map((p) => p.name), [merged.name]);
    assert.equal(b.repairs, 0);
    // the read fails on the empty part, the store opens the engine again, and the read is answered
    assert.deepEqual(await b.queryRows('SELECT pathname FROM footfall.events ORDER BY pathname'), [{ pathname: '/1' }, { pathname: '/2' }, { pathname: '/3' }]);
    assert.equal(b.repairs, 1);
    assert.deepEqual(await b.brokenParts(), []);
    assert.ok(lines.some((l) => /parts left empty by a full disk/.test(l) && l.includes(merged.name)), 'the repair is logged with the part');
    // the store keeps working: inserts and reads on every connection
    await b.insertJSONEachRow('footfall.events', Buffer.from(row(4, 0)));
    const counts = await Promise.all(Array.from({ length: 4 }, () => b.queryRows<{ c: string }>('SELECT count() AS c FROM footfall.events')));
    for (const c of counts) assert.deepEqual(c, [{ c: '4' }]);
  } finally {
    await b.close();
  }
});

test('an insert whose own part a full disk left empty is retried: journaled rows and rows without a seq, each stored once', async () => {
  const { log } = logs();
  let breakNext = false;
  let b: ChdbBackend;
  const dir = path.join(tempDir(), 'chdb');
  b = ChdbBackend.open(dir, {
    log,
    lowSpaceBytes: Number.MAX_SAFE_INTEGER, // this disk counts as short of space: every insert is checked
    afterInsert: async (table) => {
      if (!breakNext || table !== 'footfall.events') return;
      breakNext = false;
      emptyPart((await partPath(b, 'events', 'level = 0')).path);
    },
  });
  try {
    const store = new Store(b, { db: 'footfall', flushRows: 1000, flushIntervalMs: 60_000, bufferMaxRows: 10_000, log });
    await store.migrate();
    await b.command('SYSTEM STOP MERGES footfall.events');
    await b.insertJSONEachRow('footfall.events', Buffer.from(row(1, 0)));

    // the backend tells the buffer that the rows are lost, as a transient failure
    breakNext = true;
    await assert.rejects(b.insertJSONEachRow('footfall.events', Buffer.from(row(99, 0))), (err: unknown) => err instanceof InsertLostError && transient(err));
    assert.equal(b.repairs, 1);
    assert.deepEqual(await b.queryRows('SELECT pathname FROM footfall.events'), [{ pathname: '/1' }], 'the empty part is dropped, the part before it kept');

    // through the write buffer: journaled rows (with seqs) and rows without are inserted again, once
    breakNext = true;
    assert.ok(store.events.push([row(2, 1_000_001), row(3, 1_000_002), row(4, 0)]));
    await assert.rejects(store.events.flush(), /left empty/);
    await store.events.flush();
    assert.equal(b.repairs, 2);
    const stored = await b.queryRows<{ pathname: string; journal_seq: string }>('SELECT pathname, journal_seq FROM footfall.events ORDER BY pathname');
    assert.deepEqual(stored.map((r) => r.pathname), ['/1', '/2', '/3', '/4']);
    assert.deepEqual(await b.brokenParts(), []);
  } finally {
    await b.close();
  }
});

test('a disk with room: inserts are not followed by any look at the parts', async () => {
  let looked = 0;
  const b = ChdbBackend.open(path.join(tempDir(), 'chdb'), { lowSpaceBytes: 0, afterInsert: async () => void looked++ });
  try {
    const original = b.brokenParts.bind(b);
    let scans = 0;
    b.brokenParts = async () => {
      scans++;
      return original();
    };
    await b.command('CREATE DATABASE IF NOT EXISTS footfall');
    await b.command('CREATE TABLE footfall.t (n UInt32) ENGINE = MergeTree ORDER BY n');
    for (let i = 0; i < 5; i++) await b.insertJSONEachRow('footfall.t', Buffer.from(JSON.stringify({ n: i })));
    assert.equal(looked, 5);
    const fs0 = await fs.promises.statfs(tempDir());
    if (fs0.bavail / fs0.blocks > 0.05) assert.equal(scans, 0, 'no scan of system.parts while the disk has room');
  } finally {
    await b.close();
  }
});

test('a disk filled during inserts and merges (real tmpfs): every insert that succeeded is read back, none twice', async (t) => {
  const disk = smallDisk(24);
  if (!disk) return t.skip('cannot mount a tmpfs here (not root)');
  const { log, lines } = logs();
  // lowSpaceBytes 0: inserts are not checked before the disk is actually full, so merges run at full speed into it
  // (without the repair, a read failed "Empty marks file" in about two runs of three on this machine)
  const b = ChdbBackend.open(path.join(disk.dir, 'chdb'), { log, lowSpaceBytes: 0 });
  try {
    const store = new Store(b, { db: 'footfall', flushRows: 1000, flushIntervalMs: 60_000, bufferMaxRows: 10_000, log });
    await store.migrate();
    let n = 0;
    const stored = new Set<string>();
    const wide = (i: number) => row(i, 0).replace('"journal_seq":0', `"journal_seq":0,"utm_content":"${'c'.repeat(1000)}"`);
    const insert = async () => {
      const k = 1 + (n % 7);
      const ids = Array.from({ length: k }, () => ++n);
      try {
        await b.insertJSONEachRow('footfall.events', Buffer.from(ids.map(wide).join('\n')));
        for (const i of ids) stored.add(`/${i}`);
      } catch (err) {
        assert.ok(transient(err), `a full disk fails inserts transiently: ${String(err)}`);
      }
    };
    for (let i = 0; i < 20; i++) await insert();
    let filling = true;
    const inserts = (async () => {
      while (filling) await insert();
    })();
    await new Promise((r) => setTimeout(r, 50));
    const filler = path.join(disk.dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) {
        fs.writeSync(fd, Buffer.alloc(64 * 1024, 1));
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
    fs.closeSync(fd);
    await new Promise((r) => setTimeout(r, 500));
    filling = false;
    await inserts;
    fs.rmSync(filler);
    const rows = await b.queryRows<{ pathname: string }>('SELECT pathname FROM footfall.events');
    assert.equal(rows.length, stored.size, 'each stored row once');
    assert.deepEqual(new Set(rows.map((r) => r.pathname)), stored);
    assert.deepEqual((await b.brokenParts()).filter((p) => Number(p.active)), []);
    t.diagnostic(`${stored.size} rows, ${b.repairs} repairs`);
    if (b.repairs > 0) assert.ok(lines.some((l) => /parts left empty by a full disk/.test(l)));
  } finally {
    await b.close();
    disk.unmount();
  }
});
