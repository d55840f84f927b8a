import type { Logger } from '../util/log.js';

export interface WriteBufferOptions {
  /** Flush as soon as this many rows wait. */
  flushRows: number;
  /** Flush rows that waited this long, even if fewer. */
  intervalMs: number;
  /** Refuse new rows (push returns false) once this many are held. */
  maxRows: number;
  /**
   * Writes one batch (JSONEachRow lines joined by "\n"); rejects on failure. `retry` is true when the previous
   * write of these rows failed: it may still have reached the store, so the sink should skip rows already there.
   */
  sink: (payload: Buffer, rows: number, retry: boolean) => Promise<void>;
  log: Logger;
  /** Name for logs and metrics (the table). */
  name: string;
  /** Called after each successful insert with its duration and size. */
  onInsert?: (seconds: number, rows: number) => void;
}

export interface BufferStats {
  depth: number;
  inserted: number;
  batches: number;
  failures: number;
  lastError: string | null;
  lastInsertMs: number;
}

/**
 * Collects serialized rows and writes them in batches: by size or by time, one insert in flight, in order.
 * A failed batch stays at the head and is retried with backoff, so nothing is lost while the process lives.
 * Memory is bounded by maxRows: callers answer 503 when push() refuses.
 */
export class WriteBuffer {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private retryDelay = 0;
  private closed = false;
  /** Called after each successful write with how many of the oldest rows it stored (the journal confirms them). */
  onCommit: ((rows: number) => void) | null = null;
  readonly stats: BufferStats = { depth: 0, inserted: 0, batches: 0, failures: 0, lastError: null, lastInsertMs: 0 };

  constructor(private readonly opts: WriteBufferOptions) {}

  get depth(): number {
    return this.pending.length;
  }

  /** True when the last write failed and rows are waiting for a retry. */
  get failing(): boolean {
    return this.stats.lastError !== null;
  }

  hasRoom(rows: number): boolean {
    return this.pending.length + rows <= this.opts.maxRows;
  }

  /**
   * Queues rows (each one JSON object, no newline). Returns false, queuing nothing, when full or closed.
   * `force` skips the size bound: for rows already journaled, whose room was checked before they were.
   */
  push(lines: readonly string[], force = false): boolean {
    if (this.closed || (!force && !this.hasRoom(lines.length))) return false;
    for (const l of lines) this.pending.push(l);
    this.stats.depth = this.pending.length;
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
   * Writes batches until the queue is empty or a write fails (then schedules a retry). Unless `all`,
   * stops at a partial batch and leaves it to the timer, so that inserts stay large.
   */
  private async drain(all: boolean): Promise<void> {
    while (this.pending.length > 0) {
      const n = Math.min(this.pending.length, this.opts.flushRows);
      const batch = this.pending.slice(0, n);
      const t0 = performance.now();
      try {
        await this.opts.sink(Buffer.from(batch.join('\n'), 'utf8'), n, this.stats.lastError !== null);
      } catch (err) {
        this.stats.failures++;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        this.retryDelay = Math.min(this.retryDelay ? this.retryDelay * 2 : 100, 5000);
        this.opts.log.error('insert failed; will retry', { table: this.opts.name, rows: n, retryMs: this.retryDelay, err });
        if (!all) this.timer = setTimeout(() => this.kick(), this.retryDelay);
        return;
      }
      this.stats.lastInsertMs = performance.now() - t0;
      this.opts.onInsert?.(this.stats.lastInsertMs / 1000, n);
      this.pending.splice(0, n);
      this.stats.depth = this.pending.length;
      this.stats.inserted += n;
      this.stats.batches++;
      this.stats.lastError = null;
      this.retryDelay = 0;
      this.onCommit?.(n);
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
