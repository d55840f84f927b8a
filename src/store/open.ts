import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../util/log.js';
import { ChdbBackend } from './chdb.js';
import { ClickHouseBackend } from './clickhouse.js';
import { Store } from './store.js';

/** Opens the configured store: a ClickHouse server when `FOOTFALL_CLICKHOUSE_URL` is set, else the embedded chdb store in `<dataDir>/chdb`. */
export async function openStore(
  config: Config,
  log: Logger,
  onInsert?: (table: string, seconds: number, rows: number) => void,
): Promise<Store> {
  const backend = config.clickhouseUrl
    ? new ClickHouseBackend({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword })
    : ChdbBackend.open(path.join(config.dataDir, 'chdb'), { maxMemoryBytes: config.storeMaxMemoryBytes, log });
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
