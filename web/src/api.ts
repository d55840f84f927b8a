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
  include?: { time_labels?: boolean; total_rows?: boolean };
}

export type MetricValue = number | null | { short: string; long: string; value: number; currency: string };
export interface QueryResult {
  results: Array<{ metrics: MetricValue[]; dimensions: string[] }>;
  meta: { time_labels?: string[]; total_rows?: number; metric_warnings?: unknown };
}

export const runQuery = (body: QueryBody, signal?: AbortSignal): Promise<QueryResult> => api<QueryResult>('POST', 'query', body, signal);

export interface SiteView {
  domain: string;
  timezone: string;
  public: boolean;
  access: 'user' | 'link' | 'public';
  goals: Array<{ id: number; name: string; currency: string }>;
}
