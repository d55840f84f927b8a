import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { runQuery, type QueryBody, type QueryResult } from './api';

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  /** The key the data or error belongs to. */
  key?: string | null;
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
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  // A layout effect: the request starts right after the render, not after the next animation frame (which a
  // background tab, or a headless browser, may deliver late).
  useLayoutEffect(() => {
    if (key === null) return setState({ loading: false, key });
    const ck = `${generation}:${key}`;
    if (tick === 0 && cache.has(ck)) return setState({ data: cache.get(ck) as T, loading: false, key });
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true, key: s.key }));
    fn(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        if (cache.size > 300) cache.clear();
        cache.set(ck, data);
        setState({ data, loading: false, key });
      },
      (error: Error) => {
        if (!ctl.signal.aborted) setState({ error, loading: false, key });
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  // Until the answer for this key is in, whatever is shown is the previous key's: still loading.
  return state.key === key ? state : { ...state, loading: true };
}

export function useQuery(body: QueryBody | null, refreshMs = 0): Async<QueryResult> {
  const key = body ? JSON.stringify(body) : null;
  return useAsync(key, (signal) => runQuery(body!, signal), refreshMs);
}
