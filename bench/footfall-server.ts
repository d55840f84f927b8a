import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BenchServer {
  proc: ChildProcess;
  port: number;
  /** SIGTERM, wait for the exit, delete the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts the built server (`dist/src/main.js`) on 127.0.0.1 with a fresh data directory, waits until it listens,
 * and adds `site` with a rate limit high enough for a load generator.
 */
export async function startFootfall(site: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir, ...env };
  // as `npm start` runs it: with the heap bound
  const proc = spawn(process.execPath, [`--max-old-space-size=${full.FOOTFALL_HEAP_MB ?? 512}`, path.join(here, '../src/main.js')], { env: full, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => {
    let logs = '';
    proc.stderr!.on('data', (d: Buffer) => {
      logs += d.toString();
      if (logs.includes('"listening"')) resolve();
    });
  });
  const cli = (...args: string[]) => execFileSync(process.execPath, [path.join(here, '../src/cli/main.js'), ...args], { env: full });
  cli('sites', 'add', site);
  cli('sites', 'rate-limit', site, '--per-minute', '10000000', '--burst', '1000000');
  return {
    proc,
    port,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
