import { Worker } from 'node:worker_threads';
import type { Logger } from '../util/log.js';
import type { IngestCore, IngestCoreConfig, IngestStats, ProcessedEvent } from './core.js';
import type { RequestContext } from './pipeline.js';
import type { EventRequest } from './request.js';
import type { LiveSession } from './session.js';
import type { SitesSnapshot } from './sites.js';
import type { UaInfo } from './useragent.js';
import { decodeResults, type BatchItem, type BatchResult, type FromWorker, type ToWorker } from './worker-protocol.js';

/** One request's rows; `settle` says whether they were kept (journaled or buffered) — if not, their state is undone. */
export interface Processed extends ProcessedEvent {
  settle(kept: boolean): void;
}

/**
 * Turns a validated request into its rows (`IngestCore`), on the ingest worker thread or in this thread.
 * `process` answers a promise on the worker; it rejects when the request could not be processed.
 */
export interface EventProcessor {
  readonly kind: 'worker' | 'inline';
  process(request: EventRequest, ctx: RequestContext): Processed | Promise<Processed>;
  /** Restores the live sessions saved at the last graceful stop (null: there were none). */
  restore(): Promise<number | null>;
  /** Adds live sessions rebuilt from the store. */
  load(entries: Array<[string, LiveSession]>): Promise<number>;
  /** Stage timings and live-session figures, for the metrics (fresh when the promise settles). */
  refreshStats(): Promise<IngestStats>;
  /** The figures as of the last refresh. */
  readonly stats: IngestStats;
  /** Saves the live sessions for the next start and stops; answers how many were saved. */
  close(): Promise<number>;
}

const NO_STATS: IngestStats = { stages: [], sessions: { size: 0, bytes: 0, evicted: 0 } };

/** `FOOTFALL_INGEST_WORKER=off`: the core runs on the event loop, between the HTTP requests. */
export class InlineProcessor implements EventProcessor {
  readonly kind = 'inline';
  stats: IngestStats;

  constructor(private readonly core: IngestCore) {
    this.stats = core.stats();
  }

  process(request: EventRequest, ctx: RequestContext): Processed {
    const { out, undo } = this.core.process(request, ctx);
    return {
      events: out.events,
      sessions: out.sessions,
      dropped: out.dropped,
      settle: (kept) => {
        if (!kept) undo?.();
      },
    };
  }

  restore(): Promise<number | null> {
    return this.core.restore();
  }

  async load(entries: Array<[string, LiveSession]>): Promise<number> {
    return this.core.load(entries);
  }

  async refreshStats(): Promise<IngestStats> {
    return (this.stats = this.core.stats());
  }

  async close(): Promise<number> {
    return this.core.close();
  }
}

/** The ingest worker stopped (or is stopping) with the request: nothing of it was kept. */
export class IngestWorkerError extends Error {}

interface Waiting {
  resolve(p: Processed): void;
  reject(err: Error): void;
}

/**
 * The core on a worker thread of its own, so that the event loop keeps only HTTP, parsing, validation and the
 * journal, and a second core of the machine does the rest. Requests go over in one message per turn of the event
 * loop (and come back likewise), in order: the worker sees events in the order they were accepted, as the
 * in-thread core would. The worker alone holds the live sessions.
 *
 * If the worker dies, the requests it held get an error (answered 503) and a new worker starts, its live sessions
 * rebuilt from the store (`recover`), before any further request is sent to it.
 */
export class WorkerProcessor implements EventProcessor {
  readonly kind = 'worker';
  stats: IngestStats = NO_STATS;
  private worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(err: Error): void }>();
  private queue: BatchItem[] = [];
  private kept: number[] = [];
  private undone: number[] = [];
  private scheduled = false;
  private settleTimer: NodeJS.Timeout | null = null;
  /** Batches sent whose results have not come back. */
  private sent = 0;
  /** False while a new worker is being set up: requests wait on this side. */
  private online = false;
  private closing = false;
  /** Set while the worker cannot be restarted: requests are refused at once. */
  private broken: IngestWorkerError | null = null;
  private sites: SitesSnapshot;
  private started: Promise<void>;

  private constructor(
    private readonly config: IngestCoreConfig,
    sites: SitesSnapshot,
    private readonly log: Logger,
    private readonly recover: () => Promise<Array<[string, LiveSession]>>,
  ) {
    this.sites = sites;
    this.worker = this.spawn();
    this.started = this.call('init', { config, sites }).then(() => {
      this.online = true;
    });
  }

  /** Starts the worker and waits until its core is open (GeoIP loaded, the city index built). */
  static async start(
    config: IngestCoreConfig,
    sites: SitesSnapshot,
    log: Logger,
    recover: () => Promise<Array<[string, LiveSession]>>,
  ): Promise<WorkerProcessor> {
    const p = new WorkerProcessor(config, sites, log, recover);
    await p.started;
    return p;
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./ingest-worker.js', import.meta.url));
    w.on('message', (m: FromWorker) => this.receive(m));
    w.on('error', (err) => this.log.error('ingest worker failed', { err }));
    w.on('exit', (code) => this.exited(w, code));
    return w;
  }

  private receive(m: FromWorker): void {
    if (m.t === 'results') {
      this.sent--;
      decodeResults(m.results, this.onResult);
      if (this.queue.length > 0) this.flush(); // what arrived meanwhile goes as the next batch
      return;
    }
    const c = this.calls.get(m.id);
    this.calls.delete(m.id);
    if (!c) return;
    if (m.error !== undefined) c.reject(new IngestWorkerError(m.error));
    else c.resolve(m.value);
  }

  private readonly onResult = (r: BatchResult): void => this.deliver(r);

  private deliver(r: BatchResult): void {
    const w = this.waiting.get(r[0]);
    this.waiting.delete(r[0]);
    if (!w) return;
    if (r.length === 2) return w.reject(new Error(`ingest worker: ${r[1]}`)); // a defect: answered 500, as in-thread
    const id = r[0];
    const undoable = r[4];
    w.resolve({
      events: r[1],
      sessions: r[2],
      dropped: r[3],
      settle: undoable
        ? (kept) => {
            (kept ? this.kept : this.undone).push(id);
            this.scheduleSettle();
          }
        : noop,
    });
  }

  private exited(w: Worker, code: number): void {
    if (w !== this.worker) return;
    const err = new IngestWorkerError(`the ingest worker stopped (exit code ${code})`);
    for (const x of this.waiting.values()) x.reject(err);
    this.waiting.clear();
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
    this.kept = [];
    this.undone = [];
    this.sent = 0;
    if (this.closing) return;
    this.log.error('ingest worker stopped; starting a new one (live sessions rebuilt from the store)', { code });
    this.restart();
  }

  private restart(): void {
    this.online = false;
    this.worker = this.spawn();
    this.started = (async () => {
      await this.call('init', { config: this.config, sites: this.sites });
      const restored = await this.call('restore', null);
      if (restored === null) {
        try {
          await this.call('load', await this.recover());
        } catch (err) {
          this.log.error('live sessions could not be rebuilt; their visitors start new sessions', { err });
        }
      }
      this.broken = null;
      this.online = true;
      this.flush();
    })();
    this.started.catch((err: unknown) => {
      // Requests are refused (503), not held, until a new attempt succeeds.
      this.broken = new IngestWorkerError(`the ingest worker could not be started: ${err instanceof Error ? err.message : String(err)}`);
      this.log.error('ingest worker could not be restarted; retrying in 5 s', { err });
      for (const x of this.waiting.values()) x.reject(this.broken);
      this.waiting.clear();
      this.queue = [];
      const w = this.worker;
      setTimeout(() => {
        if (!this.closing && w === this.worker) void w.terminate(); // its exit starts the next attempt
      }, 5000).unref();
    });
  }

  private call(op: 'init' | 'restore' | 'load' | 'stats' | 'close', arg: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ t: 'call', id, op, arg });
    });
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /** Sites or shield rules changed: the worker's copy is replaced before any later request reaches it. */
  updateSites(sites: SitesSnapshot): void {
    this.sites = sites;
    this.flush(); // requests accepted before the change go first
    this.post({ t: 'sites', sites });
  }

  process(request: EventRequest, ctx: RequestContext): Promise<Processed> {
    if (this.closing) return Promise.reject(new IngestWorkerError('the ingest worker is stopping'));
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.queue.push([id, request, ctx.ip, ctx.userAgent, ctx.ua as UaInfo, ctx.now.getTime()]);
      this.schedule();
    });
  }

  /**
   * Requests wait for the end of this turn of the event loop, and while a batch is with the worker, for its
   * results: under load, batches grow instead of messages multiplying (a message to an idle thread wakes it, which
   * costs the sender ≈ 60 µs on a virtual machine); alone, a request goes at once.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.sent === 0) this.flush();
    });
  }

  /** Which rows were kept travels with the next batch, or on its own a little later when no request comes. */
  private scheduleSettle(): void {
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.flush();
    }, 20);
    this.settleTimer.unref();
  }

  private flush(): void {
    if (!this.online || (this.queue.length === 0 && this.kept.length === 0 && this.undone.length === 0)) return;
    const items = this.queue.length > 0 ? JSON.stringify(this.queue) : '';
    if (items) this.sent++;
    this.post({ t: 'batch', items, kept: this.kept, undone: this.undone });
    this.queue = [];
    this.kept = [];
    this.undone = [];
  }

  async restore(): Promise<number | null> {
    return (await this.call('restore', null)) as number | null;
  }

  async load(entries: Array<[string, LiveSession]>): Promise<number> {
    return (await this.call('load', entries)) as number;
  }

  async refreshStats(): Promise<IngestStats> {
    if (!this.online) return this.stats;
    return (this.stats = (await this.call('stats', null)) as IngestStats);
  }

  async close(): Promise<number> {
    await this.started.catch(() => undefined);
    this.flush();
    this.closing = true;
    try {
      return this.broken ? 0 : ((await this.call('close', null)) as number);
    } finally {
      await this.worker.terminate();
    }
  }
}

function noop(): void {}
