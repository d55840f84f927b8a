import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { IngestCore, type IngestCoreConfig } from '../../src/ingest/core.js';
import { InlineProcessor, IngestWorkerError, WorkerProcessor, type EventProcessor, type Processed } from '../../src/ingest/processor.js';
import { parseEventObject, type EventRequest } from '../../src/ingest/request.js';
import { SiteDirectory, type SitesSnapshot } from '../../src/ingest/sites.js';
import { startSession, type LiveSession } from '../../src/ingest/session.js';
import { baseEventRow } from '../../src/ingest/event.js';
import { deriveFromUrl } from '../../src/ingest/url.js';
import { EMPTY_UA, type UaInfo } from '../../src/ingest/useragent.js';
import { decodeResults, encodeResults, type BatchResult } from '../../src/ingest/worker-protocol.js';
import type { Site } from '../../src/store/repo.js';
import { createLogger } from '../../src/util/log.js';

const site = (id: number, domain: string): Site => ({ id, domain, timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 });
const SNAPSHOT: SitesSnapshot = {
  sites: [site(1, 'a.com'), site(2, 'b.com')],
  shields: [[2, [{ kind: 'page', value: '/private/**' }]]],
};
const CHROME: UaInfo = { ...EMPTY_UA, browser: 'Chrome', browser_version: '131.0', operating_system: 'Windows', operating_system_version: '10', screen_size: 'Desktop' };
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-proc-'));
  dirs.push(d);
  return d;
}
const config = (dataDir: string): IngestCoreConfig => ({ dataDir, maxLiveSessions: 1000, maxSessionBytes: 1 << 24, geoipDb: undefined });

function request(body: Record<string, unknown>): EventRequest {
  const r = parseEventObject({ n: 'pageview', d: 'a.com', u: 'https://a.com/', ...body });
  assert.ok(r.ok, JSON.stringify(r));
  return r.request;
}

/** Session ids are random: each one is replaced by the order in which it first appears. */
function masked(outs: Array<Pick<Processed, 'events' | 'sessions' | 'dropped'>>): unknown[] {
  const ids = new Map<string, string>();
  const mask = (line: string) => {
    const row = JSON.parse(line) as Record<string, unknown>;
    if (typeof row.session_id === 'string') {
      if (!ids.has(row.session_id)) ids.set(row.session_id, `s${ids.size}`);
      row.session_id = ids.get(row.session_id);
    }
    return row;
  };
  return outs.map((o) => ({ events: o.events.map(mask), sessions: o.sessions.map(mask), dropped: o.dropped }));
}

const now = Date.now();
/** Two visitors, a second site with a page shield, an unknown site, an engagement, a continued session, props. */
const CASES: Array<[Record<string, unknown>, string, number]> = [
  [{ r: 'https://www.google.com/search?q=x', u: 'https://a.com/?utm_source=news&utm_campaign=launch' }, '81.2.69.142', 0],
  [{ u: 'https://a.com/pricing', p: { plan: 'pro', 'tab\tkey': 'line\nbreak "quoted" \u00e9\ud83d\ude00' } }, '81.2.69.142', 60_000],
  [{ n: 'engagement', u: 'https://a.com/pricing', sd: 70, e: 5000 }, '81.2.69.142', 90_000],
  [{ n: 'Signup', u: 'https://a.com/pricing', $: { amount: '12.5', currency: 'EUR' } }, '81.2.69.142', 120_000],
  [{ d: 'a.com,b.com', u: 'https://b.com/private/x' }, '2a02:c7f:1234::1', 130_000],
  [{ d: 'b.com,unknown.example', u: 'https://b.com/public' }, '89.160.20.112', 140_000],
  [{ n: 'engagement', u: 'https://a.com/never-seen', e: 1000 }, '1.2.3.4', 150_000],
];

async function runCases(p: EventProcessor): Promise<Processed[]> {
  const outs: Processed[] = [];
  for (const [body, ip, at] of CASES) {
    const r = await p.process(request(body), { ip, userAgent: UA, ua: CHROME, now: new Date(now + at) });
    r.settle(true);
    outs.push(r);
  }
  return outs;
}

describe('ingest worker', () => {
  test('results survive their encoding: rows with every kind of character, drop reasons, errors, empty results', () => {
    const rows = ['{"a":"tab\\tnew\\nline"}', '{"b":"\u00e9\ud83d\ude00 \\"q\\""}', '{}'];
    const results: BatchResult[] = [
      [1, [rows[0]!], [rows[1]!, rows[2]!], [], true],
      [2, [], [], ['unknown_site', 'bot'], false],
      [3, 'boom\nwith\ta newline'],
      [4, [rows[2]!], [], ['page_blocklist'], false],
    ];
    const back: BatchResult[] = [];
    decodeResults(encodeResults(results), (r) => back.push(r));
    assert.deepEqual(back, results);
    decodeResults(encodeResults([]), () => assert.fail('no results'));
  });

  test('the worker stores exactly what the in-thread core stores, request by request', async () => {
    const dirA = tempDir();
    const inline = new InlineProcessor(await IngestCore.open(config(dirA), new SiteDirectory(SNAPSHOT)));
    const expected = await runCases(inline);
    await inline.close();
    const dirB = tempDir();
    fs.copyFileSync(path.join(dirA, 'salts.json'), path.join(dirB, 'salts.json')); // the same salt: the same visitor ids
    const worker = await WorkerProcessor.start(config(dirB), SNAPSHOT, createLogger('error', () => undefined), async () => []);
    try {
      const got = await runCases(worker);
      assert.deepEqual(masked(got), masked(expected));
      // the cases cover what they claim
      assert.deepEqual(got.map((o) => o.dropped), [[], [], [], [], ['page_blocklist'], ['unknown_site'], ['engagement_without_session']]);
      assert.deepEqual(got.map((o) => o.sessions.length), [1, 2, 0, 2, 1, 1, 0]);
      const stats = await worker.refreshStats();
      assert.equal(stats.sessions.size, 3);
      assert.equal(stats.stages.find(([name]) => name === 'session')![1].calls, 7);
    } finally {
      assert.equal(await worker.close(), 3, 'live sessions saved at close');
    }
    assert.ok(fs.existsSync(path.join(dirB, 'sessions.jsonl')));
  });

  test('rows not kept undo their session on the worker; site changes reach it before later requests', async () => {
    const dir = tempDir();
    const worker = await WorkerProcessor.start(config(dir), { sites: [site(1, 'a.com')], shields: [] }, createLogger('error', () => undefined), async () => []);
    try {
      const ctx = (at: number) => ({ ip: '81.2.69.142', userAgent: UA, ua: CHROME, now: new Date(now + at) });
      const a = await worker.process(request({}), ctx(0));
      a.settle(true);
      const b = await worker.process(request({ u: 'https://a.com/b' }), ctx(60_000));
      assert.deepEqual(b.sessions.map((l) => (JSON.parse(l) as { sign: number }).sign), [-1, 1], 'b continued a’s session');
      b.settle(false); // b's journal write failed
      const c = await worker.process(request({ u: 'https://a.com/c' }), ctx(120_000));
      c.settle(true);
      const signs = c.sessions.map((l) => JSON.parse(l) as { sign: number; session_id: string });
      assert.deepEqual(signs.map((s) => s.sign), [1], 'a new session, no -1 row for the state that was never stored');
      assert.notEqual(signs[0]!.session_id, (JSON.parse(a.sessions[0]!) as { session_id: string }).session_id);

      const before = await worker.process(request({ d: 'new.example', u: 'https://new.example/' }), ctx(130_000));
      assert.deepEqual(before.dropped, ['unknown_site']);
      worker.updateSites({ sites: [site(1, 'a.com'), site(3, 'new.example')], shields: [] });
      const afterAdd = await worker.process(request({ d: 'new.example', u: 'https://new.example/' }), ctx(140_000));
      assert.deepEqual(afterAdd.dropped, []);
      assert.equal(afterAdd.events.length, 1);
    } finally {
      await worker.close();
    }
  });

  test('a worker that dies fails its requests (503), and a new one continues the sessions rebuilt from the store', async () => {
    const dir = tempDir();
    let recovered: Array<[string, LiveSession]> = [];
    let recoverCalls = 0;
    const worker = await WorkerProcessor.start(config(dir), SNAPSHOT, createLogger('error', () => undefined), async () => {
      recoverCalls++;
      return recovered;
    });
    try {
      const ctx = (at: number) => ({ ip: '81.2.69.142', userAgent: UA, ua: CHROME, now: new Date(now + at) });
      const first = await worker.process(request({}), ctx(0));
      first.settle(true);
      const row = JSON.parse(first.sessions[0]!) as LiveSession['row'];
      // what the store would give back for that session: the row with its omitted fields at their columns' defaults
      const template = startSession(baseEventRow(1, request({}), deriveFromUrl('https://a.com/', false), new Date(now)), 'x') as unknown as Record<string, unknown>;
      const defaults = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, Array.isArray(v) ? [] : typeof v === 'number' ? 0 : '']));
      recovered = [[row.user_id, { row: { ...defaults, ...row } as LiveSession['row'], startMs: now, lastMs: now }]];
      const lost = worker.process(request({ u: 'https://a.com/lost' }), ctx(30_000));
      await (worker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await assert.rejects(lost, IngestWorkerError);
      const next = await worker.process(request({ u: 'https://a.com/next' }), ctx(60_000));
      next.settle(true);
      assert.equal(recoverCalls, 1);
      const rows = next.sessions.map((l) => JSON.parse(l) as { sign: number; session_id: string; pageviews: number });
      assert.deepEqual(rows.map((r) => [r.sign, r.session_id, r.pageviews]), [[-1, row.session_id, 1], [1, row.session_id, 2]]);
    } finally {
      await worker.close();
    }
  });
});
