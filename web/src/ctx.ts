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
  /** The saved segments this viewer may use. */
  segments: SegmentView[];
  /** The view's filters with each segment replaced by its filters: what the view shows (the panels' choices). */
  effective: Filter[];
}

export interface SegmentView {
  id: number;
  name: string;
  type: 'personal' | 'site';
  filters: unknown[];
  owner: boolean;
  editable: boolean;
}

/** The dashboard names a segment as a filter (the server replaces it by the segment's filters). */
export const isSegment = (f: Filter): boolean => f[1] === 'segment';
export const segmentFilter = (id: number): Filter => ['is', 'segment', [String(id)]];

/** Filters with segments replaced by their (simple) filters, where the segment is known. */
export function expandSegments(filters: Filter[], segments: SegmentView[]): Filter[] {
  return filters.flatMap((f) => {
    if (!isSegment(f)) return [f];
    const s = segments.find((x) => String(x.id) === f[2][0]);
    if (!s) return [];
    return s.filters.filter((x): x is Filter => Array.isArray(x) && x.length === 3 && typeof x[1] === 'string' && Array.isArray(x[2]));
  });
}

/** A filter on one dimension is replaced by a new one on the same dimension. */
export function withFilter(filters: Filter[], f: Filter): Filter[] {
  return [...filters.filter((x) => x[1] !== f[1]), f];
}
