import type { DropReason } from './pipeline.js';
import type { EventRequest } from './request.js';
import type { SitesSnapshot } from './sites.js';
import type { UaInfo } from './useragent.js';

/** The messages between the event loop and the ingest worker (src/ingest/processor.ts, src/ingest/ingest-worker.ts). */

/** A request to process: id, the validated body, client IP, raw User-Agent, parsed User-Agent, time (ms). */
export type BatchItem = [id: number, request: EventRequest, ip: string, userAgent: string, ua: UaInfo, nowMs: number];

/** Its rows (serialized), drop reasons and whether its state could be undone; or the error that stopped it. */
export type BatchResult = [id: number, events: string[], sessions: string[], dropped: DropReason[], undoable: boolean] | [id: number, error: string];

/*
 * Both directions carry a batch as one string, not as objects: the structured clone of a batch of objects cost
 * ≈ 30 µs a request on each side, a string is copied whole. Requests go as JSON (`JSON.stringify` of the
 * `BatchItem`s). Results go as lines: per request a header `id TAB events TAB sessions TAB undoable(0|1) TAB
 * reasons,by,comma`, then its event rows and its session rows, one a line (a serialized row never holds a raw
 * newline: JSON escapes it); an error is `id TAB ! TAB message-as-JSON`.
 */

export function encodeResults(results: readonly BatchResult[]): string {
  const parts: string[] = [];
  for (const r of results) {
    if (r.length === 2) {
      parts.push(`${r[0]}\t!\t${JSON.stringify(r[1])}`);
      continue;
    }
    parts.push(`${r[0]}\t${r[1].length}\t${r[2].length}\t${r[4] ? 1 : 0}\t${r[3].join(',')}`);
    for (const row of r[1]) parts.push(row);
    for (const row of r[2]) parts.push(row);
  }
  return parts.join('\n');
}

export function decodeResults(text: string, each: (r: BatchResult) => void): void {
  if (text === '') return;
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const head = lines[i++]!.split('\t');
    const id = Number(head[0]);
    if (head[1] === '!') {
      each([id, JSON.parse(head[2]!) as string]);
      continue;
    }
    const nEvents = Number(head[1]);
    const nSessions = Number(head[2]);
    const events = lines.slice(i, i + nEvents);
    i += nEvents;
    const sessions = lines.slice(i, i + nSessions);
    i += nSessions;
    each([id, events, sessions, head[4] ? (head[4].split(',') as DropReason[]) : [], head[3] === '1']);
  }
}

export type ToWorker =
  | { t: 'call'; id: number; op: 'init' | 'restore' | 'load' | 'stats' | 'close'; arg: unknown }
  | { t: 'sites'; sites: SitesSnapshot }
  /** Requests in order; and the earlier requests whose rows were kept (`kept`) or not (`undone`: undo their state). */
  | { t: 'batch'; items: string; kept: number[]; undone: number[] };

export type FromWorker = { t: 'results'; results: string } | { t: 'reply'; id: number; value?: unknown; error?: string };
