import { ErrorLine } from './ErrorLine';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Filter } from '../api';
import { withFilter, type Ctx } from '../ctx';
import { formatMetric, METRIC_LABELS, numeric } from '../format';
import { useQuery } from '../hooks';
import { Modal } from './Modal';

export interface Tab {
  key: string;
  label: string;
  /** Tabs of one group are offered as one drop-down (e.g. the UTM tabs). */
  group?: string;
  dimension: string;
  /** The metric of the list and its bars. */
  metric: string;
  metricLabel?: string;
  /** Columns of the details view. */
  details: string[];
  /** The filter a click on a row adds (default: `is` on the dimension). */
  filterFor?: (value: string) => Filter;
  /** Extra filters of this tab's queries (e.g. goal conversions). */
  filters?: Filter[];
  /** Replaces the list (the map). */
  custom?: (ctx: Ctx) => ComponentChildren;
  /** How a value is shown. */
  show?: (value: string) => ComponentChildren;
}

const ROWS = 9;

export function tabBody(ctx: Ctx, tab: Tab, metrics: string[], limit: number, offset = 0, search = '', sort?: Sort) {
  const filters: Filter[] = [...(tab.filters ?? [])];
  if (search) filters.push(['contains', tab.dimension, [search]]);
  const order: Array<[string, 'asc' | 'desc']> = sort ? [[sort.by, sort.dir]] : [[metrics[0]!, 'desc']];
  if (!order.some(([k]) => k === tab.dimension)) order.push([tab.dimension, 'asc']);
  return ctx.body({
    metrics,
    dimensions: [tab.dimension],
    filters: [...ctx.state.filters, ...filters],
    order_by: order,
    pagination: { limit, offset },
  });
}

/** A details table's order: a column (a metric or the dimension) and its direction. */
export interface Sort {
  by: string;
  dir: 'asc' | 'desc';
}

/** A column header that sorts the table: descending first for numbers, ascending for names; again to reverse. */
function SortHeader({ label, col, sort, setSort, num }: { label: string; col: string; sort: Sort; setSort: (s: Sort) => void; num: boolean }) {
  const active = sort.by === col;
  const next: Sort = active ? { by: col, dir: sort.dir === 'desc' ? 'asc' : 'desc' } : { by: col, dir: num ? 'desc' : 'asc' };
  return (
    <th scope="col" class={num ? 'num' : ''} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button class="sort" data-sort={col} onClick={() => setSort(next)}>
        {label}
        {active ? (sort.dir === 'asc' ? ' ↑' : ' ↓') : ''}
      </button>
    </th>
  );
}

function Rows({ ctx, tab }: { ctx: Ctx; tab: Tab }) {
  const q = useQuery(tabBody(ctx, tab, [tab.metric], ROWS), ctx.state.period === 'realtime' ? 10_000 : 0);
  if (q.error) return <ErrorLine q={q} />;
  const rows = q.data?.results ?? [];
  const max = Math.max(1, ...rows.map((r) => numeric(r.metrics[0])));
  if (q.data && rows.length === 0) return <p class="empty">No data yet</p>;
  return (
    <ol class="rows" aria-busy={q.loading}>
      {rows.map((r) => {
        const value = r.dimensions[0]!;
        return (
          <li data-row={value} key={value}>
            <button class="row" onClick={() => ctx.addFilter(tab.filterFor ? tab.filterFor(value) : ['is', tab.dimension, [value]])} title={`Filter by ${value}`}>
              <span class="bar" style={{ width: `${(numeric(r.metrics[0]) / max) * 100}%` }} />
              <span class="name">{tab.show ? tab.show(value) : value}</span>
            </button>
            <span class="num">{formatMetric(tab.metric, r.metrics[0])}</span>
          </li>
        );
      })}
    </ol>
  );
}

export function Details({ ctx, tab, onClose }: { ctx: Ctx; tab: Tab; onClose: () => void }) {
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [pages, setPages] = useState(1);
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(typed.trim());
      setPages(1);
    }, 250);
    return () => clearTimeout(t);
  }, [typed]);
  const [sort, setSortState] = useState<Sort>({ by: tab.details[0]!, dir: 'desc' });
  const setSort = (next: Sort) => {
    setSortState(next);
    setPages(1);
  };
  const q = useQuery(tabBody(ctx, tab, tab.details, 100 * pages, 0, search, sort));
  const rows = q.data?.results ?? [];
  return (
    <Modal title={tab.label} onClose={onClose} wide>
      <input type="search" placeholder="Search" aria-label={`Search ${tab.label}`} value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
      <ErrorLine q={q} />
      <div class="table-wrap">
        <table class="details" aria-busy={q.loading}>
          <thead>
            <tr>
              <SortHeader label={tab.label} col={tab.dimension} sort={sort} setSort={setSort} num={false} />
              {tab.details.map((m) => (
                <SortHeader label={METRIC_LABELS[m] ?? m} col={m} sort={sort} setSort={setSort} num />
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr data-row={r.dimensions[0]}>
                <td>
                  <button
                    class="link"
                    onClick={() => {
                      ctx.update({ filters: withFilter(ctx.state.filters, tab.filterFor ? tab.filterFor(r.dimensions[0]!) : ['is', tab.dimension, [r.dimensions[0]!]]) });
                      onClose();
                    }}
                  >
                    {tab.show ? tab.show(r.dimensions[0]!) : r.dimensions[0]}
                  </button>
                </td>
                {r.metrics.map((v, i) => (
                  <td class="num">{formatMetric(tab.details[i]!, v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {q.data && rows.length === 0 && <p class="empty">Nothing found</p>}
      {rows.length === 100 * pages && (
        <button class="more" onClick={() => setPages(pages + 1)}>
          Load more
        </button>
      )}
    </Modal>
  );
}

/** A card with tabs, the top rows of the chosen tab, and its details view. The chosen tab is remembered. */
export function Panel({ ctx, name, title, tabs }: { ctx: Ctx; name: string; title: string; tabs: Tab[] }) {
  const storeKey = `footfall:${name}`;
  const [key, setKey] = useState(() => {
    try {
      return localStorage.getItem(storeKey) ?? tabs[0]!.key;
    } catch {
      return tabs[0]!.key;
    }
  });
  const [details, setDetails] = useState(false);
  const tab = tabs.find((t) => t.key === key) ?? tabs[0]!;
  const choose = (k: string) => {
    setKey(k);
    try {
      localStorage.setItem(storeKey, k);
    } catch {
      /* private mode */
    }
  };
  return (
    <section class="card panel" data-panel={name} aria-label={title}>
      <header>
        <h2>{title}</h2>
        <div class="tabs" role="tablist">
          {tabs.map((t, i) => {
            if (!t.group)
              return (
                <button role="tab" aria-selected={t.key === tab.key} class={t.key === tab.key ? 'active' : ''} data-tab={t.key} onClick={() => choose(t.key)}>
                  {t.label}
                </button>
              );
            if (tabs.findIndex((x) => x.group === t.group) !== i) return null;
            const members = tabs.filter((x) => x.group === t.group);
            const inGroup = tab.group === t.group;
            return (
              <select aria-label={t.group} class={inGroup ? 'active' : ''} value={inGroup ? tab.key : ''} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
                {!inGroup && <option value="">{t.group}</option>}
                {members.map((m) => (
                  <option value={m.key}>{m.label}</option>
                ))}
              </select>
            );
          })}
        </div>
      </header>
      <div class="cols" aria-hidden="true">
        <span>{tab.label}</span>
        <span>{tab.metricLabel ?? METRIC_LABELS[tab.metric]}</span>
      </div>
      {tab.custom ? tab.custom(ctx) : <Rows ctx={ctx} tab={tab} />}
      {!tab.custom && (
        <button class="details-btn" onClick={() => setDetails(true)} aria-label={`Details of ${tab.label}`}>
          Details
        </button>
      )}
      {details && <Details ctx={ctx} tab={tab} onClose={() => setDetails(false)} />}
    </section>
  );
}
