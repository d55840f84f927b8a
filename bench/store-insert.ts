/**
 * The embedded store's own insert work per event, apart from everything else: the rows of BENCH_EVENTS events of
 * the realistic mix (made first, through the real pipeline, with their journal seqs) are inserted into a fresh
 * chDB store in batches of BENCH_BATCH rows, as the write buffers do, then merged. Prints the process CPU (every
 * thread: the engine parses and writes on its own threads) per event for the inserts, and for the merges that
 * follow (OPTIMIZE ... FINAL, an upper bound of the background merges' work). Twice, each time into a fresh store:
 * every row as it is, then through the write buffers (which leave out the session rows that cancel out in a batch).
 *
 *   npm run build && node dist/bench/store-insert.js     (BENCH_EVENTS=100000 BENCH_BATCH=10000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeRow } from '../src/ingest/event.js';
import { GeoIp } from '../src/ingest/geo.js';
import { Pipeline, defaultStages } from '../src/ingest/pipeline.js';
import { ReferrerDatabase } from '../src/ingest/referrers.js';
import { parseEventBody } from '../src/ingest/request.js';
import { FileSaltSource } from '../src/ingest/salts.js';
import { MemorySessionStore } from '../src/ingest/session.js';
import { SpamList } from '../src/ingest/spam.js';
import { createDetector, parseUserAgent } from '../src/ingest/useragent.js';
import { ChdbBackend } from '../src/store/chdb.js';
import { encodeRowsSliced } from '../src/store/journal-format.js';
import type { Site } from '../src/store/repo.js';
import { Store } from '../src/store/store.js';
import { createLogger } from '../src/util/log.js';
import { realisticRequest, SITES } from './realistic.js';

const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-store-insert-'));

const sites = new Map<string, Site>(SITES.map((domain, i) => [domain, { id: i + 1, domain, timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 }]));
const geo = GeoIp.open();
await geo.warmUp();
const pipeline = new Pipeline(
  { byDomain: (d: string) => sites.get(d) },
  defaultStages({ referrers: ReferrerDatabase.load(), shields: { shieldsOf: () => undefined }, geo, spam: SpamList.load(), salts: new FileSaltSource(path.join(dir, 'salts.json')), sessions: new MemorySessionStore() }),
);
const detector = createDetector();
const uaInfo = new Map<string, ReturnType<typeof parseUserAgent>>();

// The rows, as the journal hands them to the write buffers: each row's UTF-8 bytes, with its journal_seq.
const rows: { events: Buffer[]; sessions: Buffer[] } = { events: [], sessions: [] };
let seq = 1;
for (let i = 0; i < N; i++) {
  const r = realisticRequest(i);
  const parsed = parseEventBody(Buffer.from(r.body), 'text/plain');
  if (!parsed.ok) throw new Error('bad body');
  const ua = r.headers['user-agent']!;
  let info = uaInfo.get(ua);
  if (!info) uaInfo.set(ua, (info = parseUserAgent(detector, ua)));
  const out = pipeline.process(parsed.request, { ip: r.headers['x-forwarded-for']!, userAgent: ua, ua: info, now: new Date() });
  const ev = out.rows.map(serializeRow);
  const se = out.sessionRows.map(serializeRow);
  const rec = encodeRowsSliced(seq, ev, se, { addSeqs: true });
  seq += ev.length + se.length;
  rows.events.push(...rec.events);
  rows.sessions.push(...rec.sessions);
}

const log = createLogger('warn');
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * Inserts every row into a fresh store: `raw`, each batch of BATCH rows as it is (every session row inserted); else
 * through the write buffers as the server does (a session state's +1 and -1 rows in one batch are left out).
 */
async function measure(raw: boolean): Promise<string> {
  const storeDir = fs.mkdtempSync(path.join(dir, 'chdb-'));
  const store = new Store(ChdbBackend.open(storeDir), { db: 'footfall', flushRows: BATCH, flushIntervalMs: 3_600_000, bufferMaxRows: 10 * N, log });
  await store.migrate();
  let bytes = 0;
  let inserts = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const table of ['events', 'sessions'] as const) {
    const all = rows[table];
    for (let i = 0; i < all.length; i += BATCH) {
      const part = all.slice(i, i + BATCH);
      if (raw) {
        const payload = Buffer.concat(part.flatMap((b, k) => (k === 0 ? [b] : [Buffer.from('\n'), b])));
        bytes += payload.length;
        inserts++;
        await store.insertBatch(table, payload);
      } else {
        store[table].push(part, true);
        await store[table].flush();
      }
    }
  }
  if (!raw) {
    inserts = store.events.stats.batches + store.sessions.stats.batches;
    bytes = NaN;
  }
  const insertCpu = cpuMs() - c0;
  const insertWall = performance.now() - t0;
  const c1 = cpuMs();
  await store.backend.command('OPTIMIZE TABLE footfall.events FINAL');
  await store.backend.command('OPTIMIZE TABLE footfall.sessions FINAL');
  const mergeCpu = cpuMs() - c1;
  const [count] = await store.backend.queryRows<{ e: string; s: string; v: string }>(
    'SELECT (SELECT count() FROM footfall.events) AS e, (SELECT count() FROM footfall.sessions) AS s, (SELECT sum(sign * pageviews) FROM footfall.sessions) AS v',
  );
  const collapsed = store.sessions.stats.collapsed;
  await store.close();
  return (
    `${raw ? 'every row inserted' : 'through the write buffers'}: ${inserts} inserts` +
    (raw ? `, ${(bytes / N).toFixed(0)} bytes of JSONEachRow an event` : `, ${collapsed.toLocaleString('en-US')} session rows left out (${((rows.sessions.length - collapsed) / N).toFixed(2)} inserted an event)`) +
    ` (stored after merging: ${count!.e} events, ${count!.s} session rows, sum(sign * pageviews) ${count!.v})\n` +
    `  inserts: ${((insertCpu * 1000) / N).toFixed(1)} µs of CPU an event (all threads), ${((insertWall * 1000) / N).toFixed(1)} µs of wall time\n` +
    `  merging everything into one part afterwards (OPTIMIZE FINAL, an upper bound of the background merges): ${((mergeCpu * 1000) / N).toFixed(1)} µs of CPU an event\n`
  );
}

process.stdout.write(
  `store insert: ${N.toLocaleString('en-US')} events of the realistic mix = ${rows.events.length.toLocaleString('en-US')} event rows + ${rows.sessions.length.toLocaleString('en-US')} session rows, batches of ${BATCH.toLocaleString('en-US')} rows\n`,
);
process.stdout.write(await measure(true));
process.stdout.write(await measure(false));
fs.rmSync(dir, { recursive: true, force: true });
