import type { DropReason } from '../ingest/pipeline.js';

/** Ingestion counters since start (exported as metrics; read by tests and benchmarks). */
export class IngestCounters {
  requests = 0;
  accepted = 0;
  invalid = 0;
  overloaded = 0;
  rateLimited = 0;
  dropped: Partial<Record<DropReason, number>> = {};

  drop(reason: DropReason): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }
}
