import { useEffect, useState } from 'preact/hooks';
import { runQuery, type QueryBody, type QueryResult } from './api';

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
}

const cache = new Map<string, unknown>();
/** Bumped to drop every cached answer (realtime refresh, a settings change). */
let generation = 0;
export function invalidate(): void {
  generation++;
  cache.clear();
}

/** Runs `fn` whenever `key` changes (cancelling the previous run); answers are cached by key for back/forward. */
export function useAsync<T>(key: string | null, fn: (signal: AbortSignal) => Promise<T>, refreshMs = 0): Async<T> {
  const [state, setState] = useState<Async<T>>(() => (key !== null && cache.has(key) ? { data: cache.get(key) as T, loading: false } : { loading: key !== null }));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs]);
  useEffect(() => {
    if (key === null) return setState({ loading: false });
    const ck = `${generation}:${key}`;
    if (tick === 0 && cache.has(ck)) return setState({ data: cache.get(ck) as T, loading: false });
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    fn(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        if (cache.size > 300) cache.clear();
        cache.set(ck, data);
        setState({ data, loading: false });
      },
      (error: Error) => {
        if (!ctl.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  return state;
}

export function useQuery(body: QueryBody | null, refreshMs = 0): Async<QueryResult> {
  const key = body ? JSON.stringify(body) : null;
  return useAsync(key, (signal) => runQuery(body!, signal), refreshMs);
}
