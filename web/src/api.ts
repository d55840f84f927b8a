/** The dashboard's calls to /api/dashboard: JSON in, JSON out, the shared link's token sent along when there is one. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly body: Record<string, unknown>) {
    super(message);
  }
}

let shareToken: string | null = null;
export function setShareToken(token: string | null): void {
  shareToken = token;
}
export function currentShareToken(): string | null {
  return shareToken;
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (shareToken) headers['x-footfall-share'] = shareToken;
  const res = await fetch(`/api/dashboard/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'same-origin' });
  let data: Record<string, unknown> = {};
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw new HttpError(res.status, typeof data.error === 'string' ? data.error : `HTTP ${res.status}`, data);
  return data as T;
}

export type FilterOp = 'is' | 'is_not' | 'contains' | 'contains_not' | 'matches' | 'matches_not';
export type Filter = [FilterOp, string, string[]];

export interface QueryBody {
  site_id: string;
  metrics: string[];
  date_range: unknown;
  dimensions?: string[];
  filters?: unknown[];
  order_by?: Array<[string, 'asc' | 'desc']>;
  pagination?: { limit: number; offset: number };
  include?: { time_labels?: boolean; total_rows?: boolean; imports?: boolean };
}

export type MetricValue = number | null | { short: string; long: string; value: number; currency: string };
export interface QueryResult {
  results: Array<{ metrics: MetricValue[]; dimensions: string[] }>;
  meta: { time_labels?: string[]; total_rows?: number; metric_warnings?: unknown; imports_included?: boolean; imports_skip_reason?: string; imports_warning?: string };
}

/**
 * Queries asked in the same turn (a view's panels all ask at once) travel together: one `POST batch` whose
 * answers come back as JSON lines in the order they finish, each resolving its own promise.
 */
interface Pending {
  body: QueryBody;
  resolve: (r: QueryResult) => void;
  reject: (e: Error) => void;
}
let queue: Pending[] = [];

async function flush(): Promise<void> {
  const items = queue;
  queue = [];
  if (items.length === 1) {
    const [one] = items;
    return api<QueryResult>('POST', 'query', one!.body).then(one!.resolve, one!.reject);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (shareToken) headers['x-footfall-share'] = shareToken;
  try {
    const res = await fetch('/api/dashboard/batch', { method: 'POST', headers, body: JSON.stringify({ queries: items.map((x) => x.body) }), credentials: 'same-origin' });
    if (!res.ok || !res.body) {
      let data: Record<string, unknown> = {};
      try {
        data = (await res.json()) as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
      throw new HttpError(res.status, typeof data.error === 'string' ? data.error : `HTTP ${res.status}`, data);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const done = new Set<number>();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (value) buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { i: number; status: number; body: Record<string, unknown> };
        buf = buf.slice(nl + 1);
        const item = items[line.i];
        if (!item) continue;
        done.add(line.i);
        if (line.status === 200) item.resolve(line.body as unknown as QueryResult);
        else item.reject(new HttpError(line.status, typeof line.body.error === 'string' ? line.body.error : `HTTP ${line.status}`, line.body));
      }
      if (end) break;
    }
    items.forEach((x, i) => done.has(i) || x.reject(new Error('no answer')));
  } catch (err) {
    for (const x of items) x.reject(err as Error);
  }
}

export function runQuery(body: QueryBody, signal?: AbortSignal): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    if (queue.length === 0) queueMicrotask(() => void flush());
    // an aborted query's answer is simply not used (the others in its batch still are)
    const onAbort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', onAbort, { once: true });
    queue.push({ body, resolve, reject });
  });
}

export interface SiteView {
  domain: string;
  timezone: string;
  public: boolean;
  access: 'user' | 'link' | 'public';
  /** The user's role in the site's team (null for shared links and public visitors). */
  role: 'owner' | 'admin' | 'editor' | 'viewer' | null;
  /** Members: the tracker's script path and event path on this server (the install snippet). */
  tracking?: { script: string; eventPath: string };
  goals: Array<{ id: number; name: string; currency: string }>;
}
