import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverNodeFlags } from '../../src/node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MAIN = path.join(root, 'dist/src/main.js');
export const CLI = path.join(root, 'dist/src/cli/main.js');

export function tempDir(prefix = 'footfall-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const live = new Set<ChildProcess>();
after(() => {
  for (const p of live) p.kill('SIGKILL');
});

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  logs: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The metrics token every test server gets, and the header that shows it (`/metrics`, detailed `/api/health`). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';
export const METRICS_AUTH = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

/**
 * Starts the real server as `npm start` runs it (`node --max-old-space-size=512 dist/src/main.js`) on a free port
 * on 127.0.0.1 with its own data directory.
 */
export async function startServer(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const proc = spawn(process.execPath, [...serverNodeFlags(opts.env?.FOOTFALL_HEAP_MB), MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      LISTEN_ADDRESS: '127.0.0.1',
      FOOTFALL_DATA_DIR: dataDir,
      FOOTFALL_FLUSH_INTERVAL_MS: '50',
      FOOTFALL_METRICS_TOKEN: TEST_METRICS_TOKEN,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  // A failed test must not leave its server running (and the test file hanging): see the root `after` hook.
  live.add(proc);
  void exited.then(() => live.delete(proc));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs}`)), 30_000);
    proc.stderr!.on('data', (c: Buffer) => {
      logs += c.toString();
      const m = /"msg":"listening","port":(\d+)/.exec(logs);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${logs}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs: () => logs,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `footfall` CLI against a data directory. */
export function cli(dataDir: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, FOOTFALL_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real browser's User-Agent: the default for test events (fetch's own "node" is a bot and would be dropped). */
export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export async function postEvent(
  base: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}/api/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

export async function exportRows(base: string, key: string, table: 'events' | 'sessions', site: string, dateRange?: string): Promise<Array<Record<string, unknown>>> {
  const q = new URLSearchParams({ site_id: site });
  if (dateRange) q.set('date_range', dateRange);
  const res = await fetch(`${base}/api/v1/export/${table}?${q}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export failed ${res.status}: ${text}`);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Calls the server's admin socket directly (what the CLI does), for quick per-test sites and keys. */
export async function admin(dataDir: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; data: any }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: path.join(dataDir, 'footfall.sock'), method, path: urlPath }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, data: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let siteCounter = 0;
/** Adds a fresh site to a running server and returns its domain. */
export async function newSite(dataDir: string, timezone?: string): Promise<string> {
  const domain = `site${++siteCounter}-${process.pid}.test`;
  const r = await admin(dataDir, 'POST', '/admin/sites', { domain, timezone });
  if (r.status !== 201) throw new Error(`could not add site: ${JSON.stringify(r.data)}`);
  return domain;
}

export async function newKey(dataDir: string): Promise<string> {
  const r = await admin(dataDir, 'POST', '/admin/keys', { name: 'test' });
  if (r.status !== 201) throw new Error(`could not create key: ${JSON.stringify(r.data)}`);
  return r.data.key as string;
}

/** One server (and an API key) for a whole test file: started before its tests, stopped after them. */
export function serverForFile(ready: (srv: TestServer, key: string) => void, opts: { env?: Record<string, string> } = {}): void {
  let srv: TestServer | undefined;
  before(async () => {
    srv = await startServer(opts);
    ready(srv, await newKey(srv.dataDir));
  });
  after(async () => {
    await srv?.stop();
  });
}
