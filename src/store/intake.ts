import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../util/log.js';
import { retrying, unreachable } from './backend.js';
import { TABLES } from './journal-format.js';
import { Journal, type Recovery } from './journal.js';
import type { Store } from './store.js';

/** Where the event route hands accepted rows: straight to the write buffers, or through the journal first. */
export interface RowIntake {
  /** Is there room for this many rows? Checked before the pipeline runs, so a refused event changes no state. */
  hasRoom(events: number, sessions: number): boolean;
  /**
   * Takes one request's serialized rows. `null`: taken already; a promise: resolves once it is safe to answer
   * 202, rejects when the rows were not kept (answer 503).
   */
  accept(events: string[], sessions: string[]): Promise<void> | null;
}

export class IntakeClosedError extends Error {}

/** No journal (`FOOTFALL_JOURNAL=off`): rows go to the write buffers; a crash loses what they hold. */
export class BufferIntake implements RowIntake {
  constructor(private readonly store: Store) {}

  hasRoom(events: number, sessions: number): boolean {
    return this.store.events.hasRoom(events) && this.store.sessions.hasRoom(sessions);
  }

  accept(events: string[], sessions: string[]): Promise<void> | null {
    if (!this.store.events.push(events) || !this.store.sessions.push(sessions)) {
      return Promise.reject(new IntakeClosedError('the write buffers are closed'));
    }
    return null;
  }
}

/** The journal first, then (in journal order) the write buffers; the buffers' inserts confirm journal rows. */
export class JournalIntake implements RowIntake {
  constructor(
    private readonly journal: Journal,
    private readonly store: Store,
  ) {
    journal.attach((table, lines) => {
      // Room was checked before the rows were journaled; a closed buffer (shutdown) leaves them to the replay.
      store[table].push(lines, true);
    });
    store.events.onCommit = (n) => journal.committed('events', n);
    store.sessions.onCommit = (n) => journal.committed('sessions', n);
  }

  hasRoom(events: number, sessions: number): boolean {
    return this.journal.hasRoom() && this.store.events.hasRoom(events) && this.store.sessions.hasRoom(sessions);
  }

  accept(events: string[], sessions: string[]): Promise<void> | null {
    return this.journal.append(events, sessions);
  }
}

export interface ReplayReport {
  /** Unconfirmed rows found in the journal. */
  checked: number;
  /** Of those, already in the store (the crash came between the insert and its confirmation). */
  alreadyStored: number;
  /** Of those, inserted now. */
  inserted: number;
}

const LOOKUP_CHUNK = 50_000;

/**
 * Brings the store up to the journal after a start: every unconfirmed row that the store does not hold is
 * inserted (under its old seq), the rest is only confirmed. Waits for the store as long as it takes (the server
 * does not listen before), so that replayed rows are stored before new ones arrive.
 */
export async function replayJournal(journal: Journal, recovery: Recovery, store: Store, log: Logger): Promise<ReplayReport> {
  const report: ReplayReport = { checked: 0, alreadyStored: 0, inserted: 0 };
  for (const table of TABLES) {
    const rows = recovery.unconfirmed[table];
    report.checked += rows.length;
    const stored = new Set<number>();
    for (let i = 0; i < rows.length; i += LOOKUP_CHUNK) {
      const chunk = rows.slice(i, i + LOOKUP_CHUNK).map((r) => r.line);
      const found = await retrying(
        () => store.storedSeqs(table, chunk),
        unreachable,
        (err) => log.warn('journal replay: store not answering; retrying', { table, err }),
        () => 1000,
      );
      for (const s of found) stored.add(s);
    }
    const missing = stored.size === 0 ? rows : rows.filter((r) => !stored.has(r.seq));
    report.alreadyStored += rows.length - missing.length;
    report.inserted += missing.length;
    journal.replay(table, missing, recovery.maxSeq[table]);
  }
  if (report.inserted > 0) {
    await retrying(
      () => Promise.all([store.events.flush(), store.sessions.flush()]),
      () => true,
      (err) => log.warn('journal replay: insert failed; retrying', { err }),
      () => 1000,
    );
  }
  await journal.drain();
  return report;
}

type JournalConfig = Pick<Config, 'dataDir' | 'journal' | 'journalFsyncMs' | 'journalSegmentBytes' | 'journalMaxBytes'>;

export function journalDir(dataDir: string): string {
  return path.join(dataDir, 'journal');
}

/**
 * Opens the journal of `<dataDir>/journal` and replays what the store did not confirm. With the journal off, a
 * journal left from before is still replayed, then removed.
 */
export async function openJournal(config: JournalConfig, store: Store, log: Logger): Promise<{ journal: Journal | null; intake: RowIntake }> {
  const dir = journalDir(config.dataDir);
  if (!config.journal && !fs.existsSync(dir)) return { journal: null, intake: new BufferIntake(store) };
  const { journal, recovery } = Journal.open({
    dir,
    fsyncIntervalMs: config.journalFsyncMs,
    segmentBytes: config.journalSegmentBytes,
    maxBytes: config.journalMaxBytes,
    log,
  });
  const intake = new JournalIntake(journal, store);
  const t0 = performance.now();
  const report = await replayJournal(journal, recovery, store, log);
  log.info('journal replayed', { segments: recovery.segments, corrupt: recovery.corrupt.length, ...report, ms: Math.round(performance.now() - t0) });
  if (config.journal) return { journal, intake };
  await journal.close();
  store.events.onCommit = null;
  store.sessions.onCommit = null;
  fs.rmSync(dir, { recursive: true, force: true });
  return { journal: null, intake: new BufferIntake(store) };
}
