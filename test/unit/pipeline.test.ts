import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseEventRow, serializeRow, wellFormed } from '../../src/ingest/event.js';
import { Pipeline, defaultStages, sourceStage, type Stage } from '../../src/ingest/pipeline.js';
import { ReferrerDatabase } from '../../src/ingest/referrers.js';
import { GeoIp } from '../../src/ingest/geo.js';
import { FileSaltSource } from '../../src/ingest/salts.js';
import { MemorySessionStore } from '../../src/ingest/session.js';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
const testSalts = new FileSaltSource(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'salts-')), 'salts.json'));
import { SpamList } from '../../src/ingest/spam.js';
import { parseEventObject, type EventRequest } from '../../src/ingest/request.js';
import { EMPTY_UA } from '../../src/ingest/useragent.js';
import { deriveFromUrl } from '../../src/ingest/url.js';
import type { Site } from '../../src/store/repo.js';

const sites = new Map<string, Site>([
  ['a.com', { id: 1, domain: 'a.com', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 }],
  ['b.com', { id: 2, domain: 'b.com', timezone: 'Etc/UTC', createdAt: '', rateLimitPerMinute: 0, rateLimitBurst: 0, public: false, teamId: 1 }],
]);
const lookup = { byDomain: (d: string) => sites.get(d) };
const referrers = ReferrerDatabase.load();
const stages = defaultStages({ referrers, shields: { shieldsOf: () => undefined }, geo: GeoIp.open(), spam: SpamList.load(), salts: testSalts, sessions: new MemorySessionStore() });
const ctx = { ip: '1.2.3.4', userAgent: 'UA', ua: EMPTY_UA, now: new Date('2026-05-01T10:00:00Z') };

function req(body: Record<string, unknown>): EventRequest {
  const r = parseEventObject(body);
  assert.ok(r.ok);
  return r.request;
}

test('one row per known site, drops counted per unknown site', () => {
  const p = new Pipeline(lookup, stages);
  const r = p.process(req({ n: 'pageview', u: 'https://a.com/x', d: 'a.com,c.com,b.com' }), ctx);
  assert.deepEqual(r.rows.map((x) => x.site_id), [1, 2]);
  assert.deepEqual(r.dropped, ['unknown_site']);
  assert.equal(r.rows[0]!.timestamp, '2026-05-01 10:00:00');
});

test('a stage can drop an event for one site only; later stages do not run', () => {
  let ran = 0;
  const dropB: Stage = { name: 'dropB', run: (ev) => (ev.site.domain === 'b.com' ? 'bot' : undefined) };
  const count: Stage = { name: 'count', run: () => void ran++ };
  const r = new Pipeline(lookup, [dropB, count]).process(req({ n: 'x', u: '/', d: 'a.com,b.com' }), ctx);
  assert.deepEqual(r.rows.map((x) => x.site_id), [1]);
  assert.deepEqual(r.dropped, ['bot']);
  assert.equal(ran, 1);
});

test('rows never carry the raw IP or User-Agent', () => {
  const r = new Pipeline(lookup, stages).process(req({ n: 'x', u: 'https://a.com/', d: 'a.com' }), { ...ctx, userAgent: 'SecretAgent/1.0', ip: '203.0.113.77' });
  const line = serializeRow(r.rows[0]!);
  assert.ok(!line.includes('SecretAgent'));
  assert.ok(!line.includes('203.0.113.77'));
});

test('source stage: tagged source wins over the referrer host', () => {
  const request = req({ n: 'x', u: 'https://a.com/?utm_source=news', d: 'a.com', r: 'https://ref.org/p' });
  const url = deriveFromUrl(request.url, false);
  const ev = { site: sites.get('a.com')!, request, url, row: baseEventRow(1, request, url, ctx.now), referrerUrl: new URL('https://ref.org/p'), previousUserId: () => '', sessionRows: [], undo: [] };
  assert.equal(sourceStage(referrers).run(ev, ctx), undefined);
  assert.equal(ev.row.referrer_source, 'news');
  assert.equal(ev.row.referrer, 'ref.org/p');
});

test('serialization replaces lone surrogates and keeps everything else', () => {
  assert.equal(wellFormed('a\ud800b\udc00c😀'), 'a\ufffdb\ufffdc😀');
  const request = req({ n: 'x\ud800', u: 'https://a.com/', d: 'a.com', p: { k: 'back\\ud800slash' } });
  const url = deriveFromUrl(request.url, false);
  const row = JSON.parse(serializeRow(baseEventRow(1, request, url, ctx.now)));
  assert.equal(row.name, 'x\ufffd');
  assert.deepEqual(row['meta.value'], ['back\\ud800slash']);
});

test('serializeRow leaves out exactly the fields that hold their column default, and escapes what JSON must', () => {
  const line = serializeRow({ a: 'x', b: '', c: 0, d: [], e: null, f: ['q"b', 'lone\ud800', 'pair😀', 'tab\there'], g: 1.5, h: -1, i: '0', j: 'back\\slash\u0000' });
  assert.equal(line, '{"a":"x","f":["q\\"b","lone\ufffd","pair😀","tab\\there"],"g":1.5,"h":-1,"i":"0","j":"back\\\\slash\\u0000"}');
  assert.deepEqual(JSON.parse(line).j, 'back\\slash\u0000');
  assert.equal(serializeRow({ a: '', b: 0 }), '{}');
});

test('serializeRow: large props are serialized apart, shared across rows, and still clean of lone surrogates', () => {
  const props = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `\u0001${'v'.repeat(1990)}${i === 3 ? '\ud800' : '😀'}`]));
  const r = req({ n: 'pageview', u: 'https://a.com/x', d: 'a.com', p: props });
  const row = baseEventRow(1, r, deriveFromUrl(r.url, false), ctx.now);
  const line = serializeRow(row);
  const back = JSON.parse(line);
  assert.deepEqual(back['meta.key'], row['meta.key']);
  assert.deepEqual(back['meta.value'], row['meta.value'].map(wellFormed));
  assert.equal(back['meta.value'][3]?.endsWith('\ufffd'), true, 'the lone surrogate is replaced');
  assert.equal(back['meta.value'][4]?.endsWith('😀'), true, 'pairs are kept');
  const { 'meta.key': _k, 'meta.value': _v, ...rest } = back;
  const { 'meta.key': _k2, 'meta.value': _v2, ...want } = row;
  // every other field is there, except those that hold their column's default (the store fills those in)
  const isDefault = (v: unknown) => v === '' || v === 0 || v === null || (Array.isArray(v) && v.length === 0);
  assert.deepEqual(rest, Object.fromEntries(Object.entries(want).filter(([, v]) => !isDefault(v))));
  // a session row holding the same arrays reuses their JSON; a copy with other arrays does not
  const session = { session_id: '1', 'entry_meta.key': row['meta.key'], 'entry_meta.value': row['meta.value'] };
  assert.deepEqual(JSON.parse(serializeRow(session))['entry_meta.value'], back['meta.value']);
  const other = { ...session, 'entry_meta.value': session['entry_meta.value'].map((v) => v.replace('\u0001', 'x')) };
  assert.equal(JSON.parse(serializeRow(other))['entry_meta.value'][0][0], 'x');
});
