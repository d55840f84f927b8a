import { execFileSync } from 'node:child_process';
import { tempDir } from './server.js';

/** Mounts a tmpfs of `mb` MiB (needs root: CI runs as root); null when this machine does not allow it. */
export function smallDisk(mb: number): { dir: string; unmount(): void } | null {
  const dir = tempDir('footfall-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { dir, unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) };
}
