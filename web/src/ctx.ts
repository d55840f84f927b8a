import type { Filter, QueryBody, SiteView } from './api';
import type { Range } from './periods';
import type { ViewState } from './state';

/** What every part of a site's dashboard reads: the site, the view in the URL, and the range it covers. */
export interface Ctx {
  site: SiteView;
  state: ViewState;
  range: Range;
  /** Changes the view (and the URL). */
  update(patch: Partial<ViewState>): void;
  addFilter(f: Filter): void;
  /** A query of this view: site, date range and filters, with the given parts. */
  body(parts: Omit<QueryBody, 'site_id' | 'date_range'> & { date_range?: unknown }): QueryBody;
}

/** A filter on one dimension is replaced by a new one on the same dimension. */
export function withFilter(filters: Filter[], f: Filter): Filter[] {
  return [...filters.filter((x) => x[1] !== f[1]), f];
}
