#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { SchemaTooNewError } from './store/migrate.js';
import { createLogger } from './util/log.js';

/** Starts the server and stops it gracefully on SIGTERM / SIGINT. */
export async function runServer(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`footfall: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let running: Awaited<ReturnType<typeof startApp>> | null = null;
  let signals = 0;
  // Registered before the start, so that a signal can never hit Node's default (an exit that skips the flush).
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) {
      log.warn('second signal: exiting without waiting', { signal: sig });
      process.exit(1);
    }
    log.info('signal received', { signal: sig });
    if (!running) {
      // Still starting (waiting for the store, replaying the journal): nothing was accepted by this process
      // that the journal does not hold.
      log.info('stopped before the start completed');
      process.exit(0);
    }
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed; rows not stored stay in the journal', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await startApp(config, log, (app) => (running = app));
  } catch (err) {
    if (err instanceof SchemaTooNewError) {
      log.error('could not start: the store is newer than this build', { storeSchema: err.storeVersion, buildSchema: err.buildVersion });
      process.stderr.write(`footfall: ${err.message}\n`);
      process.exit(3);
    }
    log.error('could not start', { err });
    process.exit(1);
  }
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runServer();
