import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { hashPassword } from '../../src/core/password.js';
import { prepareDataDir } from '../../src/store/datadir.js';
import { openStore } from '../../src/store/open.js';
import { createLogger } from '../../src/util/log.js';
import { startServer, tempDir } from '../helpers/server.js';

const PASSWORD = 'a long enough password';

/**
 * A data directory from before teams (sites without a team, keys without a user, users in no team: what the
 * migrations' column defaults leave of an older store) opens as one team holding every site, its users its
 * owners, the old keys given to the first user; nothing else changes, and a second start changes nothing more.
 */
test('a store from before teams: one team with every site, every user its owner, the old keys the first user\'s', async () => {
  const dataDir = tempDir();
  const log = createLogger('warn');
  prepareDataDir(dataDir, log);
  const store = await openStore(loadConfig({ FOOTFALL_DATA_DIR: dataDir }), log);
  let oldKey: string;
  try {
    await store.migrate();
    await store.repo.insertSite('old-a.test', 'Europe/Berlin', 0);
    await store.repo.insertSite('old-b.test', 'Etc/UTC', 0);
    const hash = await hashPassword(PASSWORD);
    await store.accounts.writeUser({ email: 'first@old.test', passwordHash: hash }, false);
    await store.accounts.writeUser({ email: 'second@old.test', passwordHash: hash }, false);
    oldKey = (await store.repo.insertKey('made before teams', 0)).key;
  } finally {
    await store.close();
  }
  for (let start = 0; start < 2; start++) {
    const srv = await startServer({ dataDir });
    try {
      for (const email of ['first@old.test', 'second@old.test']) {
        const login = await fetch(`${srv.url}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ email, password: PASSWORD }) });
        assert.equal(login.status, 200);
        const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
        const sites = (await (await fetch(`${srv.url}/api/dashboard/sites`, { headers: { cookie } })).json()) as Array<{ domain: string; role: string; team: string }>;
        assert.deepEqual(sites.map((s) => [s.domain, s.role, s.team]), [['old-a.test', 'owner', 'Default team'], ['old-b.test', 'owner', 'Default team']], `${email}, start ${start + 1}`);
        const account = (await (await fetch(`${srv.url}/api/dashboard/account`, { headers: { cookie } })).json()) as { keys: Array<{ name: string }>; teams: Array<{ name: string }> };
        assert.deepEqual(account.keys.map((k) => k.name), email === 'first@old.test' ? ['made before teams'] : []);
        assert.deepEqual(account.teams.map((t) => t.name), ['Default team']);
      }
      const q = await fetch(`${srv.url}/api/v2/query`, { method: 'POST', headers: { authorization: `Bearer ${oldKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ site_id: 'old-b.test', metrics: ['visitors'], date_range: 'day' }) });
      assert.equal(q.status, 200, 'the old key still reads every site (its user owns them)');
      await q.text();
      if (start === 0) assert.match(srv.logs(), /sites and users moved into a team/);
      else assert.doesNotMatch(srv.logs(), /sites and users moved into a team/);
    } finally {
      await srv.stop();
    }
  }
});
