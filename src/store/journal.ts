import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../util/log.js';
import {
  TABLES,
  decodeSegment,
  encodeConfirm,
  encodeOpen,
  encodeRowsSliced,
  type JournalTable,
} from './journal-format.js';
import type { Row } from './buffer.js';

export interface JournalOptions {
  /** Directory of the segment files (`<data dir>/journal`). */
  dir: string;
  /** fsync the active segment at least this often (ms); 0 = before every acknowledgement (group commit). */
  fsyncIntervalMs: number;
  /** Start a new segment once the active one is this large. */
  segmentBytes: number;
  /** Refuse appends (the caller answers 503) while the journal holds this many bytes. */
  maxBytes: number;
  log: Logger;
  /** The clock, for the seq floor (ms). */
  now?: () => number;
}

/** A journaled row that the store did not confirm before the process stopped. */
export interface ReplayRow {
  seq: number;
  line: string;
}

export interface Recovery {
  /** Per table, in seq order: rows written after the last confirmation, to check against the store. */
  unconfirmed: Record<JournalTable, ReplayRow[]>;
  /** Per table: the highest seq found in the journal. */
  maxSeq: Record<JournalTable, number>;
  segments: number;
  /** Torn or corrupt tails that were skipped. */
  corrupt: Array<{ file: string; offset: number; bytes: number; reason: string }>;
}

/**
 * Where written rows go, in journal order: the write buffers. Rows come as their UTF-8 bytes (views into the journal
 * record), or as text when replayed from a segment.
 */
export type JournalSink = (table: JournalTable, lines: readonly Row[]) => void;

export class JournalError extends Error {}

interface Segment {
  id: number;
  file: string;
  fd: number | null;
  bytes: number;
  /** Highest seq of each table's rows in this segment (0: none). */
  maxSeq: Record<JournalTable, number>;
}

/** Rows handed to the store, in order; committing all `count` confirms `end`, part of them first + done - 1. */
interface Pending {
  first: number;
  count: number;
  end: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Queued {
  buf: Buffer;
  /** The request's rows with their seqs (events first + i, sessions after them). */
  rows?: { firstSeq: number; events: Buffer[]; sessions: Buffer[] };
  waiter?: Waiter;
}

export interface JournalStats {
  bytes: number;
  segments: number;
  appends: number;
  writes: number;
  fsyncs: number;
  failures: number;
  lastError: string | null;
  unconfirmedRows: number;
}

/** How often a journal without a writable segment tries to open one (from `hasRoom`). */
const REOPEN_EVERY_MS = 1000;
const SEGMENT_NAME = /^(\d{12})\.wal$/;
const segmentFile = (dir: string, id: number): string => path.join(dir, `${String(id).padStart(12, '0')}.wal`);
const zeroSeqs = (): Record<JournalTable, number> => ({ events: 0, sessions: 0 });

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/**
 * Writes every buffer, in order, at the file's end, on libuv's thread pool (one `writev`, continued after a short
 * write): the event loop goes on parsing requests while the kernel copies the bytes.
 */
function writeAllAsync(fd: number, bufs: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[]): void => {
      fs.writev(fd, rest, (err, written) => {
        if (err) return reject(err);
        let n = written;
        let i = 0;
        while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
        if (i === rest.length) return resolve();
        step([rest[i]!.subarray(n), ...rest.slice(i + 1)]);
      });
    };
    step(bufs);
  });
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every file system can fsync a directory; the segment itself is still synced
  }
}

/**
 * The write-ahead journal: every accepted row is appended here (and reaches the OS) before the 202, so that
 * `kill -9` loses nothing. Appends of one event-loop turn are written together (group commit); the active
 * segment is fsynced on a timer, or before acknowledging when `fsyncIntervalMs` is 0. Each row carries a
 * sequence number (`journal_seq`, unique and increasing across restarts) that the store keeps; confirmations
 * record how far each table is stored; segments whose rows are all confirmed are deleted.
 */
export class Journal {
  private segments: Segment[] = [];
  private active!: Segment;
  private nextSeq: number;
  private queue: Queued[] = [];
  private scheduled = false;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private lastReopenMs = 0;
  private sink: JournalSink = () => {};
  private readonly pending: Record<JournalTable, Pending[]> = { events: [], sessions: [] };
  private readonly pendingHead: Record<JournalTable, number> = { events: 0, sessions: 0 };
  private readonly confirmed: Record<JournalTable, number> = zeroSeqs();
  readonly stats: JournalStats = { bytes: 0, segments: 0, appends: 0, writes: 0, fsyncs: 0, failures: 0, lastError: null, unconfirmedRows: 0 };

  private constructor(private readonly opts: JournalOptions, nextSeq: number) {
    this.nextSeq = nextSeq;
  }

  /**
   * Opens the journal directory: reads every segment (skipping torn or corrupt tails with a log line), returns
   * the rows not confirmed as stored, and starts a new active segment. Old segments are deleted once their rows
   * are confirmed (after the caller's replay).
   */
  static open(opts: JournalOptions): { journal: Journal; recovery: Recovery } {
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const ids = fs
      .readdirSync(opts.dir)
      .map((f) => SEGMENT_NAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const recovery: Recovery = { unconfirmed: { events: [], sessions: [] }, maxSeq: zeroSeqs(), segments: ids.length, corrupt: [] };
    const confirmed = zeroSeqs();
    let floor = 0;
    const old: Segment[] = [];
    // Two passes, so that memory holds only the unconfirmed rows: first the confirmations, then the rows after them.
    const decoded = (file: string) => decodeSegment(fs.readFileSync(file));
    for (const id of ids) {
      const file = segmentFile(opts.dir, id);
      const seg = decoded(file);
      if (seg.corrupt) {
        recovery.corrupt.push({ file, ...seg.corrupt });
        opts.log.warn('journal: torn or corrupt record skipped', { file, offset: seg.corrupt.offset, bytes: seg.corrupt.bytes, reason: seg.corrupt.reason });
      }
      const maxSeq = zeroSeqs();
      for (const r of seg.records) {
        if (r.kind === 'open') floor = Math.max(floor, r.nextSeq);
        else if (r.kind === 'confirm') confirmed[r.table] = Math.max(confirmed[r.table], r.seq);
        else {
          const n = r.rows.events.length;
          if (n > 0) maxSeq.events = Math.max(maxSeq.events, r.firstSeq + n - 1);
          if (r.rows.sessions.length > 0) maxSeq.sessions = Math.max(maxSeq.sessions, r.firstSeq + n + r.rows.sessions.length - 1);
        }
      }
      for (const t of TABLES) recovery.maxSeq[t] = Math.max(recovery.maxSeq[t], maxSeq[t]);
      old.push({ id, file, fd: null, bytes: seg.validBytes + (seg.corrupt?.bytes ?? 0), maxSeq });
    }
    for (const s of old) {
      if (s.maxSeq.events <= confirmed.events && s.maxSeq.sessions <= confirmed.sessions) continue;
      for (const r of decoded(s.file).records) {
        if (r.kind !== 'rows') continue;
        let seq = r.firstSeq;
        for (const t of TABLES) {
          for (const line of r.rows[t]) {
            if (seq > confirmed[t]) recovery.unconfirmed[t].push({ seq, line });
            seq++;
          }
        }
      }
    }
    for (const t of TABLES) recovery.unconfirmed[t].sort((a, b) => a.seq - b.seq);
    const now = (opts.now ?? Date.now)();
    const next = Math.max(now * 1000, floor, recovery.maxSeq.events + 1, recovery.maxSeq.sessions + 1, confirmed.events + 1, confirmed.sessions + 1);
    const j = new Journal(opts, next);
    for (const t of TABLES) j.confirmed[t] = confirmed[t];
    j.segments = old;
    j.openSegment((ids[ids.length - 1] ?? 0) + 1);
    j.recount();
    if (opts.fsyncIntervalMs > 0) {
      j.timer = setInterval(() => j.sync(), opts.fsyncIntervalMs);
      j.timer.unref();
    }
    return { journal: j, recovery };
  }

  /** Where rows go once written (the write buffers), in journal order. */
  attach(sink: JournalSink): void {
    this.sink = sink;
  }

  /**
   * False while the journal is over its size bound or cannot be written (callers answer 503). Without a writable
   * segment (the disk was full when the last one closed), a new one is tried at most every `REOPEN_EVERY_MS`, so
   * that the journal recovers by itself once space returns.
   */
  hasRoom(): boolean {
    if (this.closed) return false;
    if (this.active.fd === null) {
      const now = Date.now();
      if (now - this.lastReopenMs < REOPEN_EVERY_MS) return false;
      this.lastReopenMs = now;
      this.roll();
      if (this.active.fd === null) return false;
      this.opts.log.info('journal: writable again', { file: this.active.file });
    }
    return this.stats.bytes < this.opts.maxBytes;
  }

  /**
   * Journals one request's rows: gives them seqs, queues them for the next group write, and resolves once they
   * are written (and fsynced when `fsyncIntervalMs` is 0) and handed to the sink. Rejects if the write fails;
   * then nothing of the request was kept.
   */
  append(events: readonly string[], sessions: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new JournalError('journal is closed'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.stats.appends++;
      if (events.length + sessions.length === 0) return resolve();
      const firstSeq = this.nextSeq;
      this.nextSeq += events.length + sessions.length;
      // each row gets its `journal_seq` as it is written into the record (as withSeq would add it)
      const rec = encodeRowsSliced(firstSeq, events, sessions, { addSeqs: true });
      this.queue.push({ buf: rec.record, rows: { firstSeq, events: rec.events, sessions: rec.sessions }, waiter });
      this.schedule();
    });
  }

  /**
   * Re-queues rows found unconfirmed at start and missing from the store, under their old seqs (already in the
   * journal); once they are stored, `upTo` (the table's highest seq checked) is confirmed.
   */
  replay(table: JournalTable, rows: readonly ReplayRow[], upTo: number): void {
    if (rows.length === 0) {
      this.confirm(table, upTo);
      return;
    }
    for (let i = 0; i < rows.length; i++) {
      const last = i === rows.length - 1;
      this.pending[table].push({ first: rows[i]!.seq, count: 1, end: last ? Math.max(upTo, rows[i]!.seq) : rows[i]!.seq });
    }
    this.stats.unconfirmedRows += rows.length;
    this.sink(table, rows.map((r) => r.line));
  }

  /** The store inserted the next `rows` rows of `table` handed to the sink: record how far the table is stored. */
  committed(table: JournalTable, rows: number): void {
    const q = this.pending[table];
    let head = this.pendingHead[table];
    let seq = 0;
    let left = rows;
    while (left > 0 && head < q.length) {
      const p = q[head]!;
      if (p.count <= left) {
        left -= p.count;
        seq = p.end;
        head++;
      } else {
        p.first += left;
        p.count -= left;
        seq = p.first - 1;
        left = 0;
      }
    }
    this.stats.unconfirmedRows = Math.max(0, this.stats.unconfirmedRows - rows);
    if (head > 1024 && head * 2 > q.length) {
      q.splice(0, head);
      head = 0;
    }
    this.pendingHead[table] = head;
    if (seq > 0) this.confirm(table, seq);
  }

  private confirm(table: JournalTable, seq: number): void {
    if (seq <= this.confirmed[table] || this.closed) return;
    this.confirmed[table] = seq;
    this.queue.push({ buf: encodeConfirm(table, seq) });
    this.schedule();
    this.trim();
  }

  /** Deletes closed segments whose rows are all confirmed. */
  private trim(): void {
    const keep: Segment[] = [];
    for (const s of this.segments) {
      if (s !== this.active && s.maxSeq.events <= this.confirmed.events && s.maxSeq.sessions <= this.confirmed.sessions) {
        try {
          fs.rmSync(s.file, { force: true });
          continue;
        } catch (err) {
          this.opts.log.warn('journal: could not delete a confirmed segment', { file: s.file, err });
        }
      }
      keep.push(s);
    }
    if (keep.length !== this.segments.length) {
      this.segments = keep;
      this.recount();
    }
  }

  private recount(): void {
    this.stats.bytes = this.segments.reduce((a, s) => a + s.bytes, 0);
    this.stats.segments = this.segments.length;
  }

  private openSegment(id: number): void {
    const file = segmentFile(this.opts.dir, id);
    const fd = fs.openSync(file, 'wx', 0o600);
    const header = encodeOpen(this.nextSeq);
    try {
      writeAll(fd, header);
    } catch (err) {
      // A full disk: leave no empty or half-written segment behind, so that the next attempt can take this id.
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw err;
    }
    fsyncDir(this.opts.dir);
    this.active = { id, file, fd, bytes: header.length, maxSeq: zeroSeqs() };
    this.segments.push(this.active);
    this.recount();
  }

  /** Closes the active segment (synced) and starts the next one. */
  private roll(): void {
    const prev = this.active;
    if (prev.fd !== null) {
      try {
        fs.fdatasyncSync(prev.fd);
      } catch (err) {
        this.opts.log.error('journal: fsync failed', { file: prev.file, err });
      }
      try {
        fs.closeSync(prev.fd);
      } catch {
        /* already unusable */
      }
      prev.fd = null;
    }
    try {
      this.openSegment(prev.id + 1);
    } catch (err) {
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      this.opts.log.error('journal: cannot open a new segment; events get 503 until it can', { err });
    }
    this.trim();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.writeQueued().finally(() => {
        this.writing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  /** Writes everything queued with one writev() off the event loop; hands rows to the sink in order; settles the waiters. */
  private async writeQueued(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const fail = (err: unknown): void => {
      const e = err instanceof JournalError ? err : new JournalError(`journal write failed: ${err instanceof Error ? err.message : String(err)}`);
      this.stats.failures++;
      this.stats.lastError = e.message;
      for (const q of batch) q.waiter?.reject(e);
    };
    if (this.active.fd === null) this.roll();
    const seg = this.active;
    if (seg.fd === null) return fail(new JournalError('journal is not writable'));
    const bufs = batch.map((q) => q.buf);
    let bytes = 0;
    for (const b of bufs) bytes += b.length;
    try {
      await writeAllAsync(seg.fd, bufs);
    } catch (err) {
      // Cut a partial write off so no half record (or whole records of refused requests) stays behind.
      try {
        fs.ftruncateSync(seg.fd, seg.bytes);
      } catch {
        /* the next segment starts clean anyway */
      }
      this.opts.log.error('journal: write failed; the affected requests get 503', { file: seg.file, err });
      fail(err);
      this.roll();
      return;
    }
    this.stats.writes++;
    seg.bytes += bytes;
    this.stats.bytes += bytes;
    this.dirty = true;
    if (this.opts.fsyncIntervalMs === 0) {
      try {
        await new Promise<void>((resolve, reject) => fs.fdatasync(seg.fd!, (err) => (err ? reject(err) : resolve())));
        this.stats.fsyncs++;
        this.dirty = false;
      } catch (err) {
        this.opts.log.error('journal: fsync failed; the affected requests get 503', { file: seg.file, err });
        fail(err);
        this.roll();
        return;
      }
    }
    for (const q of batch) {
      if (!q.rows) continue;
      let first = q.rows.firstSeq;
      for (const table of TABLES) {
        const lines = q.rows[table];
        if (lines.length === 0) continue;
        const end = first + lines.length - 1;
        seg.maxSeq[table] = Math.max(seg.maxSeq[table], end);
        this.pending[table].push({ first, count: lines.length, end });
        this.stats.unconfirmedRows += lines.length;
        this.sink(table, lines);
        first = end + 1;
      }
    }
    for (const q of batch) q.waiter?.resolve();
    this.stats.lastError = null;
    if (seg.bytes >= this.opts.segmentBytes) this.roll();
  }

  /** fsyncs the active segment if anything was written since the last fsync (the timer's job). */
  private sync(): void {
    const seg = this.active;
    if (!this.dirty || seg.fd === null) return;
    this.dirty = false;
    fs.fdatasync(seg.fd, (err) => {
      if (err) {
        this.dirty = true;
        if (seg.fd !== null) this.opts.log.error('journal: fsync failed', { file: seg.file, err });
      } else this.stats.fsyncs++;
    });
  }

  /** Waits until everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.writing || this.scheduled || this.queue.length > 0) {
      if (this.writing) await this.writing;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Writes what is queued, fsyncs and closes the active segment (call after the store wrote its buffers). */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const seg = this.active;
    if (seg.fd !== null) {
      try {
        fs.fdatasyncSync(seg.fd);
      } finally {
        fs.closeSync(seg.fd);
        seg.fd = null;
      }
    }
    this.trim();
  }
}
