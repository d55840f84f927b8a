import type { Metric, Query } from './query.js';

type Value = number | null | { value: number } | string;
interface OrderedRow {
  dimensions: Array<string | number>;
  metrics: ReadonlyArray<unknown>;
}

/** Rows in the query's order: its `order_by`, then every dimension ascending (stable, deterministic output); nulls last. */
export function orderRows<R extends OrderedRow>(q: Pick<Query, 'orderBy' | 'dimensions' | 'metrics'>, rows: R[]): R[] {
  const dims = q.dimensions;
  const order = [...q.orderBy, ...dims.map((d) => [d, 'asc'] as [string, 'asc' | 'desc'])];
  const valueOf = (r: R, name: string): unknown => {
    const di = dims.indexOf(name);
    if (di >= 0) return r.dimensions[di];
    const v = r.metrics[q.metrics.indexOf(name as Metric)] as Value | undefined;
    return v !== null && typeof v === 'object' ? v.value : v;
  };
  return rows.sort((a, b) => {
    for (const [name, dir] of order) {
      const x = valueOf(a, name);
      const y = valueOf(b, name);
      if (x === y) continue;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
      return dir === 'asc' ? c : -c;
    }
    return 0;
  });
}
