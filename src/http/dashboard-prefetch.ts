import { randomBytes } from 'node:crypto';

/** One answer of the dashboard's query API: the status and the JSON body a query gets. */
export interface QueryLine {
  status: number;
  body: unknown;
}

export interface PrefetchOptions {
  /** Runs one query body for a site as the page's own request would. */
  run: (body: Record<string, unknown>, siteId: number) => Promise<QueryLine>;
  /** Views (user, site, address) whose first queries are remembered, least recently served dropped first. */
  maxViews?: number;
  /** A served page's token, and its answers, are used within this long. */
  ttlMs?: number;
  /** What a page asks within this long after it was served is what its view asks first. */
  windowMs?: number;
  /** Query bodies remembered per view at most. */
  maxQueries?: number;
  /** Pages within their time to live at most: beyond, a page is served without prefetching. */
  maxPages?: number;
  now?: () => number;
}

interface Served {
  user: number;
  siteId: number;
  view: string;
  at: number;
  /** Answers started for this page, by the body's JSON; each is taken once. */
  answers: Map<string, Promise<QueryLine>>;
  /** Whether this page's first batch has replaced its view's remembered queries yet. */
  recorded: boolean;
}

/**
 * The dashboard's first queries, started when its page is served. A page asks for its data only after its HTML,
 * scripts and first render (≈ 200 ms on a first load); the server already knows then which view is being opened
 * and, from the last time that user opened it, which queries its panels asked within the first seconds. So it
 * starts those at once, and when the page's own requests arrive (carrying the token the page was served with)
 * it hands over the answers in flight instead of starting them again. A query the page does not ask is simply
 * not used (wasted work, bounded by one view's queries per page served); one it asks that was not foreseen runs
 * as usual. Only logged-in users' pages are prefetched (a public page must not start work for anyone who asks).
 */
export class QueryPrefetch {
  private readonly views = new Map<string, string[]>();
  private readonly pages = new Map<string, Served>();
  private readonly maxViews: number;
  private readonly ttlMs: number;
  private readonly windowMs: number;
  private readonly maxQueries: number;
  private readonly maxPages: number;
  private readonly now: () => number;
  /** Answers handed over, and started but never asked for (the metrics of this guess). */
  readonly stats = { used: 0, wasted: 0 };

  constructor(private readonly opts: PrefetchOptions) {
    this.maxViews = opts.maxViews ?? 1000;
    this.ttlMs = opts.ttlMs ?? 15_000;
    this.windowMs = opts.windowMs ?? 3_000;
    this.maxQueries = opts.maxQueries ?? 30;
    this.maxPages = opts.maxPages ?? 100;
    this.now = opts.now ?? Date.now;
  }

  /**
   * A logged-in user's page for a site's view (`view`: its address's query string) is being served: starts what
   * that view asked first last time, and answers the token the page sends back with its queries.
   */
  pageServed(user: number, siteId: number, view: string): string {
    this.expire();
    const token = randomBytes(16).toString('base64url');
    const page: Served = { user, siteId, view: `${user}|${siteId}|${view}`, at: this.now(), answers: new Map(), recorded: false };
    if (this.pages.size >= this.maxPages) return token; // (reloads in a loop: each would start a view's queries)
    for (const json of this.views.get(page.view) ?? []) {
      const answer = this.opts.run(JSON.parse(json) as Record<string, unknown>, siteId).catch((): QueryLine => ({ status: 500, body: { error: 'internal error' } }));
      page.answers.set(json, answer);
    }
    this.pages.set(token, page);
    return token;
  }

  /**
   * The answer started for this query of the page served with `token` (to this user, for this site), if any;
   * and notes the query as one its view asks first when it comes within the window.
   */
  take(token: string | undefined, user: number, siteId: number, body: Record<string, unknown>): Promise<QueryLine> | undefined {
    const page = token ? this.pages.get(token) : undefined;
    if (!page || page.user !== user || page.siteId !== siteId) return undefined;
    const age = this.now() - page.at;
    if (age > this.ttlMs) return undefined;
    const json = JSON.stringify(body);
    if (age <= this.windowMs) this.remember(page, json);
    const answer = page.answers.get(json);
    if (answer) {
      page.answers.delete(json);
      this.stats.used++;
    }
    return answer;
  }

  private remember(page: Served, json: string): void {
    let list = this.views.get(page.view);
    if (!page.recorded || !list) {
      // this page's first query replaces what the view asked before (the panels may have changed since)
      page.recorded = true;
      list = [];
    }
    this.views.delete(page.view); // most recently served last
    if (!list.includes(json) && list.length < this.maxQueries) list.push(json);
    this.views.set(page.view, list);
    while (this.views.size > this.maxViews) this.views.delete(this.views.keys().next().value as string);
  }

  /** Forgets pages served longer ago than the time to live (their unasked answers were wasted work). */
  private expire(): void {
    const limit = this.now() - this.ttlMs;
    for (const [token, page] of this.pages) {
      if (page.at > limit) break;
      this.stats.wasted += page.answers.size;
      this.pages.delete(token);
    }
  }
}
