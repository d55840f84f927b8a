import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { admin, cli, exportRows, newKey, postEvent, startServer, tempDir } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mounts a tmpfs of `mb` MiB (needs root: CI runs as root); null when this machine does not allow it. */
function smallDisk(mb: number): { dir: string; unmount(): void } | null {
  const dir = tempDir('footfall-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { dir, unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) };
}

/** Fills the file system of `dir` to the last byte with one file; returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) fs.writeSync(fd, chunk, 0, 512);
  } catch {
    /* full to the byte (as far as 512-byte writes go) */
  }
  fs.closeSync(fd);
  return file;
}

test('a full disk answers 503, and once space returns events are accepted again within seconds, none lost', async (t) => {
  const disk = smallDisk(24);
  if (!disk) return t.skip('cannot mount a tmpfs here (not root)');
  try {
    const srv = await startServer({ dataDir: path.join(disk.dir, 'data'), env: { FOOTFALL_JOURNAL_SEGMENT_BYTES: String(64 * 1024) } });
    try {
      assert.equal((await cli(srv.dataDir, ['sites', 'add', 'disk.example'])).code, 0);
      assert.equal((await cli(srv.dataDir, ['sites', 'rate-limit', 'disk.example', '--per-minute', '1000000', '--burst', '100000'])).code, 0);
      const key = await newKey(srv.dataDir);
      const accepted = new Set<string>();
      let i = 0;
      const send = async () => {
        const p = `/p${i++}?utm_content=${'c'.repeat(1000)}`;
        const r = await postEvent(srv.url, { n: 'pageview', u: `https://disk.example${p}` }, { 'x-forwarded-for': `10.1.${i % 250}.${i % 200}` });
        if (r.status === 202) accepted.add(p.split('?')[0]!);
        return r.status;
      };
      for (let k = 0; k < 20; k++) assert.equal(await send(), 202);
      const filler = fillDisk(disk.dir);
      let refused = 0;
      for (let k = 0; k < 3000 && refused < 20; k++) {
        const s = await send();
        assert.ok(s === 202 || s === 503, `status ${s}`);
        if (s === 503) refused++;
      }
      assert.equal(refused, 20, 'a full disk is answered 503');
      fs.rmSync(filler);
      // Recovers by itself: within seconds (no restart), every event is accepted again.
      const deadline = Date.now() + 20_000;
      let ok = 0;
      while (ok < 20) {
        assert.ok(Date.now() < deadline, `still refusing events 20 s after space returned:\n${srv.logs().slice(-2000)}`);
        if ((await send()) === 202) ok++;
        else await sleep(100);
      }
      const stored = new Set((await exportRows(srv.url, key, 'events', 'disk.example')).map((r) => String(r.pathname)));
      for (const p of accepted) assert.ok(stored.has(p), `accepted event ${p} is stored`);
      assert.equal(stored.size, accepted.size);
      assert.equal(await srv.stop(), 0);
    } finally {
      await srv.stop('SIGKILL');
    }
  } finally {
    disk.unmount();
  }
});

export { admin, sleep };
