import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Filter, type QueryBody, type SiteView } from '../api';
import { expandSegments, withFilter, type Ctx, type SegmentView } from '../ctx';
import { formatNumber, numeric } from '../format';
import { invalidate, useAsync, useQuery, useServerDown } from '../hooks';
import { PERIODS, addDays, addMonths, rangeOf, shiftAnchor, todayIn } from '../periods';
import { parseState, toSearch, type ViewState } from '../state';
import { DatePicker, RangeDialog } from './DatePicker';
import { FilterChips, FilterMenu } from './Filters';
import { SegmentsDialog } from './Segments';
import { Graph } from './Graph';
import { Install } from './Install';
import { ThemeSwitch } from './ThemeSwitch';
import { DevicesPanel, GoalsPanel, LocationsPanel, PagesPanel, PropsPanel, SourcesPanel } from './panels';
import { TopStats, topMetrics } from './TopStats';

function CurrentVisitors({ ctx }: { ctx: Ctx }) {
  const q = useQuery({ site_id: ctx.site.domain, metrics: ['visitors'], date_range: 'current' }, 30_000);
  const n = numeric(q.data?.results[0]?.metrics[0]);
  return (
    <button class="current" onClick={() => ctx.update({ period: 'realtime', date: undefined })} title="Visitors in the last 5 minutes; open the realtime view" data-current={q.data ? String(n) : ''}>
      <span class="pulse" aria-hidden="true" />
      {q.data ? `${formatNumber(n)} current visitor${n === 1 ? '' : 's'}` : '…'}
    </button>
  );
}

/** A site's dashboard: everything it shows follows the URL. */
export function Dashboard({ site, navigate, shareToken }: { site: SiteView; navigate: (path: string) => void; shareToken: string | null }) {
  const [state, setState] = useState<ViewState>(() => parseState(location.search));
  const [menu, setMenu] = useState(false);
  const [exporting, setExporting] = useState(false);
  const serverDown = useServerDown();
  useEffect(() => {
    const onPop = () => setState(parseState(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  // All time starts on the site's first day with data: the Stats API's answer to `date_range: "all"` says which
  const first = useQuery(state.period === 'all' ? { site_id: site.domain, metrics: ['visitors'], date_range: 'all' } : null);
  const statsStart = (first.data as { query?: { date_range?: string[] } } | undefined)?.query?.date_range?.[0]?.slice(0, 10) ?? null;
  const startPending = state.period === 'all' && (first.loading || first.data === undefined) && !first.error;
  const range = useMemo(() => rangeOf(state.period, state.date, state.from, state.to, site.timezone, statsStart), [state.period, state.date, state.from, state.to, site.timezone, statsStart]);
  const update = (patch: Partial<ViewState>) => {
    const next = { ...state, ...patch };
    history.pushState(null, '', location.pathname + toSearch(next, shareToken ? { auth: shareToken } : {}));
    setState(next);
  };
  const segmentsQ = useAsync(JSON.stringify(['segments', site.domain]), (signal) => api<{ segments: SegmentView[] }>('GET', `segments?site=${encodeURIComponent(site.domain)}`, undefined, signal));
  const segments = segmentsQ.data?.segments ?? [];
  const ctx: Ctx = {
    site,
    state,
    range,
    update,
    addFilter: (f: Filter) => update({ filters: withFilter(state.filters, f) }),
    body: (parts) => ({ site_id: site.domain, date_range: range.dateRange, filters: state.filters, ...parts, include: { ...(parts.include ?? {}), imports: state.imports } }) as QueryBody,
    segments,
    effective: expandSegments(state.filters, segments),
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector('.modal')) return;
      const t = e.target as HTMLElement;
      if (t.closest('input, select, textarea, [contenteditable]')) return;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        const next = shiftAnchor(state.period, state.date, site.timezone, e.key === 'ArrowLeft' ? -1 : 1);
        if (next) update({ date: next });
        return;
      }
      const p = PERIODS.find((x) => x.key === e.key.toLowerCase());
      if (!p || p.period === 'custom') return;
      const today = todayIn(site.timezone);
      update({ period: p.period, date: p.yesterday ? addDays(today, -1) : p.lastMonth ? addMonths(today.slice(0, 8) + '01', -1) : undefined, from: undefined, to: undefined, interval: undefined });
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  // A member's site without any data yet shows how to install the tracker, and asks every 3 s until data comes.
  const [compareDialog, setCompareDialog] = useState(false);
  const [segmentsOpen, setSegmentsOpen] = useState(false);
  const [seen, setSeen] = useState(false);
  const any = useQuery(site.tracking && !seen ? { site_id: site.domain, metrics: ['visitors'], date_range: 'all' } : null, 3000);
  const empty = !seen && any.data !== undefined && numeric(any.data.results[0]?.metrics[0]) === 0;
  const [wasEmpty, setWasEmpty] = useState(false);
  useEffect(() => {
    if (!any.data) return;
    if (numeric(any.data.results[0]?.metrics[0]) === 0) return setWasEmpty(true);
    // the first event came while the snippet showed: the dashboard starts afresh (nothing cached from before)
    if (wasEmpty) {
      invalidate();
      location.reload();
      return;
    }
    setSeen(true);
  }, [any.data]);

  const metrics = topMetrics(ctx);
  if (empty && !state.filters.length) return <Install site={site} />;
  return (
    <main class="dashboard">
      <header class="bar">
        <div class="site">
          {site.access === 'user' ? (
            <a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))} class="back" aria-label="All sites">
              ←
            </a>
          ) : null}
          <h1>{site.domain}</h1>
          <CurrentVisitors ctx={ctx} />
        </div>
        <div class="controls">
          <button onClick={() => setMenu(true)} aria-haspopup="dialog">
            + Filter
          </button>
          {(site.access === 'user' || segments.length > 0) && (
            <button onClick={() => setSegmentsOpen(true)} aria-haspopup="dialog" data-segments-button>
              Segments
            </button>
          )}
          <DatePicker ctx={ctx} />
          {state.period !== 'realtime' && (
            <label class="compare">
              <span class="sr-only">Comparison</span>
              <select
                value={state.comparison}
                onChange={(e) => {
                  const v = (e.target as HTMLSelectElement).value as ViewState['comparison'];
                  if (v === 'custom') {
                    (e.target as HTMLSelectElement).value = state.comparison;
                    return setCompareDialog(true);
                  }
                  update({ comparison: v, compareFrom: undefined, compareTo: undefined });
                }}
              >
                <option value="">No comparison</option>
                <option value="previous_period">Compare to previous period</option>
                <option value="year_over_year">Compare to a year before</option>
                <option value="custom">{state.comparison === 'custom' ? `Compare to ${state.compareFrom} – ${state.compareTo}` : 'Compare to a custom range…'}</option>
              </select>
            </label>
          )}
          {compareDialog && (
            <RangeDialog
              title="Compare to"
              tz={site.timezone}
              initial={[state.compareFrom ?? addDays(range.from, -30), state.compareTo ?? addDays(range.from, -1)]}
              onApply={(from, to) => update({ comparison: 'custom', compareFrom: from, compareTo: to })}
              onClose={() => setCompareDialog(false)}
            />
          )}
          <button
            disabled={exporting}
            onClick={() => {
              setExporting(true);
              import('../csv')
                .then((m) => m.downloadCsv(ctx))
                .finally(() => setExporting(false));
            }}
            title="Download the current view as CSV files (zip)"
          >
            {exporting ? 'Exporting…' : 'Download CSV'}
          </button>
          <ThemeSwitch />
          {site.access === 'user' && site.role !== 'viewer' && (
            <a class="button" href={`/${site.domain}/settings`} onClick={(e) => (e.preventDefault(), navigate(`/${site.domain}/settings`))}>
              Settings
            </a>
          )}
        </div>
      </header>
      {serverDown && (
        <p class="banner" role="status" data-banner="offline">
          The server cannot be reached. The dashboard tries again by itself.
        </p>
      )}
      <FilterChips ctx={ctx} />
      {startPending ? (
        // all time: nothing is asked for a range that is not known yet (no numbers of a day shown as all time's)
        <p class="muted" aria-busy="true">
          Finding the first day with data…
        </p>
      ) : (
        <>
          <TopStats ctx={ctx} />
          <Graph ctx={ctx} metrics={metrics} />
          <div class="grid">
            <SourcesPanel ctx={ctx} />
            <PagesPanel ctx={ctx} />
            <LocationsPanel ctx={ctx} />
            <DevicesPanel ctx={ctx} />
            {site.goals.length > 0 && <GoalsPanel ctx={ctx} />}
            <PropsPanel ctx={ctx} />
          </div>
        </>
      )}
      {menu && <FilterMenu ctx={ctx} onClose={() => setMenu(false)} />}
      {segmentsOpen && <SegmentsDialog ctx={ctx} onChanged={() => segmentsQ.retry?.()} onClose={() => setSegmentsOpen(false)} />}
    </main>
  );
}
