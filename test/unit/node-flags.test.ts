import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverNodeFlags } from '../../src/node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('npm start and ./footfall start give the server the flags the tests and benchmarks start it with', () => {
  const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  assert.equal(start, `node ${serverNodeFlags('${FOOTFALL_HEAP_MB:-512}').join(' ')} dist/src/main.js`);
  const script = fs.readFileSync(path.join(root, 'footfall'), 'utf8');
  assert.ok(script.includes(`exec node ${serverNodeFlags('"${FOOTFALL_HEAP_MB:-512}"').join(' ')} "$dir/dist/src/main.js"`), script);
  assert.deepEqual(serverNodeFlags(300), ['--max-old-space-size=300']);
});

test('this Node accepts the flags, in the main thread and in a worker thread', () => {
  // A flag this Node did not know would stop it at start ("bad option", exit 9); the heap bound (300 MiB of old
  // space, ≈ 348 MiB in all) holds in the ingest worker's thread as in the main thread.
  const out = execFileSync(
    process.execPath,
    [
      ...serverNodeFlags(300),
      '--input-type=module',
      '-e',
      "import { Worker } from 'node:worker_threads'; import v8 from 'node:v8';" +
        "const w = new Worker(`import v8 from 'node:v8'; import { parentPort } from 'node:worker_threads'; parentPort.postMessage(v8.getHeapStatistics().heap_size_limit)`, { eval: true });" +
        "const mib = (n) => n > 300 * 2 ** 20 && n < 400 * 2 ** 20;" +
        "w.once('message', (m) => { console.log(mib(v8.getHeapStatistics().heap_size_limit), mib(m)); w.terminate(); });",
    ],
    { encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'true true');
});
