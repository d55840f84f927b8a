#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
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
  let app;
  try {
    app = await startApp(config, log);
  } catch (err) {
    log.error('could not start', { err });
    process.exit(1);
  }
  const running = app;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) {
      log.warn('second signal: exiting without waiting', { signal: sig });
      process.exit(1);
    }
    log.info('signal received', { signal: sig });
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed; buffered rows may be lost', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runServer();
