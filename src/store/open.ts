import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../util/log.js';
import { ClickHouseBackend } from './clickhouse.js';
import { Store } from './store.js';

/** Opens the configured store: a ClickHouse server when `FOOTFALL_CLICKHOUSE_URL` is set, else the embedded chdb store in `<dataDir>/chdb`. */
export async function openStore(
  config: Config,
  log: Logger,
  onInsert?: (table: string, seconds: number, rows: number) => void,
): Promise<Store> {
  // The embedded engine is loaded only when it is the store: a node on a ClickHouse server never maps it (≈ 160 MB
  // resident as soon as the module is imported, more once a session opens).
  const backend = config.clickhouseUrl
    ? new ClickHouseBackend({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword })
    : (await import('./chdb.js')).ChdbBackend.open(path.join(config.dataDir, 'chdb'), { maxMemoryBytes: config.storeMaxMemoryBytes, log });
  return new Store(backend, {
    db: config.clickhouseUrl ? config.clickhouseDatabase : 'footfall',
    flushRows: config.flushRows,
    flushIntervalMs: config.flushIntervalMs,
    bufferMaxRows: config.bufferMaxRows,
    bufferMaxBytes: config.bufferMaxBytes,
    batchMaxBytes: config.batchMaxBytes,
    deadLetterDir: path.join(config.dataDir, 'dead-letter'),
    log,
    onInsert,
  });
}
