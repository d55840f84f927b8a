import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, test } from 'node:test';
import { Pipeline, sessionStage, visitorStage, type RequestContext } from '../../src/ingest/pipeline.js';
import { parseEventObject } from '../../src/ingest/request.js';
import { FileSaltSource } from '../../src/ingest/salts.js';
import { MemorySessionStore, liveSessionBytes, liveSessionsFromRows, startSession, type SessionRow } from '../../src/ingest/session.js';
import { baseEventRow } from '../../src/ingest/event.js';
import { deriveFromUrl } from '../../src/ingest/url.js';
import { EMPTY_UA } from '../../src/ingest/useragent.js';
import { oneByte } from '../../src/util/strings.js';
import { registrableDomain, sipHash64, visitorId } from '../../src/ingest/visitor.js';
import type { Site } from '../../src/store/repo.js';

const site = (id: number, domain: string): Site => ({ id, domain, timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 });
const SITES = new Map([['a.com', site(1, 'a.com')], ['b.com', site(2, 'b.com')]]);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const T0 = Date.parse('2026-03-10T12:00:00Z');

function setup(opts: { store?: MemorySessionStore; dir?: string; sessions?: Map<string, SessionRow> } = {}) {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sess-'));
  const salts = new FileSaltSource(path.join(dir, 'salts.json'));
  const store = opts.store ?? new MemorySessionStore();
  const pipeline = new Pipeline({ byDomain: (d) => SITES.get(d) }, [visitorStage(salts), sessionStage(store)]);
  const sessions = opts.sessions ?? new Map<string, SessionRow>(); // collapsed state, as the table would show it
  let signSum = 0;
  const send = (body: Record<string, unknown>, atMs: number, ctx: Partial<RequestContext> = {}) => {
    const r = parseEventObject({ d: 'a.com', u: 'https://a.com/', n: 'pageview', ...body });
    assert.ok(r.ok);
    const out = pipeline.process(r.request, { ip: '81.2.69.142', userAgent: UA, ua: EMPTY_UA, now: new Date(atMs), ...ctx });
    for (const s of out.sessionRows) {
      signSum += s.sign;
      if (s.sign === 1) sessions.set(s.session_id, s);
      else assert.deepEqual({ ...s, sign: 1 }, sessions.get(s.session_id), 'a -1 row cancels exactly the previous state');
    }
    return out;
  };
  return { dir, salts, store, send, sessions, signSum: () => signSum };
}
const MIN = 60_000;

/** 30 props at the size limits (keys of 300, values of 2,000 characters) made of one character. */
function maxProps(ch: string): Record<string, string> {
  const p: Record<string, string> = {};
  for (let i = 0; i < 30; i++) p[String(i).padStart(2, '0') + ch.repeat(298)] = ch.repeat(2000);
  return p;
}

/** A session's first row, as the session stage makes it. */
function sessionRow(props: Record<string, string> = {}): SessionRow {
  const r = parseEventObject({ d: 'a.com', u: 'https://a.com/', n: 'pageview', p: props });
  assert.ok(r.ok);
  return startSession(baseEventRow(1, r.request, deriveFromUrl(r.request.url, false), new Date(T0)), '1');
}

describe('visitor ids', () => {
  const key = [1, 2, 3, 4];
  test('same UA + IP + site → same id; any of them different → different', () => {
    const a = visitorId(key, UA, '1.2.3.4', 'a.com', 'a.com');
    assert.equal(visitorId(key, UA, '1.2.3.4', 'a.com', 'a.com'), a);
    assert.notEqual(visitorId(key, UA + 'x', '1.2.3.4', 'a.com', 'a.com'), a);
    assert.notEqual(visitorId(key, UA, '1.2.3.5', 'a.com', 'a.com'), a);
    assert.notEqual(visitorId(key, UA, '1.2.3.4', 'b.com', 'a.com'), a);
    assert.notEqual(visitorId([1, 2, 3, 5], UA, '1.2.3.4', 'a.com', 'a.com'), a);
    assert.match(a, /^\d+$/);
    assert.ok(BigInt(a) < 2n ** 64n);
  });
  test('subdomains of one registrable domain → same id', () => {
    assert.equal(visitorId(key, UA, '1.2.3.4', 'a.com', 'blog.a.com'), visitorId(key, UA, '1.2.3.4', 'a.com', 'a.com'));
    assert.equal(registrableDomain('blog.example.co.uk'), 'example.co.uk');
    assert.equal(registrableDomain('192.168.1.1'), '192.168.1.1');
    assert.equal(registrableDomain('(none)'), '(none)');
    assert.equal(registrableDomain('localhost'), 'localhost');
    assert.equal(registrableDomain('blog.example.co.uk'), 'example.co.uk', 'the same from the cache');
  });
  test('the id is SipHash-2-4 of the UTF-8 text, for short, long and non-ASCII messages alike', () => {
    for (const ua of [UA, 'Ünïcødé 😀 \ud800 agent', 'x'.repeat(20_000), 'é'.repeat(9000)]) {
      assert.equal(visitorId(key, ua, '1.2.3.4', 'a.com', 'blog.a.com'), sipHash64(key, `${ua}1.2.3.4a.coma.com`).toString());
    }
  });
});

describe('salts', () => {
  test('one per UTC day, persisted, rotated at midnight without a restart; older ones deleted from disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-salts-'));
    const file = path.join(dir, 'salts.json');
    const s = new FileSaltSource(file);
    const d1 = s.current(new Date('2026-03-10T23:59:59Z'));
    assert.equal(s.previous(new Date('2026-03-10T23:59:59Z')), undefined);
    assert.equal(new FileSaltSource(file).current(new Date('2026-03-10T10:00:00Z')).key.toString('hex'), d1.key.toString('hex'), 'a restart keeps the salt');
    const d2 = s.current(new Date('2026-03-11T00:00:00Z'));
    assert.notEqual(d2.key.toString('hex'), d1.key.toString('hex'));
    assert.equal(s.previous(new Date('2026-03-11T00:00:01Z'))?.day, '2026-03-10');
    s.current(new Date('2026-03-12T00:00:00Z'));
    assert.deepEqual(s.days(), ['2026-03-11', '2026-03-12']);
    const onDisk = fs.readFileSync(file, 'utf8');
    assert.ok(!onDisk.includes(d1.key.toString('hex')), 'the day-before-yesterday salt is gone from disk');
    assert.ok(!onDisk.includes('2026-03-10'));
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  });
});

describe('sessions', () => {
  test('30 minutes of inactivity: 29:59 continues, 30:00 starts a new session', () => {
    const t = setup();
    const a = t.send({}, T0).rows[0]!;
    const b = t.send({}, T0 + 30 * MIN - 1000).rows[0]!;
    assert.equal(b.session_id, a.session_id);
    const c = t.send({}, T0 + 60 * MIN - 1000).rows[0]!;
    assert.notEqual(c.session_id, a.session_id, 'exactly 30 minutes after the last event');
    assert.equal(c.user_id, a.user_id);
  });

  test('bounce, duration, pageviews, events, entry/exit pages over a sequence', () => {
    const t = setup();
    const first = t.send({ u: 'https://a.com/landing', r: 'https://www.google.com/' }, T0).rows[0]!;
    let s = t.sessions.get(first.session_id)!;
    assert.deepEqual([s.is_bounce, s.pageviews, s.events, s.duration, s.entry_page, s.exit_page], [1, 1, 1, 0, '/landing', '/landing']);
    t.send({ n: 'Scroll', u: 'https://a.com/landing', i: false }, T0 + 10_000);
    s = t.sessions.get(first.session_id)!;
    assert.deepEqual([s.is_bounce, s.pageviews, s.events, s.duration], [1, 1, 2, 10], 'a non-interactive event does not end the bounce');
    t.send({ n: 'engagement', u: 'https://a.com/landing', sd: 50, e: 9000 }, T0 + 20_000);
    s = t.sessions.get(first.session_id)!;
    assert.deepEqual([s.is_bounce, s.events, s.duration], [1, 2, 10], 'engagement only keeps the session alive');
    t.send({ n: 'Signup', u: 'https://a.com/landing' }, T0 + 40_000);
    s = t.sessions.get(first.session_id)!;
    assert.deepEqual([s.is_bounce, s.pageviews, s.events], [0, 1, 3], 'an interactive custom event ends the bounce');
    t.send({ u: 'https://blog.a.com/pricing' }, T0 + 100_000);
    s = t.sessions.get(first.session_id)!;
    assert.deepEqual(
      [s.pageviews, s.events, s.duration, s.entry_page, s.exit_page, s.exit_page_hostname, s.referrer_source],
      [2, 4, 100, '/landing', '/pricing', 'blog.a.com', ''],
    );
    assert.equal(t.signSum(), 1, 'sum(sign) leaves exactly one live state');
  });

  test('a session started by a custom event gets its entry page from the first pageview', () => {
    const t = setup();
    const e = t.send({ n: 'Download', u: 'https://a.com/file' }, T0).rows[0]!;
    assert.equal(t.sessions.get(e.session_id)!.entry_page, '');
    t.send({ u: 'https://a.com/docs' }, T0 + 1000);
    const s = t.sessions.get(e.session_id)!;
    assert.deepEqual([s.entry_page, s.exit_page, s.pageviews], ['/docs', '/docs', 1]);
  });

  test('engagement without a live session is dropped', () => {
    const t = setup();
    const out = t.send({ n: 'engagement', sd: 10, e: 100 }, T0);
    assert.deepEqual(out.dropped, ['engagement_without_session']);
    assert.equal(out.rows.length, 0);
  });

  test('multi-domain events: one session per site', () => {
    const t = setup();
    const out = t.send({ d: 'a.com,b.com' }, T0);
    assert.equal(out.rows.length, 2);
    assert.notEqual(out.rows[0]!.session_id, out.rows[1]!.session_id);
    assert.equal(out.sessionRows.length, 2);
    assert.deepEqual(out.sessionRows.map((s) => s.site_id).sort(), [1, 2]);
  });

  test('different visitors get different sessions', () => {
    const t = setup();
    const a = t.send({}, T0).rows[0]!;
    const b = t.send({}, T0 + 1000, { ip: '81.2.69.143' }).rows[0]!;
    assert.notEqual(a.session_id, b.session_id);
    assert.notEqual(a.user_id, b.user_id);
  });

  test('salt rotation: an in-progress session continues past midnight; a new visit the next day gets a new id', () => {
    const t = setup();
    const before = t.send({}, Date.parse('2026-03-10T23:50:00Z')).rows[0]!;
    const after = t.send({}, Date.parse('2026-03-11T00:10:00Z')).rows[0]!;
    assert.equal(after.session_id, before.session_id, 'found under yesterday’s visitor id');
    assert.equal(after.user_id, before.user_id, 'the session keeps its visitor');
    const later = t.send({}, Date.parse('2026-03-11T09:00:00Z')).rows[0]!;
    assert.notEqual(later.session_id, before.session_id);
    assert.notEqual(later.user_id, before.user_id, 'today’s salt gives a new visitor id');
  });

  test('the store is bounded and forgets idle sessions', () => {
    const store = new MemorySessionStore(3);
    const live = (n: number) => ({ row: sessionRow(), startMs: n, lastMs: n });
    for (let i = 0; i < 5; i++) store.set(`k${i}`, live(i));
    assert.equal(store.size, 3);
    assert.equal(store.get('k0', 10), undefined);
    assert.ok(store.get('k4', 10));
    assert.equal(store.sweep(30 * MIN + 3), 2);
    assert.equal(store.size, 1);
    assert.equal(store.bytes, liveSessionBytes('k4', live(4)));
  });

  test('the store is bounded in bytes: sessions with large props push the least recently active out', () => {
    const big = sessionRow(maxProps('x'));
    const bigBytes = liveSessionBytes('big000', { row: big, startMs: 0, lastMs: 0 });
    assert.ok(bigBytes > 60_000, `${bigBytes} bytes for a session with maximal props`);
    const text = (ch: string) => ({ row: { ...sessionRow(), 'entry_meta.key': ['k'], 'entry_meta.value': [ch.repeat(10_000)] }, startMs: 0, lastMs: 0 });
    assert.ok(liveSessionBytes('big000', text('\u0101')) > liveSessionBytes('big000', text('x')) + 9_900, 'non-Latin-1 text counts twice');
    const store = new MemorySessionStore(1_000_000, 30 * MIN, 1_000_000);
    for (let i = 0; i < 100; i++) store.set(`big${String(i).padStart(3, '0')}`, { row: big, startMs: i, lastMs: i });
    assert.ok(store.bytes <= 1_000_000, `${store.bytes} bytes held`);
    assert.equal(store.size, Math.floor(1_000_000 / bigBytes));
    assert.ok(store.get('big099', 100) && !store.get('big000', 100), 'the oldest went first');
    const small = liveSessionBytes('s00000', { row: sessionRow(), startMs: 200, lastMs: 200 });
    for (let i = 0; i < 10_000; i++) store.set(`s${String(i).padStart(5, '0')}`, { row: sessionRow(), startMs: 200, lastMs: 200 });
    assert.equal(store.size, Math.floor(1_000_000 / small));
    assert.equal(store.evicted, 100 + 10_000 - store.size);
    for (const k of ['s09999', 's09000']) store.delete(k);
    assert.equal(store.bytes, store.size * small);
  });

  test('a live session comes back from its compact form exactly as it was set, under keyed and other keys', () => {
    const store = new MemorySessionStore();
    const row = { ...sessionRow({ plan: 'pro', 'ключ': 'значение \u0001"' }), user_id: '18446744073709551615', session_id: '12345678901234567890', referrer: 'https://news.example/a"b', utm_campaign: 'spring', city_geoname_id: 2950159 };
    const later = { ...row, timestamp: '2026-03-10 12:05:00', exit_page: '/exit', pageviews: 2, events: 3, duration: 300, is_bounce: 0 };
    for (const key of ['18446744073709551615', 'other']) {
      store.set(key, { row, startMs: T0, lastMs: T0 });
      assert.deepEqual(store.get(key, T0), { row, startMs: T0, lastMs: T0 });
      store.set(key, { row: later, startMs: T0, lastMs: T0 + 5 * MIN });
      assert.deepEqual(store.get(key, T0 + 5 * MIN)?.row, later);
      store.set(key, { row: { ...later, session_id: '7', referrer: 'https://other.example/' }, startMs: T0, lastMs: T0 + 6 * MIN });
      assert.equal(store.get(key, T0 + 6 * MIN)?.row.referrer, 'https://other.example/', 'a new session packs its own columns');
      store.touch(key, T0 + 20 * MIN);
      assert.equal(store.get(key, T0 + 45 * MIN)?.lastMs, T0 + 20 * MIN, 'touch keeps it alive');
    }
  });

  test('a continued session reuses its packed fixed columns and comes back exactly as a freshly packed one', () => {
    const row = { ...sessionRow({ plan: 'pro', k: 'a\x1fb' }), user_id: '99', referrer: '\x1estarts with the mark', utm_term: 'sep\x1fin it', browser: 'Ünï' };
    const reused = new MemorySessionStore();
    const fresh = new MemorySessionStore();
    reused.set('k', { row, startMs: T0, lastMs: T0 });
    let prev = reused.get('k', T0)!.row;
    for (let n = 2; n <= 4; n++) {
      const next = { ...prev, timestamp: `2026-03-10 12:0${n}:00`, exit_page: `/p${n}`, pageviews: n, events: n, duration: 60 * n, is_bounce: 0 };
      reused.set('k', { row: next, startMs: T0, lastMs: T0 + n * MIN });
      fresh.set('k', { row: JSON.parse(JSON.stringify(next)), startMs: T0, lastMs: T0 + n * MIN });
      assert.equal(reused.bytes, fresh.bytes);
      const got = reused.get('k', T0 + n * MIN)!;
      assert.deepEqual(got, fresh.get('k', T0 + n * MIN));
      assert.deepEqual(got.row, next);
      prev = got.row;
    }
    // a fixed column changed after a read, in a new row or in place in the row read (arrays too), is packed anew
    reused.set('k', { row: { ...prev, country_code: 'EE' }, startMs: T0, lastMs: T0 + 9 * MIN });
    assert.equal(reused.get('k', T0 + 9 * MIN)!.row.country_code, 'EE');
    reused.set('k', { row: { ...prev, 'entry_meta.value': ['x', 'y'] }, startMs: T0, lastMs: T0 + 9 * MIN });
    assert.deepEqual(reused.get('k', T0 + 9 * MIN)!.row['entry_meta.value'], ['x', 'y']);
    const changes: Array<(r: SessionRow) => void> = [
      (r) => void r['entry_meta.value'].push('z'),
      (r) => void r['entry_meta.key'].push('k2'),
      (r) => void (r.city_geoname_id = 1),
      (r) => void (r.referrer = '\x1eother'),
    ];
    for (const change of changes) {
      const read = reused.get('k', T0 + 9 * MIN)!;
      change(read.row);
      const want = JSON.parse(JSON.stringify(read.row));
      reused.set('k', read);
      assert.deepEqual(reused.get('k', T0 + 9 * MIN)!.row, want);
    }
  });

  test('save and restore keep live sessions, not expired ones', async () => {
    const t = setup();
    const a = t.send({}, T0).rows[0]!;
    const file = path.join(t.dir, 'sessions.jsonl');
    assert.equal(t.store.save(file, T0 + MIN), 1);
    const fresh = new MemorySessionStore();
    assert.equal(await fresh.restore(file, T0 + 2 * MIN), 1);
    assert.equal(fresh.get(a.user_id, T0 + 2 * MIN)?.row.session_id, a.session_id);
    assert.ok(!fs.existsSync(file));
    t.store.save(file, T0 + MIN);
    assert.equal(await new MemorySessionStore().restore(file, T0 + 40 * MIN), 0);
    assert.equal(await new MemorySessionStore().restore(file, T0), null, 'no file: the last stop was not graceful');
  });

  test('poison sessions: 1,350 sessions with maximal props of a six-fold JSON-escaped character save and restore', async () => {
    // Each session holds 30 props of 300 + 2,000 U+0001 characters: ≈ 414 KB of JSON, 560 MB for all of them,
    // beyond V8's longest string (the whole map as one JSON string threw "Invalid string length").
    const store = new MemorySessionStore();
    const poison = sessionRow(maxProps('\u0001'));
    for (let i = 0; i < 1350; i++) store.set(String(i), { row: { ...poison, user_id: String(i) }, startMs: T0, lastMs: T0 + i });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-poison-'));
    const file = path.join(dir, 'sessions.jsonl');
    try {
      assert.equal(store.save(file, T0 + MIN), 1350);
      assert.ok(fs.statSync(file).size > 0x1fffffe8, `${fs.statSync(file).size} bytes saved`);
      const fresh = new MemorySessionStore();
      assert.equal(await fresh.restore(file, T0 + 2 * MIN), 1350);
      const back = fresh.get('1349', T0 + 2 * MIN)!;
      assert.deepEqual(back.row['entry_meta.value'], poison['entry_meta.value']);
      assert.equal(back.lastMs, T0 + 1349);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('undo (the rows were not kept): the live session is forgotten, so no later row cancels an unstored state', () => {
    const t = setup();
    const a = t.send({}, T0);
    const b = t.send({ u: 'https://a.com/b' }, T0 + MIN);
    assert.equal(b.rows[0]!.session_id, a.rows[0]!.session_id);
    // b's journal write failed: its -1/+1 rows were never stored
    t.sessions.set(a.sessionRows[0]!.session_id, a.sessionRows[0]!);
    b.undo();
    assert.equal(t.store.size, 0);
    const c = t.send({ u: 'https://a.com/c' }, T0 + 2 * MIN);
    assert.notEqual(c.rows[0]!.session_id, a.rows[0]!.session_id, 'a new session');
    assert.deepEqual(c.sessionRows.map((r) => r.sign), [1], 'and no -1 row for the state that was never stored');
  });

  test('live sessions rebuilt from stored rows continue, and their next event cancels exactly the stored state', () => {
    const t = setup();
    const first = t.send({}, T0);
    const second = t.send({ u: 'https://a.com/next' }, T0 + MIN);
    const stored = second.sessionRows.find((r) => r.sign === 1)!;
    // as the store returns it: 64-bit integers as strings, no sign column semantics beyond 1
    const fromStore = { ...stored, site_id: String(stored.site_id) } as unknown as Record<string, unknown>;
    const entries = liveSessionsFromRows([fromStore]);
    assert.deepEqual(entries.map(([k, s]) => [k, s.startMs, s.lastMs]), [[stored.user_id, Date.parse('2026-03-10T12:00:00Z'), Date.parse('2026-03-10T12:01:00Z')]]);
    const rebuilt = new MemorySessionStore();
    assert.equal(rebuilt.load(entries, T0 + 40 * MIN), 0, 'expired ones are skipped');
    assert.equal(rebuilt.load(entries, T0 + 5 * MIN), 1);
    const t2 = setup({ store: rebuilt, dir: t.dir, sessions: t.sessions });
    const third = t2.send({ u: 'https://a.com/third' }, T0 + 5 * MIN);
    assert.equal(third.rows[0]!.session_id, first.rows[0]!.session_id, 'the session goes on');
    const [cancel, next] = third.sessionRows;
    assert.deepEqual(cancel, { ...stored, sign: -1 });
    assert.equal(next!.pageviews, 3);
    assert.equal(next!.duration, 300);
  });
});

describe('event rows inherit their session', () => {
  test('a later event of the session is stored with the session’s source, UTM tags, location and device', async () => {
    const { inheritVisit } = await import('../../src/ingest/pipeline.js');
    const t = setup();
    const first = t.send({ u: 'https://a.com/?utm_source=news&utm_campaign=spring', r: 'https://www.google.com/' }, T0);
    const second = t.send({ u: 'https://a.com/next?utm_source=other', r: 'https://bing.com/' }, T0 + MIN, { ua: { ...EMPTY_UA, browser: 'Firefox' } });
    const [a, b] = [first.rows[0]!, second.rows[0]!];
    assert.equal(b.session_id, a.session_id);
    for (const k of ['referrer', 'referrer_source', 'utm_source', 'utm_campaign', 'browser', 'country_code'] as const) assert.equal(b[k], a[k], k);
    assert.equal(b.pathname, '/next', 'the page stays the event’s own');
    const row = { ...b, utm_source: 'x' };
    inheritVisit(row, { ...a, utm_source: 'y' });
    assert.equal(row.utm_source, 'y');
  });
});

describe('Plausible’s session rules', () => {
  const last = (t: ReturnType<typeof setup>, id: string) => t.sessions.get(id)!;
  test('an interactive custom event opens a session that is not a bounce; a non-interactive one opens a bounce', () => {
    const t = setup();
    const a = t.send({ n: 'Signup', u: 'https://a.com/pricing' }, T0).sessionRows[0]!;
    assert.deepEqual([a.is_bounce, a.hostname, a.entry_page, a.pageviews], [0, '', '', 0]);
    const t2 = setup();
    const b = t2.send({ n: 'Video Play', u: 'https://a.com/', interactive: false }, T0).sessionRows[0]!;
    assert.equal(b.is_bounce, 1);
  });

  test('a non-interactive custom event then a pageview: still a bounce (one pageview), the pageview gives hostname and entry page', () => {
    const t = setup();
    const first = t.send({ n: 'Video Play', u: 'https://a.com/v', i: false }, T0).rows[0]!;
    t.send({ n: 'pageview', u: 'https://a.com/next' }, T0 + MIN);
    const s = last(t, first.session_id);
    assert.deepEqual([s.is_bounce, s.hostname, s.entry_page, s.pageviews, s.events], [1, 'a.com', '/next', 1, 2]);
    // a second pageview ends the bounce
    t.send({ n: 'pageview', u: 'https://a.com/third' }, T0 + 2 * MIN);
    assert.deepEqual([last(t, first.session_id).is_bounce, last(t, first.session_id).pageviews], [0, 2]);
  });

  test('a pageview then a non-interactive event stays a bounce', () => {
    const t = setup();
    const first = t.send({ n: 'pageview', u: 'https://a.com/' }, T0).rows[0]!;
    t.send({ n: 'Scrolled', u: 'https://a.com/', i: false }, T0 + MIN);
    assert.equal(last(t, first.session_id).is_bounce, 1);
  });

  test('duration is the exact difference of the stored timestamps (whole seconds)', () => {
    const t = setup();
    const first = t.send({}, T0 + 900).rows[0]!;
    t.send({ u: 'https://a.com/b' }, T0 + 1100);
    assert.equal(last(t, first.session_id).duration, 1, '12:00:00.900 → 12:00:01.100 is stored as 1 s');
  });

  test('only a boolean interactive counts: the string "false" is ignored', () => {
    const t = setup();
    const s = t.send({ n: 'Signup', u: 'https://a.com/', interactive: 'false' }, T0).sessionRows[0]!;
    assert.equal(s.is_bounce, 0, 'treated as interactive');
  });
});

describe('live sessions in bytes', () => {
  const oneByteTag = (s: string) => v8.serialize(s)[2] === 0x22; // V8's serializer tags one-byte strings '"'
  test('oneByte copies a Latin-1 string that V8 holds in two bytes a character into one byte, and leaves others', () => {
    const twoByte = '\u0100US-OH'.slice(1); // ASCII text cut from a two-byte string stays two-byte
    assert.equal(oneByteTag(twoByte), false);
    assert.equal(oneByte(twoByte), 'US-OH');
    assert.ok(oneByteTag(oneByte(twoByte)));
    assert.equal(oneByte('ключ'), 'ключ');
    assert.equal(oneByte('x'.repeat(10_000) + 'é'), 'x'.repeat(10_000) + 'é');
  });

  test('a typical live session takes about 300 bytes of heap, and the store’s estimate is within 15% of it', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const N = 20_000;
    const base = { ...sessionRow({ author: 'a1' }), referrer: 'google.com', referrer_source: 'Google', utm_source: 'news', utm_campaign: 'c1', browser: 'Chrome', browser_version: '131.0', operating_system: 'Mac', operating_system_version: '10.15', screen_size: 'Desktop', city_geoname_id: 4509177 };
    // some of a real event's strings come two-byte from their decoders (the GeoIP reader's did)
    const twoByte = (s: string) => ('\u0100' + s).slice(1);
    const row = (i: number) => ({ ...base, user_id: String(10_000_000_000_000_000_000n + BigInt(i) * 7919n), session_id: String(18_000_000_000_000_000_000n - BigInt(i)), country_code: twoByte('US'), subdivision1_code: twoByte('US-OH'), entry_page: `/page/${i % 5000}`, exit_page: `/page/${i % 5000}` });
    const store = new MemorySessionStore();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) {
      const r = row(i);
      store.set(r.user_id, { row: r, startMs: T0, lastMs: T0 });
    }
    gc();
    const perSession = (process.memoryUsage().heapUsed - before) / N;
    assert.equal(store.size, N);
    assert.ok(perSession < 330, `${perSession.toFixed(0)} bytes per live session`);
    assert.ok(Math.abs(store.bytes / N - perSession) / perSession < 0.15, `estimate ${(store.bytes / N).toFixed(0)} vs ${perSession.toFixed(0)} bytes`);
  });
});
