import fs from 'node:fs';
import path from 'node:path';

/**
 * Parts the embedded engine committed broken. When the disk fills while the engine writes a part (a merge, seldom
 * an insert), chdb 3.4 (ClickHouse 26.7) can commit it with every file empty, checksums.txt included: on tmpfs and
 * on ext4 alike. Every read of its table then fails ("Empty marks file ... CORRUPTED_DATA") until the engine is
 * opened again: opening detaches the broken part and, for a merge, brings back the parts it merged (they stay on
 * disk for minutes). These helpers find such parts and tell when to look for them.
 */

/** A row of system.parts. */
export interface PartRow {
  database: string;
  table: string;
  name: string;
  path: string;
  level: number | string;
  active: number | string;
}

/** The parts of the non-system databases, with their state (outdated parts stay listed until deleted). */
export const PARTS_SQL =
  "SELECT database, table, name, path, level, active FROM system.parts WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')";

/** The parts among `parts` whose checksums.txt is empty: committed without their contents. */
export async function emptyParts(parts: readonly PartRow[]): Promise<PartRow[]> {
  const broken: PartRow[] = [];
  await Promise.all(
    parts.map(async (p) => {
      try {
        if ((await fs.promises.stat(path.join(p.path, 'checksums.txt'))).size === 0) broken.push(p);
      } catch {
        // gone: an outdated part deleted meanwhile
      }
    }),
  );
  return broken;
}

/** Failures that mean the disk is (or was) full. */
export function spaceError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return /no space left|ENOSPC|NOT_ENOUGH_SPACE|cannot reserve|not enough space/i.test(err instanceof Error ? err.message : String(err));
}

/** Read failures a broken part causes. */
export function corruptionError(err: unknown): boolean {
  return /CORRUPTED_DATA|Empty marks file|CHECKSUM_DOESNT_MATCH|CANNOT_READ_ALL_DATA|Cannot read all (data|marks)/i.test(err instanceof Error ? err.message : String(err));
}

/**
 * Whether the disk of `dir` is in trouble: it failed a write for space within the last `memoryMs`, or it has less
 * free space now than `lowBytes` (or 2 % of its size, whichever is more). Only then is it worth looking for broken
 * parts after each insert.
 */
export class DiskWatch {
  private lastTrouble = -Infinity;

  constructor(
    private readonly dir: string,
    private readonly lowBytes = 256 * 1024 * 1024,
    private readonly memoryMs = 10 * 60_000,
  ) {}

  /** Records a failure for space now. */
  note(): void {
    this.lastTrouble = Date.now();
  }

  async troubled(): Promise<boolean> {
    if (Date.now() - this.lastTrouble < this.memoryMs) return true;
    try {
      const s = await fs.promises.statfs(this.dir);
      const free = s.bavail * s.bsize;
      if (free < Math.max(this.lowBytes, s.blocks * s.bsize * 0.02)) {
        this.note();
        return true;
      }
    } catch {
      // cannot tell: look only on failures
    }
    return false;
  }
}
