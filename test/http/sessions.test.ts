import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, exportRows, newKey, postEvent, startServer } from '../helpers/server.js';

for (const worker of ['on', 'off']) test(`visitors and sessions end to end, and a graceful restart keeps the session (ingest worker ${worker})`, async () => {
  const env = { FOOTFALL_INGEST_WORKER: worker };
  let srv = await startServer({ env });
  const dataDir = srv.dataDir;
  try {
    assert.equal((await cli(dataDir, ['sites', 'add', 'sess.example'])).code, 0);
    const key = await newKey(dataDir);
    const ip = { 'x-forwarded-for': '81.2.69.142' };
    await postEvent(srv.url, { n: 'pageview', u: 'https://sess.example/', r: 'https://news.ycombinator.com/' }, ip);
    await postEvent(srv.url, { n: 'pageview', u: 'https://docs.sess.example/start', d: 'sess.example' }, ip);
    await postEvent(srv.url, { n: 'engagement', u: 'https://docs.sess.example/start', d: 'sess.example', sd: 80, e: 4000 }, ip);
    await postEvent(srv.url, { n: 'pageview', u: 'https://sess.example/' }, { 'x-forwarded-for': '81.2.69.143' }); // another visitor
    let events = await exportRows(srv.url, key, 'events', 'sess.example');
    assert.equal(events.length, 4);
    const start = events.find((e) => e.pathname === '/start')!;
    const mine = events.filter((e) => e.user_id === start.user_id);
    assert.equal(mine.length, 3);
    assert.equal(new Set(mine.map((e) => e.session_id)).size, 1);
    assert.equal(new Set(events.map((e) => e.user_id)).size, 2, 'two visitors');
    assert.equal(new Set(events.map((e) => e.session_id)).size, 2, 'two sessions');
    for (const e of events) assert.notEqual(e.user_id, '0');
    let sessions = await exportRows(srv.url, key, 'sessions', 'sess.example');
    assert.equal(sessions.length, 2, 'collapsed: one row per session');
    const s = sessions.find((x) => x.session_id === mine[0]!.session_id)!;
    assert.deepEqual(
      [s.pageviews, s.events, s.is_bounce, s.entry_page, s.exit_page, s.exit_page_hostname, s.referrer_source, s.country_code],
      [2, 2, 0, '/', '/start', 'docs.sess.example', 'Hacker News', 'GB'],
    );

    assert.equal(await srv.stop('SIGTERM'), 0);
    srv = await startServer({ dataDir, env });
    assert.match(srv.logs(), /"restoredSessions":2/);
    await postEvent(srv.url, { n: 'pageview', u: 'https://sess.example/after-restart' }, ip);
    events = await exportRows(srv.url, key, 'events', 'sess.example');
    const last = events.find((e) => e.pathname === '/after-restart')!;
    assert.equal(last.session_id, s.session_id, 'the restart did not split the session');
    assert.equal(last.user_id, s.user_id, 'nor change the visitor (the salt is persisted)');
    sessions = await exportRows(srv.url, key, 'sessions', 'sess.example');
    assert.equal(sessions.length, 2);
    assert.equal(sessions.find((x) => x.session_id === s.session_id)!.pageviews, 3);
  } finally {
    await srv.stop();
  }
});
