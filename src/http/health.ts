import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Journal } from '../store/journal.js';
import type { Store } from '../store/store.js';
import { sendJson } from './respond.js';

export interface HealthDeps {
  store: Store;
  journal: Journal | null;
  isReady(): boolean;
}

async function pingWithin(store: Store, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.backend.ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
    ]);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

function journalState(j: Journal) {
  const s = j.stats;
  return {
    status: j.hasRoom() ? 'ok' : s.lastError ? 'failing' : 'full',
    bytes: s.bytes,
    segments: s.segments,
    unconfirmed_rows: s.unconfirmedRows,
    last_error: s.lastError,
  };
}

/**
 * `GET /api/health`: 200 when every dependency is ok, else 500; with `details` (the operator: the admin socket, or
 * the metrics token) the state of each, else only `{"status": "ok" | "failing"}`.
 */
export async function handleHealth(_req: IncomingMessage, res: ServerResponse, deps: HealthDeps, details: boolean): Promise<void> {
  const storeErr = await pingWithin(deps.store, 2000);
  const buf = (b: Store['events']) => ({
    status: b.failing ? 'failing' : 'ok',
    depth: b.depth,
    bytes: b.stats.bytes,
    inserted: b.stats.inserted,
    dead_lettered: b.stats.deadLettered,
    last_error: b.stats.lastError,
  });
  const body = {
    store: { status: storeErr ? 'down' : 'ok', kind: deps.store.backend.kind, ...(storeErr ? { error: storeErr } : {}) },
    events_buffer: buf(deps.store.events),
    sessions_buffer: buf(deps.store.sessions),
    journal: deps.journal ? journalState(deps.journal) : { status: 'off' },
  };
  const journalOk = !deps.journal || deps.journal.hasRoom();
  const ok = !storeErr && !deps.store.events.failing && !deps.store.sessions.failing && journalOk;
  sendJson(res, ok ? 200 : 500, details ? { status: ok ? 'ok' : 'failing', ...body } : { status: ok ? 'ok' : 'failing' });
}

/** `GET /api/system/health/live`: Plausible's answer, `{"ok": true}`, while the process serves. */
export function handleLive(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
}

export function handleReady(_req: IncomingMessage, res: ServerResponse, deps: HealthDeps): void {
  if (deps.isReady()) sendJson(res, 200, { status: 'ok' });
  else sendJson(res, 503, { status: 'unavailable' });
}
