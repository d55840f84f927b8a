import { RE2JS } from 're2js';
import { sqlDateTimeText, sqlString, sqlUInt } from '../store/sql.js';
import type { Goal } from '../store/repo.js';
import { channelExpression } from './channel.js';
import { anyGoalCondition, completedGoalsExpr, goalDisplayName } from './goals.js';
import { isEventDimension, leaves, propKey, QueryError, SESSION_ONLY_DIMENSIONS, type Filter, type Query } from './query.js';

/**
 * Stage 3 of the Stats API: a planned query part → ClickHouse SQL. Every value that came from the user goes
 * through `sqlString` (or is a number checked by `sqlUInt`); identifiers are fixed strings of this file. The SQL
 * runs on chDB 26.x and ClickHouse 18.16 alike (no window functions, no query parameters, no `WITH FILL`).
 */

export type Table = 'events' | 'sessions';

/** Place names for the `*_name` dimensions and filters (the shipped GeoIP / GeoNames data). */
export interface Places {
  countryName(code: string): string;
  regionName(code: string): string;
  allRegions(): Array<[string, string]>;
  cityName(id: number): string;
  cityIdsWhere(pred: (name: string) => boolean): number[];
  /** Makes the city names ready (off the event loop); the two city methods need it first. */
  warmUp?(): Promise<void>;
}

export interface CompileContext {
  db: string;
  q: Query;
  places: Places;
  /** The condition of each `visit:city_name` filter leaf, made beforehand by resolveCityNames (positive form). */
  cityConditions?: Map<Leaf, string>;
  /** The condition of each `visit:channel` filter leaf, made beforehand by resolveChannels (positive form). */
  channelConditions?: Map<Leaf, string>;
  /**
   * Engagement parts (time on page, scroll depth): an `event:name` filter on `pageview` also takes the engagement
   * events (they measure the pageview; Plausible's dashboard asks Top pages with that filter and gets them).
   */
  engagementAsPageview?: boolean;
}

/** The text a list of city ids may take in a statement (a quarter of the engine's 256 KiB `max_query_size`). */
export const CITY_LIST_MAX_BYTES = 64 * 1024;

const idList = (ids: readonly number[]) => ids.map((i) => sqlUInt(i)).join(', ');

/**
 * The conditions of the query's `visit:city_name` filters. A name matches cities by the thousand (`contains "a"`):
 * a long list of matching ids is narrowed to the cities the site has in the range (`presentIds`, read once), and
 * if that is still long, written as the site's other cities (NOT IN). Only when both lists are long (tens of
 * thousands of cities in the range) is the filter refused, naming what to narrow.
 */
export async function resolveCityNames(ctx: CompileContext, presentIds: () => Promise<number[]>): Promise<Map<Leaf, string>> {
  const out = new Map<Leaf, string>();
  let present: Set<number> | null = null;
  const fits = (ids: readonly number[]) => ids.length * 8 <= CITY_LIST_MAX_BYTES;
  for (const { leaf } of leaves(ctx.q.filters)) {
    if (leaf.dim !== 'visit:city_name') continue;
    const positive = leaf.op.replace('_not', '') as Leaf['op'];
    let ids = ctx.places.cityIdsWhere(jsMatch(positive, leaf.clauses.map(String), leaf.caseSensitive));
    if (!fits(ids)) {
      present ??= new Set(await presentIds());
      ids = ids.filter((i) => present!.has(i));
      if (!fits(ids)) {
        const matched = new Set(ids);
        const others = [...present].filter((i) => i !== 0 && !matched.has(i));
        if (!fits(others)) {
          throw new QueryError(`Invalid filters. The city name filter ${JSON.stringify(leaf.clauses)} matches ${ids.length} of the ${present.size} cities of this range, too many to look up: narrow it.`);
        }
        out.set(leaf, others.length ? `(city_geoname_id != 0 AND city_geoname_id NOT IN (${idList(others)}))` : 'city_geoname_id != 0');
        continue;
      }
    }
    out.set(leaf, ids.length ? `city_geoname_id IN (${idList(ids)})` : '0');
  }
  return out;
}

type Leaf = Extract<Filter, { kind: 'leaf' }>;

/** One (source, UTM tags, click id) combination of a range: its hash (as SQL computes it) and its channel. */
export interface ChannelCombo {
  hash: string;
  channel: string;
}

/**
 * The conditions of the query's `visit:channel` filters as lists of the range's combinations whose channel matches
 * (`cityHash64(...) IN (...)`): the channel expression is a long CASE that costs ≈ 0.75 µs a row, the lookup a hash.
 * A leaf whose list would be too long keeps the expression.
 */
export function resolveChannels(ctx: CompileContext, combos: readonly ChannelCombo[], hashExpr: string, maxBytes: number): Map<Leaf, string> {
  const out = new Map<Leaf, string>();
  for (const { leaf } of leaves(ctx.q.filters)) {
    if (leaf.dim !== 'visit:channel') continue;
    const positive = leaf.op.replace('_not', '') as Leaf['op'];
    const test = jsMatch(positive, leaf.clauses.map(String), leaf.caseSensitive);
    const hashes = combos.filter((c) => test(c.channel)).map((c) => c.hash);
    const sql = hashes.length ? `${hashExpr} IN (${hashes.join(', ')})` : '0';
    if (sql.length <= maxBytes) out.set(leaf, sql);
  }
  return out;
}

const NOT_SET = "'(not set)'";
const orNotSet = (col: string) => `if(${col} = '', ${NOT_SET}, ${col})`;

const VISIT_COLUMNS: Record<string, string> = {
  'visit:source': "if(referrer_source = '', 'Direct / None', referrer_source)",
  'visit:referrer': "if(referrer = '', 'Direct / None', referrer)",
  'visit:utm_medium': orNotSet('utm_medium'),
  'visit:utm_source': orNotSet('utm_source'),
  'visit:utm_campaign': orNotSet('utm_campaign'),
  'visit:utm_content': orNotSet('utm_content'),
  'visit:utm_term': orNotSet('utm_term'),
  'visit:device': orNotSet('screen_size'),
  'visit:screen': orNotSet('screen_size'),
  'visit:browser': orNotSet('browser'),
  'visit:browser_version': orNotSet('browser_version'),
  'visit:os': orNotSet('operating_system'),
  'visit:os_version': orNotSet('operating_system_version'),
  'visit:country': 'country_code',
  'visit:country_name': 'country_code',
  'visit:region': 'subdivision1_code',
  'visit:region_name': 'subdivision1_code',
  'visit:city': 'city_geoname_id',
  'visit:city_name': 'city_geoname_id',
  'visit:entry_page': 'entry_page',
  'visit:exit_page': 'exit_page',
  'visit:entry_page_hostname': 'entry_page_hostname',
  'visit:exit_page_hostname': 'exit_page_hostname',
};

/** Rows without a location are left out of location breakdowns (as Plausible does). */
const PRESENT: Record<string, string> = {
  'visit:country': "country_code != ''",
  'visit:country_name': "country_code != ''",
  'visit:region': "subdivision1_code != ''",
  'visit:region_name': "subdivision1_code != ''",
  'visit:city': 'city_geoname_id != 0',
  'visit:city_name': 'city_geoname_id != 0',
};


/**
 * The instant a row is bucketed by over time: an event's time; a session's last activity, clamped to the range's
 * end (as Plausible buckets sessions: a visit that ran past the range counts in its last bucket).
 */
function bucketTime(ctx: CompileContext, table: Table): string {
  return table === 'events' ? 'timestamp' : `least(timestamp, ${at(ctx.q.range.toMs - 1000)})`;
}
const at = (ms: number) => `toDateTime(${sqlString(sqlDateTimeText(new Date(ms)))}, 'UTC')`;

/** The goals a result row can be about: every goal of the site, or those a top-level goal filter names. */
export function goalsInScope(q: Query): Goal[] {
  let goals = q.goals;
  for (const f of q.filters) {
    if (f.kind === 'leaf' && f.dim === 'event:goal') goals = goals.filter((g) => goalMatchesLeaf(g, f));
  }
  return goals;
}

function goalMatchesLeaf(g: Goal, leaf: Leaf): boolean {
  const name = goalDisplayName(g);
  const n = leaf.caseSensitive ? name : name.toLowerCase();
  return leaf.clauses.some((c) => {
    const v = leaf.caseSensitive ? String(c) : String(c).toLowerCase();
    return leaf.op === 'is' ? n === v : n.includes(v);
  });
}

/**
 * The events that complete at least one goal in scope: grouping by `event:goal` needs no others (an event that
 * completes none yields no row), and the condition on `name` lets the engine skip most of the table.
 */
export function goalPresence(q: Query): string {
  return anyGoalCondition(goalsInScope(q));
}

/** `event:goal` as a dimension: one row per goal an event completes (arrayJoin); '' rows are dropped by the caller. */
function goalDimension(q: Query): string {
  return `arrayJoin(${completedGoalsExpr(goalsInScope(q))})`;
}

/** The SQL value of a (non-time) dimension on a table, in the form results show it. */
export function dimensionExpr(ctx: CompileContext, dim: string, table: Table): string {
  const tz = sqlString(ctx.q.site.timezone);
  const ts = bucketTime(ctx, table);
  switch (dim) {
    case 'time:minute':
      // not formatDateTime: its %M is the minute on 18.16 but the month's name on recent versions (chDB)
      return `toString(toStartOfMinute(${ts}), ${tz})`;
    case 'time:hour':
      return `formatDateTime(${ts}, '%Y-%m-%d %H:00:00', ${tz})`;
    case 'time:day':
      return `toString(toDate(${ts}, ${tz}))`;
    case 'time:week':
      return `toString(toMonday(toDate(${ts}, ${tz})))`;
    case 'time:month':
      return `toString(toStartOfMonth(toDate(${ts}, ${tz})))`;
    case 'event:name':
      return ctx.engagementAsPageview ? "if(name = 'engagement', 'pageview', name)" : 'name';
    case 'event:page':
      return table === 'events' ? 'pathname' : 'entry_page';
    case 'event:hostname':
      return table === 'events' ? 'hostname' : 'entry_page_hostname';
    case 'event:goal':
      return goalDimension(ctx.q);
    case 'visit:channel':
      return channelExpression();
  }
  const key = propKey(dim);
  if (key !== null) {
    const k = sqlString(key);
    return `if(has(meta.key, ${k}), meta.value[indexOf(meta.key, ${k})], '(none)')`;
  }
  const col = VISIT_COLUMNS[dim];
  if (!col) throw new Error(`no column for dimension ${dim}`);
  return col;
}

export function presenceCondition(dims: readonly string[]): string[] {
  return dims.flatMap((d) => (PRESENT[d] ? [PRESENT[d]!] : []));
}

function inList(expr: string, values: readonly string[], lower: boolean): string {
  if (values.length === 0) return '0';
  return lower ? `lowerUTF8(${expr}) IN (${values.map((v) => `lowerUTF8(${sqlString(v)})`).join(', ')})` : `${expr} IN (${values.map(sqlString).join(', ')})`;
}

/** JavaScript's test of one clause, for filters on place names (resolved to codes before SQL). */
function jsMatch(op: Leaf['op'], clauses: readonly string[], caseSensitive: boolean): (value: string) => boolean {
  const norm = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const cs = clauses.map(norm);
  const base = op.replace('_not', '');
  const test =
    base === 'is'
      ? (v: string) => cs.includes(norm(v))
      : base === 'contains'
        ? (v: string) => cs.some((c) => norm(v).includes(c))
        : (() => {
            // RE2 (linear time), as the engine's match(): a user's pattern over 140,000 city names cannot backtrack
            const res = clauses.map((c) => {
              try {
                return RE2JS.compile(c);
              } catch {
                throw new QueryError('Invalid filters. A regular expression could not be compiled.');
              }
            });
            return (v: string) => res.some((r) => r.matcher(v).find());
          })();
  return op.endsWith('_not') ? (v) => !test(v) : test;
}

/** A filter on a place name → the same filter on its code (positive form; the caller negates). */
function placeNameLeaf(ctx: CompileContext, leaf: Leaf): string {
  const positive = { ...leaf, op: leaf.op.replace('_not', '') as Leaf['op'] };
  const test = jsMatch(positive.op, leaf.clauses.map(String), leaf.caseSensitive);
  if (leaf.dim === 'visit:city_name') {
    const pre = ctx.cityConditions?.get(leaf);
    if (pre) return pre;
    const ids = ctx.places.cityIdsWhere(test);
    return ids.length ? `city_geoname_id IN (${idList(ids)})` : '0';
  }
  if (leaf.dim === 'visit:region_name') {
    const codes = ctx.places.allRegions().filter(([, n]) => test(n)).map(([c]) => c);
    return inList('subdivision1_code', codes, false);
  }
  const codes = COUNTRY_CODES.filter((c) => ctx.places.countryName(c) !== "" && test(ctx.places.countryName(c)));
  return inList('country_code', codes, false);
}

const COUNTRY_CODES: string[] = (() => {
  const out: string[] = [];
  for (let a = 65; a <= 90; a++) for (let b = 65; b <= 90; b++) out.push(String.fromCharCode(a, b));
  return out;
})();

/** A leaf on a column of `table` (the dimension is available there). */
function leafOnTable(ctx: CompileContext, leaf: Leaf, table: Table): string {
  const negated = leaf.op.endsWith('_not');
  let positive: string;
  if (leaf.dim === 'event:goal') {
    positive = anyGoalCondition(ctx.q.goals.filter((g) => goalMatchesLeaf(g, leaf)));
  } else if (leaf.dim === 'visit:country_name' || leaf.dim === 'visit:region_name' || leaf.dim === 'visit:city_name') {
    positive = placeNameLeaf(ctx, leaf);
  } else if (leaf.dim === 'visit:channel' && ctx.channelConditions?.has(leaf)) {
    positive = ctx.channelConditions.get(leaf)!;
  } else if (leaf.dim === 'visit:city') {
    const ids = leaf.clauses.map((c) => sqlUInt(Number(c)));
    positive = leaf.op.startsWith('is') ? `city_geoname_id IN (${ids.join(', ')})` : matchClauses('toString(city_geoname_id)', leaf);
  } else {
    const expr = dimensionExpr(ctx, leaf.dim, table);
    positive = leaf.op.startsWith('is') ? inList(expr, leaf.clauses.map(String), !leaf.caseSensitive) : matchClauses(expr, leaf);
  }
  if (!negated) return positive;
  // a negated contains/matches on a custom property holds only for events that have the property (Plausible's
  // rule); `is_not` also takes the events without it, unless "(none)" is among the values
  const key = propKey(leaf.dim);
  if (key !== null && !leaf.op.startsWith('is')) return `(has(meta.key, ${sqlString(key)}) AND NOT ${positive})`;
  return `NOT ${positive}`;
}

function matchClauses(expr: string, leaf: Leaf): string {
  const cs = leaf.clauses.map(String);
  if (leaf.op.startsWith('contains')) {
    const fn = leaf.caseSensitive ? 'position' : 'positionCaseInsensitiveUTF8';
    return `(${cs.map((c) => `${fn}(${expr}, ${sqlString(c)}) > 0`).join(' OR ')})`;
  }
  return `(${cs.map((c) => `match(${expr}, ${sqlString(c)})`).join(' OR ')})`;
}

/** Longer than any visit can last (a visit continues across one midnight at most: the visitor id is daily). */
const SESSION_SPAN_MS = 3 * 86_400_000;

/**
 * The base condition of a table: the site, and the query's time range — events in it, sessions active in it (last
 * activity at or after its start, begun before its end), as Plausible counts visits.
 */
export function baseWhere(ctx: CompileContext, table: Table): string {
  const site = `site_id = ${sqlUInt(ctx.q.site.id)}`;
  // `start` a few days before the range as well: the table's order begins with the start's date, so this lets the
  // engine skip older parts; a visit cannot last that long (its visitor id changes with the daily salt after a day)
  if (table === 'sessions') return `${site} AND start >= ${at(ctx.q.range.fromMs - SESSION_SPAN_MS)} AND start < ${at(ctx.q.range.toMs)} AND timestamp >= ${at(ctx.q.range.fromMs)}`;
  return `${site} AND timestamp >= ${at(ctx.q.range.fromMs)} AND timestamp < ${at(ctx.q.range.toMs)}`;
}

/** Sessions (ids) that had an event matching `cond` in the range. */
function sessionsWithEvents(ctx: CompileContext, cond: string): string {
  return `session_id IN (SELECT session_id FROM ${ctx.db}.events WHERE ${baseWhere(ctx, 'events')} AND ${cond})`;
}

/** Sessions (ids) whose current state matches `cond` (pairs of ±1 rows cancel out). */
function sessionsWhere(ctx: CompileContext, cond: string): string {
  return `session_id IN (SELECT session_id FROM ${ctx.db}.sessions WHERE site_id = ${sqlUInt(ctx.q.site.id)} AND ${cond} GROUP BY session_id HAVING sum(sign) > 0)`;
}

export interface FilterOptions {
  /** On the sessions table: top-level `event:page` filters mean the entry page (Plausible's rule for bounce rate). */
  pageAsEntry?: boolean;
  /** Leave out goal filters and custom-prop filters (the denominator of conversion rates). */
  withoutGoals?: boolean;
}

/** One filter (tree) on `table`. Event dimensions on sessions and session-only dimensions on events are subqueries. */
function filterOn(ctx: CompileContext, f: Filter, table: Table): string {
  switch (f.kind) {
    case 'and':
      return `(${f.children.map((c) => filterOn(ctx, c, table)).join(' AND ')})`;
    case 'or':
      return `(${f.children.map((c) => filterOn(ctx, c, table)).join(' OR ')})`;
    case 'not':
      return `NOT (${filterOn(ctx, f.child, table)})`;
    case 'has_done':
    case 'has_not_done': {
      const sub = sessionsWithEvents(ctx, `name != 'engagement' AND ${filterOn(ctx, f.child, 'events')}`);
      return f.kind === 'has_done' ? sub : `NOT ${sub}`;
    }
    case 'leaf': {
      if (table === 'sessions' && isEventDimension(f.dim)) return sessionsWithEvents(ctx, leafOnTable(ctx, f, 'events'));
      if (table === 'events' && SESSION_ONLY_DIMENSIONS.has(f.dim)) return sessionsWhere(ctx, leafOnTable(ctx, f, 'sessions'));
      return leafOnTable(ctx, f, table);
    }
  }
}

/** Every filter of the query on `table`, ANDed (an empty list is `1`). */
export function filtersWhere(ctx: CompileContext, table: Table, opts: FilterOptions = {}): string {
  const parts: string[] = [];
  const eventLeaves: string[] = [];
  for (const f of ctx.q.filters) {
    if (f.kind === 'leaf' && opts.withoutGoals && (f.dim === 'event:goal' || propKey(f.dim) !== null)) continue;
    if (f.kind === 'leaf' && table === 'sessions' && opts.pageAsEntry && f.dim === 'event:page') {
      parts.push(leafOnTable(ctx, { ...f, dim: 'visit:entry_page' }, 'sessions'));
    } else if (f.kind === 'leaf' && table === 'sessions' && isEventDimension(f.dim)) {
      // Top-level event filters select sessions with one event matching all of them.
      eventLeaves.push(leafOnTable(ctx, f, 'events'));
    } else parts.push(filterOn(ctx, f, table));
  }
  if (eventLeaves.length) parts.push(sessionsWithEvents(ctx, eventLeaves.join(' AND ')));
  return parts.length ? parts.join(' AND ') : '1';
}

