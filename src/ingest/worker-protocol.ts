import type { DropReason } from './pipeline.js';
import type { EventRequest } from './request.js';
import type { SitesSnapshot } from './sites.js';
import type { UaInfo } from './useragent.js';

/** The messages between the event loop and the ingest worker (src/ingest/processor.ts, src/ingest/ingest-worker.ts). */

/** A request to process: id, the validated body, client IP, raw User-Agent, parsed User-Agent, time (ms). */
export type BatchItem = [id: number, request: EventRequest, ip: string, userAgent: string, ua: UaInfo, nowMs: number];

/** Its rows (serialized), drop reasons and whether its state could be undone; or the error that stopped it. */
export type BatchResult = [id: number, events: string[], sessions: string[], dropped: DropReason[], undoable: boolean] | [id: number, error: string];

export type ToWorker =
  | { t: 'call'; id: number; op: 'init' | 'restore' | 'load' | 'stats' | 'close'; arg: unknown }
  | { t: 'sites'; sites: SitesSnapshot }
  /** Requests in order; and the earlier requests whose rows were kept (`kept`) or not (`undone`: undo their state). */
  | { t: 'batch'; items: BatchItem[]; kept: number[]; undone: number[] };

export type FromWorker = { t: 'results'; results: BatchResult[] } | { t: 'reply'; id: number; value?: unknown; error?: string };
