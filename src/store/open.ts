import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../util/log.js';
import { ChdbBackend } from './chdb.js';
import { Store } from './store.js';

/** Opens the configured store (the embedded chdb store in `<dataDir>/chdb`). */
export async function openStore(
  config: Config,
  log: Logger,
  onInsert?: (table: string, seconds: number, rows: number) => void,
): Promise<Store> {
  const backend = ChdbBackend.open(path.join(config.dataDir, 'chdb'));
  return new Store(backend, {
    db: 'footfall',
    flushRows: config.flushRows,
    flushIntervalMs: config.flushIntervalMs,
    bufferMaxRows: config.bufferMaxRows,
    log,
    onInsert,
  });
}
