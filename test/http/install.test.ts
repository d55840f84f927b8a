import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const started: ChildProcess[] = [];
after(() => {
  for (const p of started) if (p.pid) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
});

/** `npm start` as the README gives it, in its own process group; resolves with the port and start-up time it logs. */
function npmStart(dataDir: string): Promise<{ port: number; startupMs: number; heapLimitMb: number; logs: () => string; proc: ChildProcess }> {
  const proc = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LISTEN_ADDRESS: '127.0.0.1', FOOTFALL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(proc);
  return new Promise((resolve, reject) => {
    let logs = '';
    const timer = setTimeout(() => reject(new Error(`npm start did not listen:\n${logs}`)), 60_000);
    const onData = (d: Buffer) => {
      logs += d.toString();
      const m = /"msg":"listening","port":(\d+).*"startupMs":(\d+),"heapLimitMb":(\d+)/.exec(logs);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), startupMs: Number(m[2]), heapLimitMb: Number(m[3]), logs: () => logs, proc });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${logs}`)));
  });
}

test('two servers start from one checkout at once with npm start (no rebuild on start, heap bounded), and log their start-up time', async (t) => {
  const before = fs.statSync(path.join(root, 'dist/src/main.js')).mtimeMs;
  const [a, b] = await Promise.all([npmStart(tempDir()), npmStart(tempDir())]);
  assert.notEqual(a.port, b.port);
  for (const s of [a, b]) {
    const r = await fetch(`http://127.0.0.1:${s.port}/api/system/health/ready`);
    assert.equal(r.status, 200);
    assert.ok(s.startupMs > 0);
  }
  t.diagnostic(`start-up to listening: ${a.startupMs} ms and ${b.startupMs} ms`);
  // the JavaScript heap is bounded as documented (FOOTFALL_HEAP_MB, 512 MiB: the old generation, plus the young one)
  assert.ok(a.heapLimitMb >= 512 && a.heapLimitMb <= 512 + 128, `heap limit ${a.heapLimitMb} MiB`);
  assert.doesNotMatch(a.logs(), /heap is not bounded/);
  assert.equal(fs.statSync(path.join(root, 'dist/src/main.js')).mtimeMs, before, 'npm start did not rebuild dist/');
  for (const s of [a, b]) {
    process.kill(-s.proc.pid!, 'SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
  }
});

test('the CLI is executable: the bin file keeps its mode, and npx footfall runs it', async () => {
  assert.ok((fs.statSync(CLI).mode & 0o111) !== 0, 'dist/src/cli/main.js is executable');
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'footfall', '--help'], { cwd: root });
  assert.match(stdout, /^Usage: footfall <command>/);
  const direct = await promisify(execFile)(CLI, ['--help']);
  assert.match(direct.stdout, /goals add/);
});

test('a global install puts a working footfall command on the PATH', async () => {
  const prefix = tempDir('footfall-global-');
  // --ignore-scripts: the checkout is built already (and a prepare here would rebuild dist/ under the other tests)
  await promisify(execFile)('npm', ['install', '-g', '--prefix', prefix, root, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: prefix });
  const bin = path.join(prefix, 'bin', 'footfall');
  assert.match((await promisify(execFile)(bin, ['--help'])).stdout, /^Usage: footfall <command>/);
  const dataDir = tempDir();
  const added = await promisify(execFile)(bin, ['sites', 'add', 'global.example'], { env: { ...process.env, FOOTFALL_DATA_DIR: dataDir } });
  assert.match(added.stdout, /added global\.example/);
  const list = await promisify(execFile)(bin, ['sites', 'list', '--json'], { env: { ...process.env, FOOTFALL_DATA_DIR: dataDir } });
  assert.deepEqual(JSON.parse(list.stdout).map((s: { domain: string }) => s.domain), ['global.example']);
});
