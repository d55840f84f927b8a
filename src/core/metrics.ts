import client from 'prom-client';
import type { EventProcessor } from '../ingest/processor.js';
import type { UaService } from '../ingest/ua-service.js';
import type { Journal } from '../store/journal.js';
import type { Store } from '../store/store.js';
import type { IngestCounters } from './counters.js';

/**
 * Prometheus metrics (`GET /metrics`, text format). Counters are read from the ingest path's plain
 * counters at scrape time, so the hot path only does `++`.
 */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly insertSeconds: client.Histogram<'table'>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'footfall_' });
    this.insertSeconds = new client.Histogram({
      name: 'footfall_insert_duration_seconds',
      help: 'Duration of batch inserts into the store',
      labelNames: ['table'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
  }

  observeInsert(table: string, seconds: number): void {
    this.insertSeconds.observe({ table }, seconds);
  }

  /** Wires the scrape-time readers of the running app's state. */
  attach(counters: IngestCounters, ingest: Pick<EventProcessor, 'stats'>, store: Store, ua: UaService, journal: Journal | null = null): void {
    const r = [this.registry];
    const counter = (name: string, help: string, read: () => number): void => {
      new client.Counter({
        name,
        help,
        registers: r,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    counter('footfall_events_accepted_total', 'Events accepted and queued for storage (one per site)', () => counters.accepted);
    counter('footfall_event_requests_total', 'POST /api/event requests', () => counters.requests);
    counter('footfall_events_invalid_total', 'Requests refused with 400 or 413', () => counters.invalid);
    counter('footfall_events_rate_limited_total', 'Requests refused with 429 (site rate limit)', () => counters.rateLimited);
    counter('footfall_events_overloaded_total', 'Requests refused with 503 (write buffer full)', () => counters.overloaded);
    counter('footfall_useragent_cache_hits_total', 'User-Agent lookups answered from the cache', () => ua.hits);
    counter('footfall_useragent_cache_misses_total', 'User-Agent lookups that needed parsing', () => ua.misses);
    counter('footfall_useragent_shed_total', 'New User-Agents refused (503) because the parse queue was full', () => ua.shed);
    new client.Counter({
      name: 'footfall_events_dropped_total',
      help: 'Events dropped (still answered 202), by reason',
      labelNames: ['reason'],
      registers: r,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(counters.dropped)) this.inc({ reason }, n ?? 0);
      },
    });
    new client.Counter({
      name: 'footfall_stage_seconds_total',
      help: 'Time spent in each ingestion pipeline stage',
      labelNames: ['stage'],
      registers: r,
      collect() {
        this.reset();
        for (const [stage, s] of ingest.stats.stages) this.inc({ stage }, s.seconds);
      },
    });
    new client.Counter({
      name: 'footfall_stage_events_total',
      help: 'Events that went through each ingestion pipeline stage',
      labelNames: ['stage'],
      registers: r,
      collect() {
        this.reset();
        for (const [stage, s] of ingest.stats.stages) this.inc({ stage }, s.calls);
      },
    });
    new client.Gauge({
      name: 'footfall_buffer_rows',
      help: 'Rows waiting in the write buffer',
      labelNames: ['table'],
      registers: r,
      collect() {
        this.set({ table: 'events' }, store.events.depth);
        this.set({ table: 'sessions' }, store.sessions.depth);
      },
    });
    new client.Counter({
      name: 'footfall_insert_failures_total',
      help: 'Failed batch inserts (retried)',
      labelNames: ['table'],
      registers: r,
      collect() {
        this.reset();
        this.inc({ table: 'events' }, store.events.stats.failures);
        this.inc({ table: 'sessions' }, store.sessions.stats.failures);
      },
    });
    counter(
      'footfall_session_rows_collapsed_total',
      "Session rows not inserted because a state's +1 and -1 rows were in the same batch (they cancel out)",
      () => store.sessions.stats.collapsed,
    );
    new client.Counter({
      name: 'footfall_dead_letter_rows_total',
      help: 'Rows the store refused on their own, moved to <data dir>/dead-letter/<table>.ndjson',
      labelNames: ['table'],
      registers: r,
      collect() {
        this.reset();
        this.inc({ table: 'events' }, store.events.stats.deadLettered);
        this.inc({ table: 'sessions' }, store.sessions.stats.deadLettered);
      },
    });
    new client.Gauge({
      name: 'footfall_buffer_bytes',
      help: 'Bytes of the rows waiting in the write buffer',
      labelNames: ['table'],
      registers: r,
      collect() {
        this.set({ table: 'events' }, store.events.stats.bytes);
        this.set({ table: 'sessions' }, store.sessions.stats.bytes);
      },
    });
    new client.Gauge({
      name: 'footfall_store_memory_bytes',
      help: "Memory the store engine tracks for itself (ClickHouse's MemoryTracking; in this process for the embedded store)",
      registers: r,
      async collect() {
        try {
          const [row] = await store.backend.queryRows<{ v: string }>("SELECT value AS v FROM system.metrics WHERE metric = 'MemoryTracking'");
          this.set(Number(row?.v ?? 0));
        } catch {
          // the store is down: no sample
        }
      },
    });
    new client.Gauge({
      name: 'footfall_store_active_parts',
      help: 'Active data parts of the events and sessions tables (each insert adds one; background merges join them)',
      labelNames: ['table'],
      registers: r,
      async collect() {
        try {
          const rows = await store.backend.queryRows<{ t: string; n: string }>(
            `SELECT table AS t, count() AS n FROM system.parts WHERE active AND database = '${store.db}' AND table IN ('events', 'sessions') GROUP BY table`,
          );
          this.reset();
          for (const row of rows) this.set({ table: row.t }, Number(row.n));
        } catch {
          // the store is down: no sample
        }
      },
    });
    counter(
      'footfall_store_repairs_total',
      'Times the embedded store was opened again to drop parts a full disk left empty (their rows were kept or inserted again)',
      () => (store.backend as { repairs?: number }).repairs ?? 0,
    );
    // (the ingest figures are refreshed from the ingest worker before each scrape)
    new client.Gauge({ name: 'footfall_live_sessions', help: 'Live sessions in memory', registers: r, collect() { this.set(ingest.stats.sessions.size); } });
    new client.Gauge({ name: 'footfall_live_session_bytes', help: 'Estimated heap bytes of the live sessions', registers: r, collect() { this.set(ingest.stats.sessions.bytes); } });
    counter('footfall_live_sessions_evicted_total', 'Live sessions dropped to stay within the bounds (their visitors start new sessions)', () => ingest.stats.sessions.evicted);
    if (journal) {
      const j = journal.stats;
      new client.Gauge({ name: 'footfall_journal_bytes', help: 'Bytes of journal segments on disk', registers: r, collect() { this.set(j.bytes); } });
      new client.Gauge({ name: 'footfall_journal_segments', help: 'Journal segment files on disk', registers: r, collect() { this.set(j.segments); } });
      new client.Gauge({
        name: 'footfall_journal_unconfirmed_rows',
        help: 'Journaled rows the store has not confirmed yet',
        registers: r,
        collect() {
          this.set(j.unconfirmedRows);
        },
      });
      counter('footfall_journal_writes_total', 'Group writes to the journal', () => j.writes);
      counter('footfall_journal_fsyncs_total', 'fsyncs of the journal', () => j.fsyncs);
      counter('footfall_journal_failures_total', 'Failed journal writes or fsyncs (the requests got 503)', () => j.failures);
    }
    new client.Gauge({
      name: 'footfall_useragent_cache_entries',
      help: 'Parsed User-Agents in the cache',
      registers: r,
      collect() {
        this.set(ua.size);
      },
    });
  }
}
