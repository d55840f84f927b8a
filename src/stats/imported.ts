import type { SqlBackend } from '../store/backend.js';
import { sqlString, sqlUInt } from '../store/sql.js';
import { localDate } from './dates.js';
import { propKey, type Filter, type Metric, type Query } from './query.js';
import { orderRows } from './order.js';
import { goalsInScope } from './compile.js';
import { goalDisplayName, pagePatternRegex } from './goals.js';
import type { StatsResult } from './engine.js';

/**
 * Imported data (Plausible's daily aggregates, in the imported_* tables) as one more source of a Stats API answer,
 * with Plausible's rules: the query is answered from one imported table or not at all (a skip reason), and its
 * rows are added to the native ones by dimension values (visitors, visits, pageviews, events summed; bounce rate,
 * visit duration and views per visit weighted by visits; percentages over both).
 */

export type SkipReason = 'no_imported_data' | 'out_of_range' | 'unsupported_interval' | 'unsupported_query';

export const IMPORTS_WARNINGS: Partial<Record<SkipReason, string>> = {
  unsupported_query: 'Imported stats are not included in the results because query parameters are not supported. For more information, see: https://plausible.io/docs/stats-api#filtering-imported-stats',
  unsupported_interval: 'Imported stats are not included because the time dimension (i.e. the interval) is too short.',
};

/** A completed import's days. */
export interface ImportSpan {
  id: number;
  startDate: string;
  endDate: string;
}

const notSet = (c: string) => `if(${c} = '', '(not set)', ${c})`;

/** Each dimension's imported table and its value there, in the form native results show it. */
const DIMENSIONS: Record<string, { table: string; expr: string; present?: string }> = {
  'visit:source': { table: 'imported_sources', expr: "if(source = '', 'Direct / None', source)" },
  'visit:referrer': { table: 'imported_sources', expr: "if(referrer = '', 'Direct / None', referrer)" },
  'visit:channel': { table: 'imported_sources', expr: notSet('channel') },
  'visit:utm_source': { table: 'imported_sources', expr: notSet('utm_source'), present: "utm_source != ''" },
  'visit:utm_medium': { table: 'imported_sources', expr: notSet('utm_medium'), present: "utm_medium != ''" },
  'visit:utm_campaign': { table: 'imported_sources', expr: notSet('utm_campaign'), present: "utm_campaign != ''" },
  'visit:utm_content': { table: 'imported_sources', expr: notSet('utm_content'), present: "utm_content != ''" },
  'visit:utm_term': { table: 'imported_sources', expr: notSet('utm_term'), present: "utm_term != ''" },
  'visit:entry_page': { table: 'imported_entry_pages', expr: 'entry_page' },
  'visit:exit_page': { table: 'imported_exit_pages', expr: 'exit_page' },
  'visit:country': { table: 'imported_locations', expr: 'country', present: "country NOT IN ('', 'ZZ')" },
  'visit:country_name': { table: 'imported_locations', expr: 'country', present: "country NOT IN ('', 'ZZ')" },
  'visit:region': { table: 'imported_locations', expr: 'region', present: "region != ''" },
  'visit:region_name': { table: 'imported_locations', expr: 'region', present: "region != ''" },
  'visit:city': { table: 'imported_locations', expr: 'city', present: 'city != 0' },
  'visit:city_name': { table: 'imported_locations', expr: 'city', present: 'city != 0' },
  'visit:device': { table: 'imported_devices', expr: notSet('device') },
  'visit:screen': { table: 'imported_devices', expr: notSet('device') },
  'visit:browser': { table: 'imported_browsers', expr: notSet('browser') },
  'visit:browser_version': { table: 'imported_browsers', expr: notSet('browser_version') },
  'visit:os': { table: 'imported_operating_systems', expr: notSet('operating_system') },
  'visit:os_version': { table: 'imported_operating_systems', expr: notSet('operating_system_version') },
  'event:page': { table: 'imported_pages', expr: 'page' },
  'event:hostname': { table: 'imported_pages', expr: 'hostname' },
  'event:name': { table: 'imported_custom_events', expr: 'name' },
};

const TIME: Record<string, string> = {
  'time:day': 'toString(date)',
  'time:week': 'toString(toMonday(date))',
  'time:month': 'toString(toStartOfMonth(date))',
};

/** The sums each table gives (absent: the table has none, 0). */
function sums(table: string): Record<string, string> {
  const visits = table === 'imported_entry_pages' ? 'sum(entrances)' : table === 'imported_exit_pages' ? 'sum(exits)' : 'sum(visits)';
  if (table === 'imported_custom_events') return { visitors: 'sum(visitors)', events: 'sum(events)' };
  const out: Record<string, string> = { visitors: 'sum(visitors)', visits, pageviews: 'sum(pageviews)', events: 'sum(pageviews)' };
  if (table !== 'imported_pages') {
    out.bounces = 'sum(bounces)';
    out.duration = 'sum(visit_duration)';
  }
  return out;
}

type Decision = { skip: SkipReason } | { table: string; ids: number[]; from: string; to: string; goals?: string };

/**
 * A goal filter on imported data, as Plausible reads it: event goals from imported custom events by name, page
 * goals from imported pages by their pattern; goals with property conditions or scroll thresholds, negated or
 * mixed goal filters have no imported answer.
 */
function goalCondition(q: Query): { table: string; sql: string } | null {
  const goals = goalsInScope(q);
  if (goals.length === 0 || goals.some((g) => g.props.length > 0 || g.scrollThreshold >= 0)) return null;
  if (goals.every((g) => g.eventName)) return { table: 'imported_custom_events', sql: `name IN (${goals.map((g) => sqlString(g.eventName)).join(', ')})` };
  if (goals.every((g) => !g.eventName)) return { table: 'imported_pages', sql: `(${goals.map((g) => `match(page, ${sqlString(pagePatternRegex(g.pagePath))})`).join(' OR ')})` };
  return null;
}

/** Which imported table answers the query, or why none does (Plausible's order of reasons). */
export function decide(q: Query, imports: readonly ImportSpan[]): Decision {
  if (imports.length === 0) return { skip: 'no_imported_data' };
  const tz = q.site.timezone;
  const from = localDate(q.range.fromMs, tz);
  const to = localDate(q.range.toMs - 1, tz);
  const partialDay = q.range.days === undefined && q.range.toMs - q.range.fromMs < 86_400_000;
  const ids = imports.filter((i) => i.startDate <= to && i.endDate >= from).map((i) => i.id);
  if (ids.length === 0 || partialDay) return { skip: 'out_of_range' };
  if (q.dimensions.some((d) => d === 'time:hour' || d === 'time:minute')) return { skip: 'unsupported_interval' };
  if (q.dimensions.includes('event:goal')) {
    // a goal breakdown: event goals from imported custom events, page goals from imported pages; goal filters only
    const plain = goalsInScope(q).every((g) => g.props.length === 0 && g.scrollThreshold < 0);
    const onlyGoalFilters = q.filters.every((f) => f.kind === 'leaf' && f.dim === 'event:goal' && (f.op === 'is' || f.op === 'contains'));
    if (q.dimensions.length !== 1 || !plain || !onlyGoalFilters) return { skip: 'unsupported_query' };
    return { table: 'goals', ids, from, to };
  }
  const tables = new Set<string>();
  for (const d of q.dimensions) {
    if (TIME[d]) continue;
    const m = DIMENSIONS[d];
    if (!m) return { skip: 'unsupported_query' };
    tables.add(m.table);
  }
  let goals: string | undefined;
  const walk = (f: Filter, top: boolean): boolean => {
    // "pageviews only" (the dashboard's Top pages): every imported page, source, device… row is of pageviews
    if (isPageviewFilter(f)) return true;
    if (f.kind === 'leaf' && f.dim === 'event:goal') {
      // a top-level positive goal filter only
      if (!top || f.op.endsWith('_not') || (f.op !== 'is' && f.op !== 'contains')) return false;
      const g = goalCondition(q);
      if (!g) return false;
      tables.add(g.table);
      goals = g.sql;
      return true;
    }
    if (f.kind === 'leaf') {
      const m = DIMENSIONS[f.dim];
      if (!m || propKey(f.dim) !== null) return false;
      tables.add(m.table);
      return true;
    }
    if (f.kind === 'and') return f.children.every((c) => walk(c, top));
    if (f.kind === 'or') return f.children.every((c) => walk(c, false));
    if (f.kind === 'not') return walk(f.child, false);
    return false; // has_done / has_not_done
  };
  if (!q.filters.every((f) => walk(f, true))) return { skip: 'unsupported_query' };
  if (tables.size > 1) return { skip: 'unsupported_query' };
  return { table: [...tables][0] ?? 'imported_visitors', ids, from, to, goals };
}

/** `["is", "event:name", ["pageview"]]`: imported rows other than custom events are all of pageviews. */
function isPageviewFilter(f: Filter): boolean {
  return f.kind === 'leaf' && f.dim === 'event:name' && f.op === 'is' && f.clauses.length === 1 && String(f.clauses[0]).toLowerCase() === 'pageview';
}

/** The SQL of a filter on imported columns (only dimensions of the chosen table reach here). */
function filterSql(f: Filter, rename: (dim: string) => string, goals: string | undefined, table: string): string {
  if (f.kind === 'and') return `(${f.children.map((c) => filterSql(c, rename, goals, table)).join(' AND ')})`;
  if (f.kind === 'or') return `(${f.children.map((c) => filterSql(c, rename, goals, table)).join(' OR ')})`;
  if (f.kind === 'not') return `NOT (${filterSql(f.child, rename, goals, table)})`;
  if (f.kind !== 'leaf') return '0';
  if (f.dim === 'event:goal') return goals ?? '0';
  if (isPageviewFilter(f) && table !== 'imported_custom_events') return '1';
  const expr = `toString(${DIMENSIONS[rename(f.dim)]!.expr})`;
  const values = f.clauses.map((c) => String(c));
  const ci = !f.caseSensitive;
  const e = ci ? `lowerUTF8(${expr})` : expr;
  const v = (s: string) => (ci ? `lowerUTF8(${sqlString(s)})` : sqlString(s));
  const base = f.op.replace('_not', '');
  let cond: string;
  if (values.length === 0) cond = '0';
  else if (base === 'is') cond = `${e} IN (${values.map(v).join(', ')})`;
  else if (base === 'contains') cond = `(${values.map((s) => `position(${e}, ${v(s)}) > 0`).join(' OR ')})`;
  else cond = `(${values.map((s) => `match(${expr}, ${sqlString(ci ? `(?i)${s}` : s)})`).join(' OR ')})`;
  return f.op.endsWith('_not') ? `NOT ${cond}` : cond;
}

type Sums = Record<string, number>;

export interface ImportedDeps {
  backend: SqlBackend;
  db: string;
  /** The site's completed imports of daily aggregates. */
  imports(siteId: number): Promise<ImportSpan[]>;
  /** A dimension value as results show it (place names). */
  display(dim: string, v: string | number, q: Query): string | number;
}

type Value = StatsResult['results'][number]['metrics'][number];

/** The metrics a merge needs of the native side besides those asked (visits weigh the rates). */
function withHelpers(metrics: readonly Metric[]): Metric[] {
  const out = [...metrics];
  const add = (m: Metric) => {
    if (!out.includes(m)) out.push(m);
  };
  if (metrics.some((m) => m === 'bounce_rate' || m === 'visit_duration' || m === 'views_per_visit')) add('visits');
  if (metrics.includes('percentage') || metrics.includes('conversion_rate')) add('visitors');
  return out;
}

/** Answers `q` with its imported data: `native` runs the native side. */
export async function withImports(q: Query, deps: ImportedDeps, native: (q: Query) => Promise<StatsResult>): Promise<StatsResult> {
  const decision = decide(q, await deps.imports(q.site.id));
  if ('skip' in decision) {
    const r = await native(q);
    const meta: Record<string, unknown> = { ...r.meta, imports_included: false, imports_skip_reason: decision.skip };
    const warning = IMPORTS_WARNINGS[decision.skip];
    if (warning) meta.imports_warning = warning;
    return { ...r, meta: sortKeys(meta) };
  }
  const metrics = withHelpers(q.metrics);
  const all = { offset: 0, limit: Number.MAX_SAFE_INTEGER };
  const nativeQ: Query = { ...q, metrics, pagination: all, include: { ...q.include, total_rows: false } };
  const dims = q.dimensions;
  const wantTotal = q.metrics.includes('percentage') && dims.length > 0;
  // the conversion rate's denominator: every visitor of the range, native and imported (goal filters left out)
  const wantCr = q.metrics.includes('conversion_rate');
  const noGoals = { ...q, filters: q.filters.filter((f) => !(f.kind === 'leaf' && f.dim === 'event:goal')) };
  const [crNative, crImported] = wantCr
    ? await Promise.all([
        native({ ...noGoals, metrics: ['visitors'], dimensions: [], orderBy: [], pagination: all, include: { ...q.include, total_rows: false, time_labels: false }, comparison: null }),
        importedRows(noGoals, { ...decision, table: 'imported_visitors', goals: undefined }, deps, []),
      ])
    : [null, null];
  const crTotal = wantCr ? num(crNative?.results[0]?.metrics[0]) + (crImported?.get('[]')?.visitors ?? 0) : 0;
  const [nat, natTotal, imp, impTotal, impSessions] = await Promise.all([
    native(nativeQ),
    wantTotal ? native({ ...q, metrics: ['visitors'], dimensions: [], orderBy: [], pagination: all, include: { ...q.include, total_rows: false, time_labels: false } }) : null,
    importedRows(q, decision, deps, dims),
    wantTotal ? importedRows(q, decision, deps, []) : null,
    // a page breakdown's visit metrics come from the entry pages of the same paths (as Plausible answers them)
    decision.table === 'imported_pages' && dims.includes('event:page') && q.metrics.some((m) => m === 'bounce_rate' || m === 'visit_duration' || m === 'views_per_visit')
      ? importedRows(q, { ...decision, table: 'imported_entry_pages' }, deps, dims, (d) => (d === 'event:page' ? 'visit:entry_page' : d))
      : null,
  ]);

  const idx = (m: Metric) => metrics.indexOf(m);
  const byKey = new Map<string, { dimensions: Array<string | number>; native: Value[] | null; imp: Sums | null; ses: Sums | null }>();
  for (const r of nat.results) byKey.set(JSON.stringify(r.dimensions), { dimensions: r.dimensions, native: r.metrics, imp: null, ses: null });
  // imported rows without visitors are left out, and pages without pageviews when pageviews are asked (Plausible)
  const needPageviews = q.metrics.includes('pageviews') || q.metrics.includes('views_per_visit');
  for (const [key, s] of imp) {
    if ((s.visitors ?? 0) === 0) continue;
    if (needPageviews && decision.table === 'imported_pages' && (s.pageviews ?? 0) === 0) continue;
    const e = byKey.get(key);
    if (e) e.imp = s;
    else byKey.set(key, { dimensions: JSON.parse(key) as Array<string | number>, native: null, imp: s, ses: null });
  }
  if (impSessions) for (const [key, s] of impSessions) {
    const e = byKey.get(key);
    if (e) e.ses = s;
  }
  const totalVisitors = wantTotal ? num(natTotal?.results[0]?.metrics[0]) + (impTotal?.get('[]')?.visitors ?? 0) : 0;
  const rows = [...byKey.values()].map((e) => {
    const n = (m: Metric) => (e.native ? e.native[idx(m)] ?? null : null);
    const i = e.imp ?? {};
    const ses = e.ses ?? i;
    const nv = num(n('visits'));
    const iv = ses.visits ?? 0;
    const values: Value[] = q.metrics.map((m): Value => {
      switch (m) {
        case 'visitors':
        case 'visits':
        case 'pageviews':
        case 'events':
          return num(n(m)) + (i[m] ?? 0);
        case 'bounce_rate': {
          const d = nv + iv;
          return d > 0 ? Math.round((100 * ((ses.bounces ?? 0) + (num(n('bounce_rate')) * nv) / 100)) / d) : 0;
        }
        case 'visit_duration': {
          const d = nv + iv;
          if (d === 0) return n('visit_duration');
          return Math.round(((ses.duration ?? 0) + num(n('visit_duration')) * nv) / d);
        }
        case 'views_per_visit': {
          const d = nv + iv;
          return d > 0 ? Math.round((((ses.pageviews ?? 0) + num(n('views_per_visit')) * nv) / d) * 100) / 100 : 0;
        }
        case 'conversion_rate': {
          const v = num(n('visitors')) + (i.visitors ?? 0);
          return crTotal > 0 ? Math.round((v / crTotal) * 10000) / 100 : 0;
        }
        case 'percentage': {
          const v = num(n('visitors')) + (i.visitors ?? 0);
          if (dims.length === 0) return v > 0 ? 100 : null;
          return totalVisitors > 0 ? Math.round((v / totalVisitors) * 1000) / 10 : null;
        }
        default:
          return n(m); // no imported source (scroll depth, time on page, exit rate, revenue): native only
      }
    });
    return { dimensions: e.dimensions, metrics: values };
  });
  if (dims.length === 0 && rows.length > 1) rows.splice(1);
  const ordered = orderRows(q, rows);
  const meta: Record<string, unknown> = { ...nat.meta, imports_included: true };
  if (q.include.total_rows) meta.total_rows = ordered.length;
  return { ...nat, results: ordered.slice(q.pagination.offset, q.pagination.offset + q.pagination.limit), meta: sortKeys(meta), query: { ...nat.query, metrics: q.metrics, pagination: q.pagination } };
}

/** A goal breakdown of imported data: each goal in scope with the sums of its rows (event goals by name, page goals by pattern). */
async function goalRows(q: Query, d: { ids: number[]; from: string; to: string }, deps: ImportedDeps): Promise<Map<string, Sums>> {
  const base = `site_id = ${sqlUInt(q.site.id)} AND import_id IN (${d.ids.map(sqlUInt).join(', ')}) AND date >= toDate(${sqlString(d.from)}) AND date <= toDate(${sqlString(d.to)})`;
  const out = new Map<string, Sums>();
  const add = (name: string, s: Sums) => {
    const key = JSON.stringify([name]);
    const prev = out.get(key) ?? {};
    for (const [k, v] of Object.entries(s)) prev[k] = (prev[k] ?? 0) + v;
    out.set(key, prev);
  };
  const goals = goalsInScope(q);
  const events = goals.filter((g) => g.eventName);
  if (events.length) {
    const rows = await deps.backend.queryRows<{ n: string; v: string | number; e: string | number }>(
      `SELECT name AS n, sum(visitors) AS v, sum(events) AS e FROM ${deps.db}.imported_custom_events WHERE ${base} AND name IN (${events.map((g) => sqlString(g.eventName)).join(', ')}) GROUP BY n`,
    );
    for (const r of rows) for (const g of events.filter((x) => x.eventName === r.n)) add(goalDisplayName(g), { visitors: Number(r.v), events: Number(r.e), pageviews: 0 });
  }
  for (const g of goals.filter((x) => !x.eventName)) {
    const [r] = await deps.backend.queryRows<{ v: string | number; p: string | number }>(
      `SELECT sum(visitors) AS v, sum(pageviews) AS p FROM ${deps.db}.imported_pages WHERE ${base} AND match(page, ${sqlString(pagePatternRegex(g.pagePath))})`,
    );
    if (r && Number(r.v) > 0) add(goalDisplayName(g), { visitors: Number(r.v), events: Number(r.p), pageviews: Number(r.p) });
  }
  return out;
}

async function importedRows(q: Query, d: { table: string; ids: number[]; from: string; to: string; goals?: string }, deps: ImportedDeps, dims: readonly string[], rename: (dim: string) => string = (x) => x): Promise<Map<string, Sums>> {
  if (d.table === 'goals') {
    if (dims.length) return goalRows(q, d, deps);
    d = { ...d, table: 'imported_visitors', goals: undefined }; // the goals' total: every imported visitor
  }
  const agg = sums(d.table);
  const dimExprs = dims.map((dim) => TIME[dim] ?? DIMENSIONS[rename(dim)]!.expr);
  const where = [
    `site_id = ${sqlUInt(q.site.id)}`,
    `import_id IN (${d.ids.map(sqlUInt).join(', ')})`,
    `date >= toDate(${sqlString(d.from)})`,
    `date <= toDate(${sqlString(d.to)})`,
    ...dims.flatMap((dim) => (DIMENSIONS[rename(dim)]?.present ? [DIMENSIONS[rename(dim)]!.present!] : [])),
    ...q.filters.map((f) => filterSql(f, rename, d.goals, d.table)),
  ];
  const select = [...dimExprs.map((e, k) => `${e} AS d${k}`), ...Object.entries(agg).map(([k, e]) => `${e} AS s_${k}`)];
  const sql = `SELECT ${select.join(', ')} FROM ${deps.db}.${d.table} WHERE ${where.join(' AND ')}${dims.length ? ` GROUP BY ${dims.map((_, k) => `d${k}`).join(', ')}` : ''}`;
  const out = new Map<string, Sums>();
  for (const r of await deps.backend.queryRows<Record<string, string | number>>(sql)) {
    const key = JSON.stringify(dims.map((dim, k) => deps.display(dim, typeof r[`d${k}`] === 'number' ? (r[`d${k}`] as number) : String(r[`d${k}`]), q)));
    const s: Sums = {};
    for (const k of Object.keys(agg)) s[k] = Number(r[`s_${k}`] ?? 0);
    out.set(key, s);
  }
  if (dims.length === 0 && !out.has('[]')) out.set('[]', {});
  return out;
}

function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'object') return Number((v as { value: number }).value) || 0;
  return Number(v) || 0;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
