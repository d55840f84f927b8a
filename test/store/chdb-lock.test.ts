import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ChdbBackend, StoreLockedError } from '../../src/store/chdb.js';
import { tempDir } from '../helpers/server.js';

const chdbModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/store/chdb.js');

// The CLI tells "the server holds the store" from any other failure by this error (it then says so in one line).
test('a store held by another live process is refused with StoreLockedError; once that process is gone it opens', async () => {
  const dir = path.join(tempDir(), 'chdb');
  const holder = spawn(process.execPath, ['--input-type=module', '-e', `import { ChdbBackend } from ${JSON.stringify(chdbModule)}; ChdbBackend.open(${JSON.stringify(dir)}); console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`the holder exited (${code})`)));
    });
    assert.throws(() => ChdbBackend.open(dir), (err: unknown) => err instanceof StoreLockedError && /in use by another process \(is the server running\?\)/.test(err.message));
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  const b = ChdbBackend.open(dir); // a killed holder leaves its status file behind; its process id is not alive
  try {
    assert.equal(await b.queryText('SELECT 1 AS x'), '{"x":1}\n');
  } finally {
    await b.close();
  }
});
