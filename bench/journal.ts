/**
 * Journal cost in-process: one request's rows (1 event row, 2 session rows, realistic sizes) appended by 50
 * concurrent "connections", with fsync every 200 ms and before every acknowledgement. Reports appends/s, µs of
 * event-loop time per append, group-write sizes and fsyncs.
 *
 *   node dist/bench/journal.js        (BENCH_APPENDS=200000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeRow, baseEventRow } from '../src/ingest/event.js';
import { parseEventObject } from '../src/ingest/request.js';
import { deriveFromUrl } from '../src/ingest/url.js';
import { Journal } from '../src/store/journal.js';
import { createLogger } from '../src/util/log.js';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 200_000);
const CONCURRENCY = 50;

const parsed = parseEventObject({ n: 'pageview', u: 'https://bench.example/blog/how-we-count?utm_source=newsletter', d: 'bench.example', r: 'https://www.google.com/', p: { author: 'someone' } });
if (!parsed.ok) throw new Error('bad fixture');
const row = { ...baseEventRow(1, parsed.request, deriveFromUrl(parsed.request.url, false), new Date()), user_id: '9770125939062219795', session_id: '13217748841729056144', browser: 'Chrome', operating_system: 'Windows' };
const eventLine = serializeRow(row);
const sessionLine = serializeRow({ ...row, sign: 1, start: row.timestamp, entry_page: '/blog/how-we-count', exit_page: '/blog/how-we-count', pageviews: 3, events: 3, duration: 42 });

async function run(fsyncMs: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-journal-bench-'));
  const { journal } = Journal.open({ dir, fsyncIntervalMs: fsyncMs, segmentBytes: 32 << 20, maxBytes: Number.MAX_SAFE_INTEGER, log: createLogger('error') });
  let rows = 0;
  journal.attach((_t, lines) => (rows += lines.length));
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < APPENDS) await journal.append([eventLine], [sessionLine, sessionLine]);
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s = journal.stats;
  const bytes = s.bytes;
  journal.committed('events', rows);
  await journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    `fsync ${fsyncMs === 0 ? 'before every ack' : `every ${fsyncMs} ms`}:`.padEnd(26),
    `${Math.round((APPENDS / ms) * 1000)} appends/s`.padStart(18),
    `${(((cpu.user + cpu.system) / APPENDS)).toFixed(1)} µs CPU/append`.padStart(20),
    `${(APPENDS / s.writes).toFixed(1)} appends/write`.padStart(20),
    `${s.fsyncs} fsyncs`.padStart(12),
    `${(bytes / APPENDS).toFixed(0)} B/append`.padStart(14),
  ].join(' ');
}

process.stdout.write(`journal benchmark: ${APPENDS} appends (1 event + 2 session rows each), ${CONCURRENCY} concurrent, ${os.cpus().length} cores\n`);
for (const f of [200, 0]) process.stdout.write((await run(f)) + '\n');
