import type { Logger } from '../util/log.js';

export interface WriteBufferOptions {
  /** Flush as soon as this many rows wait. */
  flushRows: number;
  /** Flush rows that waited this long, even if fewer. */
  intervalMs: number;
  /** Refuse new rows (push returns false) once this many are held. */
  maxRows: number;
  /** Refuse new rows once the held rows take this many bytes (UTF-8). Default: unbounded. */
  maxBytes?: number;
  /** One insert carries at most this many bytes (and at least one row). Default 16 MiB. */
  maxBatchBytes?: number;
  /**
   * Writes one batch (JSONEachRow lines joined by "\n"); rejects on failure. `retry` is true when the previous
   * write of these rows failed: it may still have reached the store, so the sink should skip rows already there.
   */
  sink: (payload: Buffer, rows: number, retry: boolean) => Promise<void>;
  /**
   * Failures the store may recover from by itself (unreachable, disk full, memory): retried with backoff as they
   * are. Any other failure may be a row the store can never take: the batch is halved until the row is alone.
   */
  transient?: (err: unknown) => boolean;
  /**
   * A row that failed alone `attempts` times with a non-transient error, while `storeHealthy()` says the store
   * itself works, is handed to `write` (a dead-letter file) and counts as stored, so that it never blocks the rows
   * behind it. `write` throws when it cannot keep the row; then the row stays and is retried.
   */
  deadLetter?: { attempts: number; storeHealthy(): Promise<boolean>; write(line: string, err: unknown): void };
  log: Logger;
  /** Name for logs and metrics (the table). */
  name: string;
  /** Called after each successful insert with its duration and size. */
  onInsert?: (seconds: number, rows: number) => void;
  /**
   * Rows of a batch that need not be inserted (false in the result; null: all are inserted): rows that cancel
   * each other out in the table. They count as written: they leave the buffer and confirm their journal rows.
   */
  collapse?: (rows: readonly Row[], n: number) => boolean[] | null;
}

export interface BufferStats {
  depth: number;
  bytes: number;
  inserted: number;
  batches: number;
  failures: number;
  deadLettered: number;
  /** Rows left out of inserts because they cancelled each other out (`collapse`). */
  collapsed: number;
  lastError: string | null;
  lastInsertMs: number;
}

/** A row: one JSON object as text, or as its UTF-8 bytes (no newline in either). */
export type Row = string | Buffer;

const DEFAULT_BATCH_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Collects serialized rows and writes them in batches: by size or by time, one insert in flight, in order.
 * A batch is bounded in rows and in bytes and is built in one Buffer (never one string, whose length V8 bounds).
 * A failed batch stays at the head and is retried with backoff, so nothing is lost while the process lives; a
 * row the store refuses on its own goes to the dead-letter sink instead of blocking the rows behind it.
 * Memory is bounded by maxRows and maxBytes: callers answer 503 when push() refuses.
 */
export class WriteBuffer {
  private pending: Row[] = [];
  /** UTF-8 bytes of each pending row. */
  private sizes: number[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private retryDelay = 0;
  private closed = false;
  /** Rows per batch at most: flushRows, halved after each non-transient failure, doubled back after successes. */
  private batchCap: number;
  /** Failures of the head row inserted alone. */
  private headFailures = 0;
  /** Called after each successful write with how many of the oldest rows it stored (the journal confirms them). */
  onCommit: ((rows: number) => void) | null = null;
  readonly stats: BufferStats = { depth: 0, bytes: 0, inserted: 0, batches: 0, failures: 0, deadLettered: 0, collapsed: 0, lastError: null, lastInsertMs: 0 };

  constructor(private readonly opts: WriteBufferOptions) {
    this.batchCap = opts.flushRows;
  }

  get depth(): number {
    return this.pending.length;
  }

  /** True when the last write failed and rows are waiting for a retry. */
  get failing(): boolean {
    return this.stats.lastError !== null;
  }

  hasRoom(rows: number): boolean {
    return this.pending.length + rows <= this.opts.maxRows && this.heldBytes < (this.opts.maxBytes ?? Infinity);
  }

  /**
   * Queues rows (each one JSON object, no newline). Returns false, queuing nothing, when full or closed.
   * `force` skips the size bound: for rows already journaled, whose room was checked before they were.
   */
  push(lines: readonly Row[], force = false): boolean {
    if (this.closed || (!force && !this.hasRoom(lines.length))) return false;
    for (const l of lines) {
      const n = typeof l === 'string' ? Buffer.byteLength(l, 'utf8') : l.length;
      this.pending.push(l);
      this.sizes.push(n);
      this.heldBytes += n;
    }
    this.stats.depth = this.pending.length;
    this.stats.bytes = this.heldBytes;
    if (this.pending.length >= this.opts.flushRows && this.retryDelay === 0) this.kick();
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.kick(), this.opts.intervalMs);
    return true;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.running) this.running = this.drain(false).finally(() => (this.running = null));
  }

  /**
   * How many head rows the next batch takes (≥ 1), and the payload of those to insert (rows joined by "\n", in one
   * Buffer; empty when `collapse` left none), with how many rows it holds.
   */
  private nextBatch(): { n: number; payload: Buffer; rows: number } {
    const maxBytes = this.opts.maxBatchBytes ?? DEFAULT_BATCH_BYTES;
    const limit = Math.min(this.pending.length, this.batchCap);
    let n = 0;
    let bytes = 0;
    while (n < limit && (n === 0 || bytes + 1 + this.sizes[n]! <= maxBytes)) bytes += (n > 0 ? 1 : 0) + this.sizes[n++]!;
    const keep = this.opts.collapse?.(this.pending, n) ?? null;
    let rows = n;
    if (keep) {
      rows = 0;
      bytes = 0;
      for (let i = 0; i < n; i++) if (keep[i]) bytes += (rows++ > 0 ? 1 : 0) + this.sizes[i]!;
    }
    const payload = Buffer.allocUnsafe(bytes);
    let off = 0;
    let written = 0;
    for (let i = 0; i < n; i++) {
      if (keep && !keep[i]) continue;
      if (written++ > 0) payload[off++] = NEWLINE;
      const row = this.pending[i]!;
      off += typeof row === 'string' ? payload.write(row, off, 'utf8') : row.copy(payload, off);
    }
    return { n, payload, rows };
  }

  /** Removes the `n` oldest rows (stored, or dead-lettered) and reports them to the journal. */
  private shift(n: number): void {
    for (let i = 0; i < n; i++) this.heldBytes -= this.sizes[i]!;
    this.pending.splice(0, n);
    this.sizes.splice(0, n);
    this.stats.depth = this.pending.length;
    this.stats.bytes = this.heldBytes;
    this.onCommit?.(n);
  }

  /**
   * After a failed batch of `n` rows: true to try again at once (a smaller batch, or the next row after a
   * dead-lettered one), false to wait for the backoff.
   */
  private async afterFailure(n: number, err: unknown): Promise<boolean> {
    if (n === 0 || (this.opts.transient?.(err) ?? true)) return false;
    if (n > 1) {
      this.batchCap = Math.max(1, Math.floor(n / 2));
      this.headFailures = 0;
      return true;
    }
    this.headFailures++;
    const dl = this.opts.deadLetter;
    if (!dl || this.headFailures < dl.attempts) return false;
    if (!(await dl.storeHealthy().catch(() => false))) return false;
    try {
      dl.write(String(this.pending[0]!), err);
    } catch (e) {
      this.opts.log.error('cannot write the dead-letter file; the row stays queued', { table: this.opts.name, err: e });
      return false;
    }
    this.opts.log.error('row moved to the dead-letter file: the store refused it alone, repeatedly', { table: this.opts.name, attempts: this.headFailures, err });
    this.stats.deadLettered++;
    this.headFailures = 0;
    this.retryDelay = 0;
    this.shift(1);
    return true;
  }

  /**
   * Writes batches until the queue is empty or a write fails (then schedules a retry). Unless `all`,
   * stops at a partial batch and leaves it to the timer, so that inserts stay large.
   */
  private async drain(all: boolean): Promise<void> {
    while (this.pending.length > 0) {
      const t0 = performance.now();
      let n = 0;
      /** Rows of the batch inserted: `n` less those that cancelled each other out. */
      let rows = 0;
      try {
        const batch = this.nextBatch();
        n = batch.n;
        rows = batch.rows;
        if (rows > 0) await this.opts.sink(batch.payload, rows, this.stats.lastError !== null);
      } catch (err) {
        this.stats.failures++;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        if (await this.afterFailure(n, err)) continue;
        this.retryDelay = Math.min(this.retryDelay ? this.retryDelay * 2 : 100, 5000);
        this.opts.log.error('insert failed; will retry', { table: this.opts.name, rows: n, retryMs: this.retryDelay, err });
        if (!all) this.timer = setTimeout(() => this.kick(), this.retryDelay);
        return;
      }
      if (rows > 0) {
        this.stats.lastInsertMs = performance.now() - t0;
        this.opts.onInsert?.(this.stats.lastInsertMs / 1000, rows);
        this.stats.batches++;
      }
      this.stats.inserted += rows;
      this.stats.collapsed += n - rows;
      this.stats.lastError = null;
      this.retryDelay = 0;
      this.headFailures = 0;
      this.batchCap = Math.min(this.opts.flushRows, this.batchCap * 2);
      this.shift(n);
      if (this.pending.length < this.opts.flushRows && !all) {
        if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => this.kick(), this.opts.intervalMs);
        return;
      }
    }
  }

  /** Writes everything queued now. Rejects if a write fails (the rows stay queued). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running) await this.running;
    this.running = this.drain(true).finally(() => (this.running = null));
    await this.running;
    if (this.pending.length > 0 && !this.closed && !this.timer) this.timer = setTimeout(() => this.kick(), this.retryDelay || 100);
    if (this.pending.length > 0) throw new Error(`flush of ${this.opts.name} failed: ${this.stats.lastError ?? 'unknown error'}`);
  }

  /** Refuses new rows, then writes everything queued, retrying failed writes until `deadline` (epoch ms). */
  async close(deadline: number): Promise<void> {
    this.closed = true;
    for (;;) {
      try {
        await this.flush();
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
