import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../util/log.js';

export class DataDirError extends Error {}

/**
 * Makes sure the data directory exists, private (0700 when created here) and writable, and says plainly what
 * is wrong when it is not. An existing directory that other users can read is left as it is, with a warning.
 */
export function prepareDataDir(dir: string, log: Logger): void {
  let created = false;
  try {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      created = true;
    }
  } catch (err) {
    throw new DataDirError(`cannot create the data directory ${dir}: ${reason(realMkdirError(dir) ?? err)} (set FOOTFALL_DATA_DIR to a writable place)`);
  }
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new DataDirError(`the data directory ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    const probe = `${dir}/.write-test-${process.pid}`;
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new DataDirError(`the data directory ${dir} is not writable: ${reason(err)}`);
  }
  if (created) fs.chmodSync(dir, 0o700);
  else if ((st.mode & 0o077) !== 0) {
    log.warn('the data directory can be read by other users of this machine; `chmod 700` it', { dir, mode: (st.mode & 0o777).toString(8) });
  }
}

/** A recursive mkdir can report ENOENT for a read-only parent: create the first missing part alone for the real error. */
function realMkdirError(dir: string): unknown {
  let child = path.resolve(dir);
  let parent = path.dirname(child);
  while (!fs.existsSync(parent) && parent !== path.dirname(parent)) {
    child = parent;
    parent = path.dirname(parent);
  }
  try {
    fs.mkdirSync(child);
    fs.rmdirSync(child);
    return null;
  } catch (err) {
    return err;
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return err instanceof Error ? err.message : String(err);
}
