import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open.js';
import { createLogger } from '../../src/util/log.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { startServer, tempDir } from '../helpers/server.js';

/** A data directory written by a newer Footfall: this build refuses to start on it, and says why. */
test('a store with a newer schema than the build is refused at start, naming both versions; nothing changes', async () => {
  const dir = tempDir();
  const first = await startServer({ dataDir: dir });
  await first.stop();
  const config = loadConfig({ FOOTFALL_DATA_DIR: dir });
  const store = await openStore(config, createLogger('error', () => {}));
  await store.backend.command(`INSERT INTO ${store.db}.schema_migrations (version, name, applied_at) VALUES (999, 'from a newer build', '2026-01-01 00:00:00')`);
  await store.close();
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  await assert.rejects(startServer({ dataDir: dir }), (err: Error) => {
    assert.match(err.message, /server exited \(3\) before listening/);
    assert.match(err.message, new RegExp(`the store's schema is version 999, newer than this build's \\(${latest}\\)`));
    return true;
  });
  // the store is as it was: the newer version still recorded, nothing applied over it
  const again = await openStore(config, createLogger('error', () => {}));
  const versions = (await again.backend.queryRows<{ v: string | number }>(`SELECT version AS v FROM ${again.db}.schema_migrations ORDER BY version`)).map((r) => Number(r.v));
  await again.close();
  assert.deepEqual(versions, [...MIGRATIONS.map((m) => m.version), 999]);
});
