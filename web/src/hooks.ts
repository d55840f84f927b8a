import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { HttpError, runQuery, type QueryBody, type QueryResult } from './api';

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  /** The key the data or error belongs to. */
  key?: string | null;
  /** Asks again now (after an error). */
  retry?: () => void;
  /** When an automatic retry is due (after an error the server may get over: unreachable, 5xx, 429). */
  retryAt?: number;
}

/** Errors worth asking again for by themselves: the server unreachable or busy; never a 4xx about the query. */
export function retryable(e: Error | undefined): boolean {
  if (!e) return false;
  if (e instanceof HttpError) return e.status >= 500 || e.status === 429 || e.status === 408;
  return e.name !== 'AbortError';
}
const RETRY_MS = [2_000, 5_000, 10_000, 20_000, 30_000];

/** Whether the server answered the last request at all (a banner shows while it does not). */
type Listener = (down: boolean) => void;
const listeners = new Set<Listener>();
let down = false;
export function reportReachable(ok: boolean): void {
  if (down === !ok) return;
  down = !ok;
  for (const l of listeners) l(down);
}
export function useServerDown(): boolean {
  const [d, setD] = useState(down);
  useEffect(() => {
    listeners.add(setD);
    return () => void listeners.delete(setD);
  }, []);
  return d;
}

const cache = new Map<string, unknown>();
/** Bumped to drop every cached answer (realtime refresh, a settings change). */
let generation = 0;
export function invalidate(): void {
  generation++;
  cache.clear();
}

/** Stores an answer that came with another one (the first custom property's rows come with the keys). */
export function prime(key: string, data: unknown): void {
  cache.set(`${generation}:${key}`, data);
}

/** Runs `fn` whenever `key` changes (cancelling the previous run); answers are cached by key for back/forward. */
export function useAsync<T>(key: string | null, fn: (signal: AbortSignal) => Promise<T>, refreshMs = 0): Async<T> {
  const [state, setState] = useState<Async<T>>({ loading: key !== null, key: undefined });
  const [tick, setTick] = useState(0);
  const attempts = useRef(0);
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  // A layout effect: the request starts right after the render, not after the next animation frame (which a
  // background tab, or a headless browser, may deliver late).
  useLayoutEffect(() => {
    if (key === null) return setState({ loading: false, key });
    if (lastKey.current !== key) attempts.current = 0;
    lastKey.current = key;
    const ck = `${generation}:${key}`;
    if (tick === 0 && cache.has(ck)) return setState({ data: cache.get(ck) as T, loading: false, key });
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true, key: s.key }));
    fn(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        if (cache.size > 300) cache.clear();
        cache.set(ck, data);
        attempts.current = 0;
        reportReachable(true);
        setState({ data, loading: false, key });
      },
      (error: Error) => {
        if (ctl.signal.aborted) return;
        if (!(error instanceof HttpError)) reportReachable(false);
        else reportReachable(true);
        let retryAt: number | undefined;
        if (retryable(error)) {
          const wait = RETRY_MS[Math.min(attempts.current, RETRY_MS.length - 1)]!;
          attempts.current++;
          retryAt = Date.now() + wait;
          timer = setTimeout(() => setTick((n) => n + 1), wait);
        }
        // no data of an earlier key stays beside an error (no stale curve under a new period)
        setState({ error, loading: false, key, retryAt });
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, tick]);
  const retry = () => setTick((n) => n + 1);
  // Until the answer for this key is in, whatever is shown is the previous key's: still loading.
  return state.key === key ? { ...state, retry } : { ...state, loading: true, retry };
}

export function useQuery(body: QueryBody | null, refreshMs = 0): Async<QueryResult> {
  const key = body ? JSON.stringify(body) : null;
  return useAsync(key, (signal) => runQuery(body!, signal), refreshMs);
}
