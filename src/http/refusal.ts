import { EngineBusyError, memoryError, oversizeError, unreachable } from '../store/backend.js';

/**
 * A store failure that is not a defect: short of memory or unreachable (503, try again) or a statement too large
 * for the engine (the request's size: 400, narrow it).
 */
export function engineRefusal(err: unknown): { status: number; message: string; headers: Record<string, string> } | null {
  if (err instanceof EngineBusyError) return { status: 503, message: err.message, headers: { 'retry-after': String(err.retryAfterSeconds) } };
  if (memoryError(err)) return { status: 503, message: 'The store is short of memory for this request now; try again shortly, or narrow the date range or filters', headers: { 'retry-after': '5' } };
  if (unreachable(err)) return { status: 503, message: 'The store is not reachable now; try again shortly', headers: { 'retry-after': '5' } };
  if (oversizeError(err)) return { status: 400, message: 'The request is too large for the store: use fewer or shorter filter values, or fewer goals', headers: {} };
  return null;
}
