import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sipKey } from './visitor.js';

/** A salt for one UTC day. */
export interface Salt {
  day: string; // YYYY-MM-DD (UTC)
  key: Buffer; // 16 random bytes
  /** The key as SipHash's four 32-bit words. */
  words: number[];
}

const words = sipKey;

/** The salts visitor ids are hashed with. An interface so that several ingest nodes can share them later. */
export interface SaltSource {
  /** Today's salt (created on the first call of a new day, which also destroys salts older than yesterday's). */
  current(now: Date): Salt;
  /** Yesterday's salt, if there was one; tried when looking up a session that crossed midnight. */
  previous(now: Date): Salt | undefined;
}

const DAY_MS = 86_400_000;
let cachedDay = NaN;
let cachedDayText = '';
/** 'YYYY-MM-DD' of a time, UTC (the last day cached: every event asks). */
function utcDay(d: Date): string {
  const day = Math.floor(d.getTime() / DAY_MS);
  if (day !== cachedDay) {
    cachedDayText = d.toISOString().slice(0, 10);
    cachedDay = day;
  }
  return cachedDayText;
}

/**
 * Salts persisted in `<dataDir>/salts.json` (mode 0600) so that a restart keeps visitor ids. Rotation happens
 * at the first use after midnight UTC, without a restart: a new random salt is created and written, and every
 * salt older than the previous day's is removed from the file (and from memory) at that moment.
 */
export class FileSaltSource implements SaltSource {
  private salts: Salt[];

  constructor(private readonly file: string) {
    this.salts = FileSaltSource.read(file);
  }

  static inDataDir(dataDir: string): FileSaltSource {
    return new FileSaltSource(path.join(dataDir, 'salts.json'));
  }

  private static read(file: string): Salt[] {
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ day: string; key: string }>;
      return raw
        .filter((s) => /^\d{4}-\d\d-\d\d$/.test(s.day) && /^[0-9a-f]{32}$/.test(s.key))
        .map((s) => {
          const key = Buffer.from(s.key, 'hex');
          return { day: s.day, key, words: words(key) };
        });
    } catch {
      return [];
    }
  }

  private write(): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(this.salts.map((s) => ({ day: s.day, key: s.key.toString('hex') }))));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  current(now: Date): Salt {
    const day = utcDay(now);
    const last = this.salts[this.salts.length - 1];
    if (last && last.day === day) return last;
    if (last && last.day > day) return last; // clock went backwards: keep using the newest salt
    const yesterday = utcDay(new Date(now.getTime() - 86_400_000));
    const key = randomBytes(16);
    const fresh: Salt = { day, key, words: words(key) };
    this.salts = [...this.salts.filter((s) => s.day === yesterday), fresh];
    this.write();
    return fresh;
  }

  previous(now: Date): Salt | undefined {
    const cur = this.current(now);
    const i = this.salts.indexOf(cur);
    return i > 0 ? this.salts[i - 1] : undefined;
  }

  /** Days of the salts held (for tests and health). */
  days(): string[] {
    return this.salts.map((s) => s.day);
  }
}
