import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverNodeFlags } from '../src/node-flags.js';
import { SITES } from './realistic.js';

/** Node flags added after the server's own (`BENCH_NODE_ARGS`, e.g. `--single-threaded-gc` or `--trace-gc`), for an A/B of them. */
export function benchNodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The metrics token of benchmark servers (their `/metrics` is read over HTTP). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';
export const BENCH_METRICS_AUTH = { authorization: `Bearer ${BENCH_METRICS_TOKEN}` };

export interface Proc {
  proc: ChildProcess;
  port: number;
  logs: () => string;
}

/** Runs a built script (Footfall, the baseline) with `nodeArgs`; resolves once it logs that it listens, with its port. */
export function startScript(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Proc> {
  const proc = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (c: Buffer) => {
      logs += c.toString();
      const m = /"msg":"listening","port":(\d+)/.exec(logs);
      if (m) resolve({ proc, port: Number(m[1]), logs: () => logs });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${logs}`)));
  });
}

/** utime + stime of a process (or one of its threads), in seconds: Linux counts them in ticks of 1/100 s. */
export function cpuSeconds(pid: number | string, tid?: string): number {
  const f = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

export interface BenchServer {
  proc: ChildProcess;
  port: number;
  dataDir: string;
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
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir, FOOTFALL_METRICS_TOKEN: BENCH_METRICS_TOKEN, ...env };
  // as `npm start` runs it: with the heap bound
  const proc = spawn(process.execPath, [...serverNodeFlags(full.FOOTFALL_HEAP_MB), ...benchNodeArgs(), path.join(here, '../src/main.js')], { env: full, stdio: ['ignore', 'ignore', 'pipe'] });
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
    dataDir,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RealisticServer {
  proc: ChildProcess;
  port: number;
  /** The server's environment (the CLI run against its data directory needs it). */
  env: NodeJS.ProcessEnv;
  /** A load of the realistic mix from a separate process (bench/realistic-load), requests numbered from `first`. */
  load(seconds: number, first: number): { rps: number; p50: number; p99: number; non2xx: number; total: number };
  /** SIGTERM, wait for the exit, delete the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts the built server (as `npm start` runs it: heap bounded) on 127.0.0.1 in `dataDir`, with `nodeArgs` before
 * the script and `env` added (and `BENCH_NODE_ARGS`; `BENCH_SERVER_STDOUT=file` keeps its standard output, where
 * `--trace-gc` writes), waits until it is ready, and adds the 20 sites of the realistic mix with rate limits
 * high enough for a load generator.
 */
export async function startRealisticFootfall(dataDir: string, opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<RealisticServer> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir, FOOTFALL_LOG_LEVEL: 'warn', FOOTFALL_METRICS_TOKEN: BENCH_METRICS_TOKEN, ...opts.env };
  const proc = spawn(process.execPath, [...serverNodeFlags(env.FOOTFALL_HEAP_MB), ...benchNodeArgs(), ...(opts.nodeArgs ?? []), path.join(here, '../src/main.js')], { env, stdio: ['ignore', process.env.BENCH_SERVER_STDOUT ? fs.openSync(process.env.BENCH_SERVER_STDOUT, 'w') : 'ignore', 'inherit'] });
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/system/health/ready`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const cli = (...args: string[]) => execFileSync(process.execPath, [path.join(here, '../src/cli/main.js'), ...args], { env });
  for (const s of SITES) {
    cli('sites', 'add', s);
    cli('sites', 'rate-limit', s, '--per-minute', '10000000', '--burst', '1000000');
  }
  return {
    proc,
    port,
    env,
    load: (seconds, first) => JSON.parse(execFileSync(process.execPath, [path.join(here, 'realistic-load.js'), String(port), String(seconds), String(first)]).toString()),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
