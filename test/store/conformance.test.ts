import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baseEventRow, serializeRow, type EventRow } from '../../src/ingest/event.js';
import { startSession } from '../../src/ingest/session.js';
import { parseEventObject } from '../../src/ingest/request.js';
import { deriveFromUrl } from '../../src/ingest/url.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { ChdbBackend } from '../../src/store/chdb.js';
import { ClickHouseBackend } from '../../src/store/clickhouse.js';
import { AccountSecretsRepo, AccountsRepo } from '../../src/store/accounts-repo.js';
import { TeamsRepo } from '../../src/store/teams-repo.js';
import { migrate, SchemaTooNewError } from '../../src/store/migrate.js';
import { Repo } from '../../src/store/repo.js';
import { sqlString } from '../../src/store/sql.js';
import { IMPORTED_TABLES, MIGRATIONS, type Migration } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { DEFAULT_PAGING, exportRows } from '../../src/store/export.js';
import { seqOf, withSeq } from '../../src/store/journal-format.js';
import { Journal } from '../../src/store/journal.js';
import { JournalIntake, replayJournal } from '../../src/store/intake.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/server.js';

/** Every storage backend runs the same cases. The ClickHouse server backend joins this list. */
interface BackendCase {
  name: string;
  open(): Promise<SqlBackend>;
  /** Stops and restarts the engine (a server backend whose test server this process may bounce). */
  outage?: { down(): Promise<void>; up(): Promise<void> };
}
const backends: BackendCase[] = [
  { name: 'chdb', open: async () => ChdbBackend.open(path.join(tempDir(), 'chdb')) },
];
// The ClickHouse server backend, when a test server runs (scripts/clickhouse-test-server.sh; .ci/run starts one).
const chUrl = process.env.FOOTFALL_TEST_CLICKHOUSE_URL;
const chDir = process.env.CLICKHOUSE_TEST_DIR;
const chScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/clickhouse-test-server.sh');
if (chUrl) {
  backends.push({
    name: `clickhouse server ${chUrl}`,
    // a short request timeout, so the outage test sees failures quickly
    open: async () => new ClickHouseBackend({ url: chUrl, requestTimeoutMs: 5000 }),
    outage: chDir
      ? {
          down: async () => void (await promisify(execFile)(chScript, ['down', chDir])),
          up: async () => void (await promisify(execFile)(chScript, ['up', chDir])),
        }
      : undefined,
  });
}

const log = createLogger('error', () => {});
let dbCounter = 0;

function row(overrides: Partial<EventRow>, body: Record<string, unknown> = { n: 'pageview', u: 'https://e.com/', d: 'e.com' }): EventRow {
  const r = parseEventObject(body);
  assert.ok(r.ok);
  return { ...baseEventRow(1, r.request, deriveFromUrl(r.request.url, false), new Date('2026-03-04T05:06:07Z')), ...overrides };
}

async function collect(gen: AsyncIterable<string>): Promise<Array<Record<string, any>>> {
  let text = '';
  for await (const c of gen) text += c;
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

for (const b of backends) {
  describe(`store conformance: ${b.name}`, () => {
    let backend: SqlBackend;
    before(async () => {
      backend = await b.open();
    });
    after(async () => {
      await backend?.close();
    });
    const newStore = async (): Promise<Store> => {
      const store = new Store(backend, { db: `conf_${process.pid}_${++dbCounter}`, flushRows: 1000, flushIntervalMs: 20, bufferMaxRows: 1_000_000, log });
      await store.migrate();
      return store;
    };

    test('sqlString round-trips hostile strings through the engine', async () => {
      const hostile = [
        "it's", 'back\\slash\\', "\\'; DROP TABLE x; --", 'nul\u0000byte', 'tab\tnewline\ncr\r', '\u0001\u001f\u007f',
        'ünïcødé 😀 中文', "''''", '\\x41', '\\', 'x'.repeat(100_000), '',
      ];
      for (const h of hostile) {
        const [row] = await backend.queryRows<{ s: string; n: string }>(`SELECT ${sqlString(h)} AS s, length(${sqlString(h)}) AS n`);
        assert.equal(row!.s, h, JSON.stringify(h).slice(0, 60));
        assert.equal(Number(row!.n), Buffer.byteLength(h));
      }
    });

    test('migrations from empty, then a no-op', async () => {
      const db = `mig_${process.pid}_${++dbCounter}`;
      const first = await migrate(backend, db);
      const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      assert.deepEqual(first, { from: 0, to: latest, applied: MIGRATIONS.map((m) => m.version) });
      const tables = (await backend.queryRows<{ name: string }>(`SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`)).map((r) => r.name);
      assert.deepEqual(tables, ['api_keys', 'events', 'goals', ...IMPORTED_TABLES.map((t) => t.name).sort(), 'imports', 'invitations', 'login_sessions', 'memberships', 'password_resets', 'schema_migrations', 'segments', 'sessions', 'shared_links', 'shields', 'sites', 'teams', 'user_totp', 'users']);
      assert.deepEqual(await migrate(backend, db), { from: latest, to: latest, applied: [] });
      // a store written by a newer build: refused, naming both versions, and left as it was
      await backend.command(`INSERT INTO ${db}.schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2026-01-01 00:00:00')`);
      await assert.rejects(migrate(backend, db), (err: unknown) => err instanceof SchemaTooNewError && err.storeVersion === 999 && err.buildVersion === latest && /version 999, newer than this build's \(\d+\)/.test(err.message));
      const versions = (await backend.queryRows<{ v: string | number }>(`SELECT version AS v FROM ${db}.schema_migrations ORDER BY version`)).map((r) => Number(r.v));
      assert.deepEqual(versions, [...MIGRATIONS.map((m) => m.version), 999]);
    });

    test('teams, memberships, invitations with expiry, password resets and two-factor rows; newest version wins', async () => {
      const db = `teams_${process.pid}_${++dbCounter}`;
      await migrate(backend, db);
      const t = new TeamsRepo(backend, db);
      const a = await t.writeTeam({ name: "Ada's sites" }, false);
      const b = await t.writeTeam({ name: 'Agency' }, false);
      assert.deepEqual([a.id, b.id], [1, 2]);
      await t.writeTeam({ ...b, name: 'Agency & Co' }, false);
      await t.writeTeam(a, true);
      assert.deepEqual((await t.listTeams()).map((x) => [x.id, x.name]), [[2, 'Agency & Co']]);
      await t.writeMembership({ teamId: 2, userId: 1, role: 'owner' }, false);
      const m = await t.writeMembership({ teamId: 2, userId: 3, role: 'viewer' }, false);
      await t.writeMembership({ ...m, role: 'editor' }, false);
      await t.writeMembership({ teamId: 2, userId: 4, role: 'admin' }, false);
      await t.writeMembership({ teamId: 2, userId: 4, role: 'admin' }, true);
      assert.deepEqual((await t.listMemberships()).map((x) => [x.teamId, x.userId, x.role]), [[2, 1, 'owner'], [2, 3, 'editor']]);
      const now = Date.parse('2026-06-01T12:00:00Z');
      const i = await t.writeInvitation({ teamId: 2, email: 'bob@example.com', role: 'viewer', tokenHash: 'f'.repeat(64), invitedBy: 1, expiresMs: now + 3600_000 }, false);
      await t.writeInvitation({ teamId: 2, email: 'old@example.com', role: 'viewer', tokenHash: 'e'.repeat(64), invitedBy: 1, expiresMs: now - 1000 }, false);
      const gone = await t.writeInvitation({ teamId: 2, email: 'gone@example.com', role: 'admin', tokenHash: 'd'.repeat(64), invitedBy: 1, expiresMs: now + 3600_000 }, false);
      await t.writeInvitation(gone, true);
      const open = await t.listInvitations(now);
      assert.deepEqual(open.map((x) => [x.id, x.email, x.role, x.tokenHash, x.expiresMs]), [[i.id, 'bob@example.com', 'viewer', 'f'.repeat(64), now + 3600_000]]);
      const sec = new AccountSecretsRepo(backend, db);
      await sec.writeReset({ tokenHash: 'a'.repeat(64), userId: 3, expiresMs: now + 60_000 }, false);
      await sec.writeReset({ tokenHash: 'b'.repeat(64), userId: 3, expiresMs: now - 60_000 }, false);
      await sec.writeReset({ tokenHash: 'c'.repeat(64), userId: 1, expiresMs: now + 60_000 }, false);
      await sec.writeReset({ tokenHash: 'c'.repeat(64), userId: 1, expiresMs: now + 60_000 }, true);
      assert.deepEqual(await sec.listResets(now), [{ tokenHash: 'a'.repeat(64), userId: 3, expiresMs: now + 60_000 }]);
      await sec.writeTotp({ userId: 3, secretSealed: 'v1.x.y.z', recoveryHashes: '', enabled: false }, false);
      await sec.writeTotp({ userId: 3, secretSealed: 'v1.x.y.z', recoveryHashes: 'h1,h2', enabled: true }, false);
      await sec.writeTotp({ userId: 1, secretSealed: 'v1.a.b.c', recoveryHashes: '', enabled: true }, false);
      await sec.writeTotp({ userId: 1, secretSealed: 'v1.a.b.c', recoveryHashes: '', enabled: true }, true);
      assert.deepEqual(await sec.listTotp(), [{ userId: 3, secretSealed: 'v1.x.y.z', recoveryHashes: 'h1,h2', enabled: true }]);
    });

    test('dashboard accounts: users, logins with expiry, shared links, and the public flag of a site', async () => {
      const db = `acc_${process.pid}_${++dbCounter}`;
      await migrate(backend, db);
      const acc = new AccountsRepo(backend, db);
      const ada = await acc.writeUser({ email: 'ada@example.com', passwordHash: 'scrypt$x' }, false);
      const bob = await acc.writeUser({ email: 'bob@example.com', passwordHash: 'scrypt$y' }, false);
      assert.deepEqual([ada.id, bob.id], [1, 2]);
      await acc.writeUser({ ...bob, passwordHash: 'scrypt$z' }, false);
      await acc.writeUser(ada, true);
      assert.deepEqual((await acc.listUsers()).map((u) => [u.email, u.passwordHash]), [['bob@example.com', 'scrypt$z']]);
      const now = Date.parse('2026-06-01T12:00:00Z');
      await acc.writeLogin({ tokenHash: 'a'.repeat(64), userId: 2, linkId: 0, expiresMs: now + 3600_000 }, false);
      await acc.writeLogin({ tokenHash: 'b'.repeat(64), userId: 2, linkId: 0, expiresMs: now - 1000 }, false);
      await acc.writeLogin({ tokenHash: 'c'.repeat(64), userId: 0, linkId: 7, expiresMs: now + 60_000 }, false);
      await acc.writeLogin({ tokenHash: 'c'.repeat(64), userId: 0, linkId: 7, expiresMs: now + 60_000 }, true);
      assert.deepEqual(await acc.listLogins(now), [{ tokenHash: 'a'.repeat(64), userId: 2, linkId: 0, expiresMs: now + 3600_000 }]);
      const link = await acc.writeSharedLink({ siteId: 3, name: 'Team', tokenHash: 'd'.repeat(64), passwordHash: '' }, false);
      await acc.writeSharedLink({ siteId: 3, name: 'Board', tokenHash: 'e'.repeat(64), passwordHash: 'scrypt$w' }, false);
      await acc.writeSharedLink(link, true);
      assert.deepEqual((await acc.listSharedLinks()).map((l) => [l.name, l.passwordHash]), [['Board', 'scrypt$w']]);
      const repo = new Repo(backend, db);
      const site = await repo.insertSite('public.example', 'Etc/UTC', 1);
      assert.equal((await repo.listSites())[0]!.public, false);
      await repo.updateSite({ ...site, public: true });
      assert.equal((await repo.listSites())[0]!.public, true);
    });

    test('migrations from version 1 (with data) and from the previous version', async () => {
      const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      const db = `mig_${process.pid}_${++dbCounter}`;
      // a store at version 1 with a site and an event in it
      await migrate(backend, db, MIGRATIONS.slice(0, 1));
      await backend.command(`INSERT INTO ${db}.sites (id, domain, timezone, created_at, deleted, version) VALUES (1, 'old.example', 'Etc/UTC', '2026-01-01 00:00:00', 0, 1)`);
      await backend.insertJSONEachRow(`${db}.events`, Buffer.from(serializeRow(row({ pathname: '/old' }))));
      assert.deepEqual(await migrate(backend, db), { from: 1, to: latest, applied: MIGRATIONS.slice(1).map((m) => m.version) });
      const repo = new Repo(backend, db);
      const [site] = await repo.listSites();
      assert.equal(site!.domain, 'old.example');
      assert.equal(site!.rateLimitPerMinute, 0);
      assert.deepEqual(await repo.listShields(), []);
      const [old] = await backend.queryRows<{ pathname: string; journal_seq: string }>(`SELECT pathname, journal_seq FROM ${db}.events`);
      assert.deepEqual({ ...old, journal_seq: Number(old!.journal_seq) }, { pathname: '/old', journal_seq: 0 });

      // from the previous version, only the newest migration runs
      const db2 = `mig_${process.pid}_${++dbCounter}`;
      await migrate(backend, db2, MIGRATIONS.slice(0, -1));
      assert.deepEqual(await migrate(backend, db2), { from: latest - 1, to: latest, applied: [latest] });

      // and a later migration on top
      const next: Migration = { version: latest + 1, name: 'add a column', up: (d) => [`ALTER TABLE ${d}.sites ADD COLUMN note String`] };
      assert.deepEqual(await migrate(backend, db, [...MIGRATIONS, next]), { from: latest, to: latest + 1, applied: [latest + 1] });
      const cols = await backend.queryRows<{ name: string }>(`SELECT name FROM system.columns WHERE database = '${db}' AND table = 'sites' AND name = 'note'`);
      assert.equal(cols.length, 1);
      const versions = await backend.queryRows<{ version: number }>(`SELECT version FROM ${db}.schema_migrations ORDER BY version`);
      assert.deepEqual(versions.map((v) => Number(v.version)), [...MIGRATIONS.map((m) => m.version), latest + 1]);
    });

    test('every column type round-trips with edge values', async () => {
      const store = await newStore();
      const props = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `v${i} ünïcødé 😀 "q" \\ \n`]));
      const rows: EventRow[] = [
        row({}),
        row(
          {
            user_id: '18446744073709551615',
            session_id: '9223372036854775808',
            country_code: 'EE',
            subdivision1_code: 'EE-37',
            city_geoname_id: 4294967295,
            scroll_depth: 100,
            engagement_time: 4294967295,
            tracker_script_version: 65535,
            referrer: 'r'.repeat(2000),
            utm_term: "'; DROP TABLE events; --",
          },
          { n: 'ü'.repeat(120), u: 'https://e.com/' + 'p'.repeat(1980), d: 'e.com', p: props, $: { currency: 'EUR', amount: '0.001' } },
        ),
        row({}, { n: 'Purchase', u: 'https://e.com/', d: 'e.com', $: { currency: 'USD', amount: -99999999999.999 } }),
        row({ pathname: '' , hostname: '' }),
      ];
      assert.ok(store.events.push(rows.map(serializeRow)));
      await store.events.flush();
      const got = await collect(store.exportRows('events', 1, 'Etc/UTC'));
      assert.equal(got.length, rows.length);
      // rows of the live path belong to no import
      assert.ok(got.every((r) => String(r.import_id) === '0'));
      const norm = ({ import_id: _import, ...r }: Record<string, any>) => ({
        ...r,
        site_id: String(r.site_id),
        user_id: String(r.user_id),
        session_id: String(r.session_id),
        revenue_source_amount: r.revenue_source_amount === null ? null : Number(r.revenue_source_amount),
        revenue_reporting_amount: r.revenue_reporting_amount === null ? null : Number(r.revenue_reporting_amount),
      });
      const key = (r: Record<string, any>) => JSON.stringify(norm(r));
      assert.deepEqual(got.map(key).sort(), rows.map((r) => key(r as unknown as Record<string, any>)).sort());
    });

    test('export filters by site and date range in the site time zone', async () => {
      const store = await newStore();
      const at = (iso: string, site = 1) => serializeRow({ ...row({}), site_id: site, timestamp: iso });
      store.events.push([at('2026-01-01 22:30:00'), at('2026-01-02 01:00:00'), at('2026-01-02 01:00:00', 2)]);
      await store.events.flush();
      assert.equal((await collect(store.exportRows('events', 1, 'Etc/UTC'))).length, 2);
      assert.equal((await collect(store.exportRows('events', 1, 'Etc/UTC', { from: '2026-01-02', to: '2026-01-02' }))).length, 1);
      // 22:30 UTC on Jan 1 is Jan 2 in Tallinn (UTC+2)
      assert.equal((await collect(store.exportRows('events', 1, 'Europe/Tallinn', { from: '2026-01-02', to: '2026-01-02' }))).length, 2);
      assert.equal((await collect(store.exportRows('events', 2, 'Etc/UTC'))).length, 1);
    });

    test('export pages: many rows across hours come back once each, oldest first', async () => {
      const store = await newStore();
      const lines: string[] = [];
      for (let h = 0; h < 48; h++) {
        for (let i = 0; i < 2500; i++) {
          const ts = new Date(Date.UTC(2026, 0, 1, h, 0, i % 60)).toISOString().slice(0, 19).replace('T', ' ');
          lines.push(serializeRow({ ...row({}), timestamp: ts, pathname: `/${h}/${i}` }));
        }
      }
      assert.ok(store.events.push(lines));
      await store.events.flush();
      const got = await collect(store.exportRows('events', 1, 'Etc/UTC'));
      assert.equal(got.length, lines.length);
      assert.equal(new Set(got.map((r) => r.pathname)).size, lines.length);
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.timestamp <= got[i]!.timestamp);
    });

    /** The chunks of an export, with the text of each. */
    const chunksOf = async (gen: AsyncIterable<string>): Promise<string[]> => {
      const out: string[] = [];
      for await (const c of gen) out.push(c);
      return out;
    };
    const rowsOf = (chunks: string[]) => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    const inOrder = (rows: Array<Record<string, any>>, ts = 'timestamp') => {
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1]!, rows[i]!];
        assert.ok(a[ts] < b[ts] || (a[ts] === b[ts] && BigInt(a.user_id) <= BigInt(b.user_id)), `row ${i} in (time, user_id) order`);
      }
    };

    test('export: a burst of 200,000 events from distinct visitors in one hour comes out whole, in pages bounded by bytes', { timeout: 300_000 }, async () => {
      const store = await newStore();
      const N = 200_000;
      const props = { plan: 'p'.repeat(300), ref: 'r'.repeat(300) };
      for (let from = 0; from < N; from += 10_000) {
        const lines: string[] = [];
        for (let i = from; i < from + 10_000; i++) {
          const ts = `2026-02-03 04:${String(Math.floor(i / 3334) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
          lines.push(serializeRow({ ...row({}), timestamp: ts, user_id: String(1_000_000 + ((i * 7919) % N)), pathname: `/burst/${i}`, 'meta.key': Object.keys(props), 'meta.value': Object.values(props) }));
        }
        await store.insertBatch('events', Buffer.from(lines.join('\n')));
      }
      const chunks = await chunksOf(store.exportRows('events', 1, 'Etc/UTC'));
      const rows = rowsOf(chunks);
      assert.equal(rows.length, N);
      assert.equal(new Set(rows.map((r) => r.pathname)).size, N, 'no row repeated');
      inOrder(rows);
      const largest = Math.max(...chunks.map((c) => c.length));
      assert.ok(chunks.length >= 10, `${chunks.length} pages`);
      assert.ok(largest <= 2 * DEFAULT_PAGING.pageBytes, `largest page ${largest} bytes`);
    });

    test('export: pages cut within a key (one visitor, one second) repeat and skip nothing, on both tables', async () => {
      const store = await newStore();
      const lines: string[] = [];
      // 3 hours; in each, runs of identical (time, user) keys of 1–9 rows, and rows identical in every column
      for (let i = 0; i < 450; i++) {
        const sec = Math.floor(i / 5);
        const ts = `2026-01-0${1 + (i % 3)} 10:${String(Math.floor(sec / 60) % 60).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`;
        lines.push(serializeRow({ ...row({}), timestamp: ts, user_id: String(1 + (i % 4)), pathname: i % 7 === 0 ? '/same' : `/k/${i}` }));
      }
      store.events.push(lines);
      await store.events.flush();
      const expected = (await collect(store.exportRows('events', 1, 'Etc/UTC'))).map((r) => JSON.stringify(r)).sort();
      assert.equal(expected.length, lines.length);
      for (const maxRows of [3, 16]) {
        const got = rowsOf(await chunksOf(exportRows(backend, store.db, 'events', 1, 'Etc/UTC', undefined, { ...DEFAULT_PAGING, firstRows: maxRows, maxRows })));
        inOrder(got);
        assert.deepEqual(got.map((r) => JSON.stringify(r)).sort(), expected, `pages of at most ${maxRows} rows`);
      }
      // sessions: the same cut, after FINAL
      const sess = Array.from({ length: 120 }, (_, i) =>
        JSON.stringify({ session_id: String(100 + i), sign: 1, site_id: 1, user_id: String(1 + (i % 3)), hostname: 'e.com', timestamp: '2026-01-01 00:10:00', start: `2026-01-01 00:0${i % 10}:00`, is_bounce: 1, entry_page: '/', exit_page: '/', pageviews: 1, events: 1, duration: 0, 'entry_meta.key': [], 'entry_meta.value': [] }),
      );
      store.sessions.push(sess);
      await store.sessions.flush();
      const got = rowsOf(await chunksOf(exportRows(backend, store.db, 'sessions', 1, 'Etc/UTC', undefined, { ...DEFAULT_PAGING, firstRows: 5, maxRows: 5 })));
      inOrder(got, 'start');
      assert.deepEqual(got.map((r) => String(r.session_id)).sort(), sess.map((l) => String(JSON.parse(l).session_id)).sort());
    });

    test('sessions collapse to the latest state (VersionedCollapsingMergeTree, sign ±1)', async () => {
      const store = await newStore();
      const s = (sign: number, events: number, exit: string) =>
        JSON.stringify({ session_id: '42', sign, site_id: 1, user_id: '7', hostname: 'e.com', timestamp: '2026-01-01 00:10:00', start: '2026-01-01 00:00:00', is_bounce: events === 1 ? 1 : 0, entry_page: '/', exit_page: exit, pageviews: events, events, duration: 600, 'entry_meta.key': [], 'entry_meta.value': [] });
      store.sessions.push([s(1, 1, '/')]);
      await store.sessions.flush();
      store.sessions.push([s(-1, 1, '/'), s(1, 2, '/pricing')]);
      await store.sessions.flush();
      const got = await collect(store.exportRows('sessions', 1, 'Etc/UTC'));
      assert.equal(got.length, 1);
      assert.equal(got[0]!.exit_page, '/pricing');
      assert.equal(got[0]!.events, 2);
      const [sum] = await backend.queryRows<{ n: string }>(`SELECT sum(sign) AS n FROM ${store.db}.sessions`);
      assert.equal(Number(sum!.n), 1);
    });

    test("a state's +1 and -1 rows in one batch are not inserted: the table and every sum are as if they were", async () => {
      const store = await newStore();
      const s = (sign: number, events: number, exit: string, id = '42') =>
        JSON.stringify({ session_id: id, sign, site_id: 1, user_id: '7', hostname: 'e.com', timestamp: '2026-01-01 00:10:00', start: '2026-01-01 00:00:00', is_bounce: events === 1 ? 1 : 0, entry_page: '/', exit_page: exit, pageviews: events, events, duration: 600, 'entry_meta.key': [], 'entry_meta.value': [] });
      // a visitor's three events in one batch, beside another session's first state
      store.sessions.push([s(1, 1, '/'), s(1, 1, '/', '99'), s(-1, 1, '/'), s(1, 2, '/a'), s(-1, 2, '/a'), s(1, 3, '/b')]);
      await store.sessions.flush();
      const raw = async () => backend.queryRows<{ session_id: string; sign: number; events: number }>(`SELECT session_id, sign, events FROM ${store.db}.sessions ORDER BY session_id, events, sign`);
      assert.deepEqual((await raw()).map((r) => [String(r.session_id), Number(r.sign), Number(r.events)]), [['42', 1, 3], ['99', 1, 1]], 'only the last state of 42 was inserted');
      assert.equal(store.sessions.stats.collapsed, 4);
      // the next batch cancels a state inserted before: that -1 row is inserted
      store.sessions.push([s(-1, 3, '/b'), s(1, 4, '/c')]);
      await store.sessions.flush();
      assert.equal((await raw()).length, 4);
      const got = await collect(store.exportRows('sessions', 1, 'Etc/UTC'));
      assert.deepEqual(got.map((r) => [String(r.session_id), r.events, r.exit_page]).sort(), [['42', 4, '/c'], ['99', 1, '/']]);
      const [sum] = await backend.queryRows<{ n: string; pv: string }>(`SELECT sum(sign) AS n, sum(sign * pageviews) AS pv FROM ${store.db}.sessions`);
      assert.deepEqual([Number(sum!.n), Number(sum!.pv)], [2, 5]);
    });

    test('session rows written without their default fields read back whole', async () => {
      const store = await newStore();
      const ev = { ...row({ country_code: 'EE', city_geoname_id: 588409 }), user_id: '7', session_id: '42' };
      const first = startSession(ev, '42');
      // (no -1 row: one insert may collapse a pair at once)
      const rows = [first, { ...first, session_id: '43', events: 2, pageviews: 2, is_bounce: 0, exit_page: '/2', duration: 5, 'entry_meta.key': ['k'], 'entry_meta.value': ['v'] }];
      const lines = rows.map(serializeRow);
      assert.ok(lines[0]!.length < JSON.stringify(first).length / 1.5, 'the empty fields are left out');
      assert.ok(store.sessions.push(lines));
      await store.sessions.flush();
      const got = await backend.queryRows<Record<string, unknown>>(`SELECT * FROM ${store.db}.sessions ORDER BY session_id`);
      const norm = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(Object.entries(r).filter(([k]) => k !== 'journal_seq' && k !== 'import_id').map(([k, v]) => [k, typeof v === 'number' || typeof v === 'bigint' || /_id$/.test(k) ? String(v) : v])));
      assert.deepEqual(got.map(norm), rows.map((r) => norm(r as unknown as Record<string, unknown>)));
    });

    test('active sessions come back in pages: the latest state of each, once, only the recent ones', async () => {
      const store = await newStore();
      const now = Date.parse('2026-01-01T12:00:00Z');
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
      const s = (site: number, user: number, id: number, sign: number, events: number, lastMs: number) =>
        JSON.stringify({ session_id: String(id), sign, site_id: site, user_id: String(user), hostname: 'e.com', timestamp: at(lastMs), start: at(now - 3600_000), is_bounce: 1, entry_page: '/', exit_page: `/${events}`, pageviews: events, events, duration: 0, 'entry_meta.key': ['k'], 'entry_meta.value': ['\u0001'.repeat(10)] });
      const lines: string[] = [];
      for (const site of [1, 2]) for (let u = 1; u <= 4; u++) lines.push(s(site, u * 1000, site * 100 + u, 1, 1, now - 60_000));
      lines.push(s(1, 1000, 101, -1, 1, now - 60_000), s(1, 1000, 101, 1, 2, now - 1000)); // moved on: one state
      lines.push(s(2, 9000, 299, 1, 1, now - 3600_000)); // idle for an hour: not active
      store.sessions.push(lines);
      await store.sessions.flush();
      const pages: Array<Array<Record<string, unknown>>> = [];
      for await (const page of store.activeSessions(now - 30 * 60_000, 2 * 24 * 3600_000, 3)) pages.push(page);
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 2]);
      const all = pages.flat();
      assert.deepEqual(all.map((r) => `${r.site_id}:${r.user_id}:${r.session_id}`), ['1:1000:101', '1:2000:102', '1:3000:103', '1:4000:104', '2:1000:201', '2:2000:202', '2:3000:203', '2:4000:204']);
      assert.equal(all[0]!.events, 2);
      assert.deepEqual(all[0]!['entry_meta.value'], ['\u0001'.repeat(10)]);
    });

    test('sites and keys: add, list, remove; newest version wins', async () => {
      const store = await newStore();
      const a = await store.repo.insertSite('a.example', 'Europe/Berlin', 1);
      const bSite = await store.repo.insertSite('b.example', 'Etc/UTC', 2);
      assert.deepEqual([a.id, bSite.id], [1, 2]);
      await store.repo.deleteSite(a);
      assert.deepEqual((await store.repo.listSites()).map((s) => s.domain), ['b.example']);
      const c = await store.repo.insertSite('a.example', 'Etc/UTC', 1);
      assert.equal(c.id, 3);
      const { key, info } = await store.repo.insertKey('name with \'quote\'', 4);
      const keys = await store.repo.listKeyHashes();
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.name, "name with 'quote'");
      assert.equal(keys[0]!.userId, 4);
      assert.deepEqual((await store.repo.listSites()).map((s) => [s.domain, s.teamId]), [['b.example', 2], ['a.example', 1]]);
      assert.notEqual(keys[0]!.hash, key);
      await store.repo.deleteKey(info);
      assert.equal((await store.repo.listKeyHashes()).length, 0);
      await store.repo.updateSite({ ...bSite, rateLimitPerMinute: 60, rateLimitBurst: 5 });
      assert.deepEqual((await store.repo.listSites()).find((s) => s.id === bSite.id)?.rateLimitBurst, 5);
      await store.repo.writeShield(2, 'ip', '10.0.0.0/8', false);
      await store.repo.writeShield(2, 'page', '/admin*', false);
      await store.repo.writeShield(2, 'page', '/admin*', true);
      assert.deepEqual((await store.repo.listShields()).map((r) => `${r.siteId} ${r.kind} ${r.value}`), ['2 ip 10.0.0.0/8']);
    });

    test('reads while writing', async () => {
      const store = await newStore();
      let stop = false;
      let written = 0;
      const writer = (async () => {
        while (!stop) {
          store.events.push(Array.from({ length: 200 }, () => serializeRow(row({}))));
          written += 200;
          await store.events.flush();
        }
      })();
      let last = 0;
      for (let i = 0; i < 20; i++) {
        const n = (await collect(store.exportRows('events', 1, 'Etc/UTC'))).length;
        assert.ok(n >= last);
        last = n;
      }
      stop = true;
      await writer;
      assert.equal((await collect(store.exportRows('events', 1, 'Etc/UTC'))).length, written);
    });

    const seqBase = 1_764_000_000_000_000 + dbCounter * 1_000_000;
    const journaled = (n: number, from: number, ts = '2026-03-04 05:06:07') =>
      Array.from({ length: n }, (_, i) => withSeq(serializeRow({ ...row({}), timestamp: ts, pathname: `/j/${from + i}` }), seqBase + from + i));
    const seqCounts = async (store: Store, table = 'events') =>
      (await backend.queryRows<{ s: string; c: string }>(`SELECT journal_seq AS s, count() AS c FROM ${store.db}.${table} GROUP BY s`)).map((r): [number, number] => [Number(r.s), Number(r.c)]);

    test('journaled rows: the store tells which are stored (by journal_seq, narrowed by time)', async () => {
      const store = await newStore();
      const stored = [...journaled(50, 0), ...journaled(10, 100, '2026-04-30 23:59:59')];
      store.events.push(stored);
      await store.events.flush();
      const asked = [...stored.slice(40), ...journaled(20, 60), ...journaled(5, 200, '2025-12-31 00:00:00')];
      const found = await store.storedSeqs('events', asked);
      assert.deepEqual([...found].sort((a, b) => a - b), stored.slice(40).map(seqOf).sort((a, b) => a - b));
      assert.equal((await store.storedSeqs('events', [serializeRow(row({}))])).size, 0, 'rows without a seq are never "stored"');
      // the same seq written by another node for another visitor does not count
      const other = withSeq(serializeRow({ ...row({ user_id: '12345' }), timestamp: '2026-03-04 05:06:07' }), seqBase + 7);
      assert.equal((await store.storedSeqs('events', [other])).size, 0);
      // sessions are looked up by their own partition column
      const sess = withSeq(JSON.stringify({ session_id: '1', sign: 1, site_id: 1, user_id: '1', timestamp: '2026-03-04 05:10:00', start: '2026-03-04 05:00:00', 'entry_meta.key': [], 'entry_meta.value': [] }), seqBase + 999);
      store.sessions.push([sess]);
      await store.sessions.flush();
      assert.deepEqual([...(await store.storedSeqs('sessions', [sess]))], [seqBase + 999]);
    });

    test('a retried insert skips the rows that reached the store after all', async () => {
      const store = await newStore();
      const lines = journaled(6, 0);
      // the first attempt stored 4 rows, but its answer was lost
      await backend.insertJSONEachRow(`${store.db}.events`, Buffer.from(lines.slice(0, 4).join('\n')));
      await store.insertBatch('events', Buffer.from(lines.join('\n')), true);
      const counts = await seqCounts(store);
      assert.equal(counts.length, 6);
      assert.ok(counts.every(([, c]) => c === 1), JSON.stringify(counts));
      // everything there already: nothing is inserted
      await store.insertBatch('events', Buffer.from(lines.join('\n')), true);
      assert.equal((await seqCounts(store)).reduce((a, [, c]) => a + c, 0), 6);
    });

    test('journal replay after a crash between insert and confirmation: every row stored once', async () => {
      const store = await newStore();
      const dir = tempDir();
      const { journal } = Journal.open({ dir, fsyncIntervalMs: 1000, segmentBytes: 1 << 20, maxBytes: 1 << 30, log });
      new JournalIntake(journal, store);
      const ev = (i: number) => serializeRow({ ...row({}), pathname: `/r/${i}` });
      const se = (i: number) => JSON.stringify({ session_id: String(i), sign: 1, site_id: 1, user_id: '1', timestamp: '2026-03-04 05:10:00', start: '2026-03-04 05:00:00', 'entry_meta.key': [], 'entry_meta.value': [] });
      // 1. stored and confirmed
      for (let i = 0; i < 10; i++) await journal.append([ev(i)], [se(i)]);
      await Promise.all([store.events.flush(), store.sessions.flush()]);
      // 2. stored, but the process dies before the confirmation is journaled
      store.events.onCommit = null;
      store.sessions.onCommit = null;
      for (let i = 10; i < 25; i++) await journal.append([ev(i)], [se(i)]);
      await Promise.all([store.events.flush(), store.sessions.flush()]);
      // 3. journaled, still in the write buffer at the crash (the sink drops them, as the dying process would)
      journal.attach(() => {});
      for (let i = 25; i < 40; i++) await journal.append([ev(i)], [se(i)]);
      await journal.drain();

      const after = Journal.open({ dir, fsyncIntervalMs: 1000, segmentBytes: 1 << 20, maxBytes: 1 << 30, log });
      const restarted = new Store(backend, { db: store.db, flushRows: 1000, flushIntervalMs: 20, bufferMaxRows: 1_000_000, log });
      new JournalIntake(after.journal, restarted);
      const report = await replayJournal(after.journal, after.recovery, restarted, log);
      assert.deepEqual(report, { checked: 60, alreadyStored: 30, inserted: 30 });
      for (const table of ['events', 'sessions']) {
        const counts = await seqCounts(restarted, table);
        assert.equal(counts.length, 40, table);
        assert.ok(counts.every(([, c]) => c === 1), `${table}: ${JSON.stringify(counts.filter(([, c]) => c !== 1))}`);
      }
      // confirmed now: a second start finds nothing to replay
      await after.journal.close();
      const third = Journal.open({ dir, fsyncIntervalMs: 1000, segmentBytes: 1 << 20, maxBytes: 1 << 30, log });
      assert.equal(third.recovery.unconfirmed.events.length + third.recovery.unconfirmed.sessions.length, 0);
      await third.journal.close();
    });

    // Only for a backend that can go down (a server this test may stop); the embedded store lives and dies with
    // the process, which the kill -9 tests in test/http/durability.test.ts cover.
    if (b.outage) test('server down: inserts fail and are retried, ping fails; once it is back everything is stored once', { timeout: 120_000 }, async () => {
      const store = await newStore();
      store.events.push(journaled(100, 0));
      await store.events.flush();
      await b.outage!.down();
      try {
        store.events.push(journaled(400, 100));
        await assert.rejects(store.events.flush());
        await assert.rejects(backend.ping());
        assert.ok(store.events.failing, 'the buffer reports the failure (health goes red)');
        assert.equal(store.events.depth, 400, 'nothing is dropped');
        assert.ok(store.events.push(journaled(100, 500)), 'rows keep being accepted');
      } finally {
        await b.outage!.up();
      }
      for (let i = 0; ; i++) {
        try {
          await store.events.flush();
          break;
        } catch (err) {
          if (i > 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.equal(store.events.failing, false);
      await backend.ping();
      const counts = await seqCounts(store);
      assert.equal(counts.length, 600);
      assert.ok(counts.every(([, c]) => c === 1));
    });
  });
}
