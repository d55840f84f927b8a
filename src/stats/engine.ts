import type { SqlBackend } from '../store/backend.js';
import { MAX_QUERY_BYTES, sqlString, sqlUInt } from '../store/sql.js';
import { timeLabels } from './dates.js';
import { comparisonQuery, mainQuery, mergeComparison } from './comparisons.js';
import { channelExpression, channelOf } from './channel.js';
import { baseWhere, dimensionExpr, filtersWhere, goalPresence, goalsInScope, presenceCondition, resolveChannels, resolveCityNames, type ChannelCombo, type CompileContext, type FilterOptions, type Places, type Table } from './compile.js';
import { anyGoalCondition, goalDisplayName } from './goals.js';
import { orderRows } from './order.js';
import { withImports, type ImportSpan } from './imported.js';
import { ImportsRepo } from '../store/imports-repo.js';
import { EVENT_METRICS, isEventDimension, leaves, propKey, QueryError, SESSION_METRICS, SESSION_ONLY_DIMENSIONS, type Metric, type Query } from './query.js';

/**
 * Stages 2, 4 and 5 of the Stats API: plan which queries a `Query` needs (events, sessions, engagement, totals),
 * run them (in parallel), and shape Plausible's response. Results of several queries are merged by their
 * dimension values in TypeScript; ordering, pagination and time labels are done here too.
 */

type Row = Record<string, unknown>;
type Value = number | null | RevenueValue;
interface RevenueValue {
  value: number;
  currency: string;
  short: string;
  long: string;
}

export interface StatsResult {
  results: Array<{ metrics: Value[]; dimensions: Array<string | number> }>;
  meta: Record<string, unknown>;
  query: Record<string, unknown>;
}

/** One SQL query of a plan: what it selects (raw aggregates by alias) grouped by the query's dimensions. */
interface Part {
  table: Table;
  /** alias → aggregate SQL */
  aggregates: Record<string, string>;
  where: string;
  dims: string[];
  /** Engagement rows only (time on page, scroll depth); otherwise engagement events are left out. */
  engagement?: boolean;
  /** Scroll depth: the per-session maximum first. */
  perSession?: boolean;
  /** Only the first rows in this order (`ORDER BY … LIMIT n`): see `topInSql`. */
  top?: { orderBy: string; limit: number };
}

/** Dimensions whose shown value is not the grouped value, or whose rows the engine drops or looks up again. */
const NOT_ORDERED_IN_SQL = new Set(['visit:channel', 'visit:country_name', 'visit:region_name', 'visit:city_name', 'visit:city', 'event:goal']);

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/** Rounds half away from zero to `digits` decimals. */
function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f + Number.EPSILON)) / f;
}

/**
 * A revenue value as Plausible answers it: the amount at the stored precision (Decimal64(3); an average is cut, not
 * rounded, to it), the full form and a compact form whose last digit is rounded half to even.
 */
function formatMoney(value: number, currency: string): RevenueValue {
  const exact = Math.trunc(Math.round(value * 1e6) / 1e3) / 1e3;
  const long = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(exact);
  const short = new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1, roundingMode: 'halfEven' } as Intl.NumberFormatOptions).format(exact);
  return { value: exact, currency, short, long };
}

/** The columns that decide a visit's channel, and their hash (cheaper per row than a string key). */
const CHANNEL_COLUMNS = ['referrer_source', 'utm_source', 'utm_medium', 'utm_campaign', 'click_id_param'];
const CHANNEL_HASH = `cityHash64(${CHANNEL_COLUMNS.join(', ')})`;
/** What a combination missing from a site's known ones maps to (no channel is called so). */
const UNKNOWN_CHANNEL = '(not a channel)';
/** Combinations remembered per site at most (their channels are a pure function of them: never stale). */
const MAX_KNOWN_COMBOS = 1_500; // ≈ 36 bytes each: they fit CHANNEL_LIST_MAX_BYTES

/** The text a list of combinations may take in a statement (a quarter of the engine's 256 KiB `max_query_size`). */
const CHANNEL_LIST_MAX_BYTES = 64 * 1024;

/** The channel of each listed combination as a lookup; null when the list would take more than CHANNEL_LIST_MAX_BYTES. */
function channelTransform(hashes: string[], channels: string[], otherwise: string): string | null {
  const sql = `transform(${CHANNEL_HASH}, [${hashes.join(', ')}], [${channels.map(sqlString).join(', ')}], ${sqlString(otherwise)})`;
  return sql.length > CHANNEL_LIST_MAX_BYTES ? null : sql;
}

export class StatsEngine {
  /** Per site, the (source, UTM tags, click id) combinations seen in its queries, by hash, with their channel. */
  private readonly channelsBySite = new Map<number, Map<string, string>>();

  constructor(
    private readonly backend: SqlBackend,
    private readonly db: string,
    private readonly places: Places,
  ) {}

  /** The site's first day with events (`YYYY-MM-DD` in its zone), for `date_range: "all"`. */
  async statsStart(siteId: number, tz: string): Promise<string | null> {
    const [r] = await this.backend.queryRows<{ d: string; n: string }>(
      `SELECT toString(toDate(min(timestamp), '${tz.replace(/[^A-Za-z0-9_+\-/]/g, '')}')) AS d, count() AS n FROM ${this.db}.events WHERE site_id = ${sqlUInt(siteId)}`,
    );
    return r && Number(r.n) > 0 ? r.d : null;
  }

  /** The custom property keys of a site's events in `[fromMs, toMs)`, most used first (the dashboard's key picker). */
  async propKeys(siteId: number, fromMs: number, toMs: number, limit = 100, eventNames: string[] = []): Promise<string[]> {
    // with event names (a goal filter's events): the keys of those events only
    const names = eventNames.length ? ` AND name IN (${eventNames.map(sqlString).join(', ')})` : '';
    const rows = await this.backend.queryRows<{ k: string }>(
      `SELECT k FROM (SELECT arrayJoin(meta.key) AS k FROM ${this.db}.events
       WHERE site_id = ${sqlUInt(siteId)} AND timestamp >= toDateTime(${sqlUInt(Math.floor(fromMs / 1000))}, 'UTC') AND timestamp < toDateTime(${sqlUInt(Math.ceil(toMs / 1000))}, 'UTC') AND name != 'engagement'${names})
       GROUP BY k ORDER BY count() DESC, k LIMIT ${sqlUInt(limit)}`,
    );
    return rows.map((r) => r.k);
  }

  /**
   * Runs one generated statement. Every part whose text grows with data (goals, channel lists, place names) is
   * bounded where it is made; what is left to grow is the request's own values, so a statement beyond the engine's
   * `max_query_size` is the request's fault: 400, naming what to narrow.
   */
  private read<T>(sql: string): Promise<T[]> {
    const bytes = Buffer.byteLength(sql);
    if (bytes > MAX_QUERY_BYTES) {
      throw new QueryError(`Invalid filters. The query is too large for the store (${Math.ceil(bytes / 1024)} KiB of SQL, at most ${MAX_QUERY_BYTES / 1024} KiB): use fewer or shorter filter values.`);
    }
    return this.backend.queryRows<T>(sql);
  }

  private sql(ctx: CompileContext, p: Part, channels?: string): string {
    const dimSelect = p.dims.map((d, i) => `${d === 'visit:channel' && channels ? channels : dimensionExpr(ctx, d, p.table)} AS d${i}`);
    const groupBy = p.dims.map((_, i) => `d${i}`);
    const where = [baseWhere(ctx, p.table), p.where, ...presenceCondition(p.dims)];
    if (p.table === 'events') where.push(p.engagement ? "name = 'engagement'" : this.nonEngagement(ctx.q));
    if (p.table === 'events' && p.dims.includes('event:goal')) where.push(goalPresence(ctx.q));
    if (p.perSession) {
      // scroll depth: per session (and dimension group) the deepest scroll (255 = not measured), then the average
      where.push('scroll_depth <= 100');
      const inner = `SELECT ${[...dimSelect, 'session_id', 'max(scroll_depth) AS m'].join(', ')} FROM ${ctx.db}.events WHERE ${where.join(' AND ')} GROUP BY ${[...groupBy, 'session_id'].join(', ')}`;
      const outerDims = p.dims.map((_, i) => `d${i}`);
      return `SELECT ${[...outerDims, 'sum(m) AS sd_sum', 'count() AS sd_n'].join(', ')} FROM (${inner})${outerDims.length ? ` GROUP BY ${outerDims.join(', ')}` : ''}`;
    }
    // Aliases get a prefix so that none shadows a column (`sum(sign * pageviews) AS pageviews` would nest).
    const select = [...dimSelect, ...Object.entries(p.aggregates).map(([a, e]) => `${e} AS a_${a}`)];
    let sql = `SELECT ${select.join(', ')} FROM ${ctx.db}.${p.table} WHERE ${where.join(' AND ')}`;
    if (groupBy.length) sql += ` GROUP BY ${groupBy.join(', ')}`;
    if (p.table === 'sessions' && groupBy.length) sql += ` HAVING sum(sign) > 0`;
    if (p.top && groupBy.length) sql += ` ORDER BY ${p.top.orderBy} LIMIT ${sqlUInt(p.top.limit)}`;
    return sql;
  }

  /**
   * `visit:channel` as a grouping key: the channel of each distinct (source, UTM tags, click id) combination of the
   * range, computed here by the same rules as the SQL expression, then looked up per row with `transform` — the
   * full expression costs ≈ 0.75 µs a row plus ≈ 15 ms to prepare, 150 ms for a month of a busy site.
   */
  private async channelLookup(ctx: CompileContext, table: Table): Promise<string> {
    const combos = await this.channelCombos(ctx, [table]);
    if (!combos) return channelExpression(); // too many to list: evaluate per row
    const listed = combos.filter((c) => c.channel !== 'Direct'); // Direct is the default
    if (!listed.length) return `'Direct'`;
    return channelTransform(listed.map((c) => c.hash), listed.map((c) => c.channel), 'Direct') ?? channelExpression(); // too long to list: evaluate per row
  }

  /**
   * The (source, UTM tags, click id) combinations of the range on these tables, by hash, with their channel (computed
   * here by the rules of the SQL expression), remembered per site; null when there are too many to list.
   */
  private async channelCombos(ctx: CompileContext, tables: readonly Table[]): Promise<ChannelCombo[] | null> {
    const from = tables.map((t) => `SELECT ${CHANNEL_COLUMNS.join(', ')} FROM ${ctx.db}.${t} WHERE ${baseWhere(ctx, t)}`);
    const rows = await this.read<Record<string, string>>(
      `SELECT ${CHANNEL_COLUMNS.join(', ')}, toString(${CHANNEL_HASH}) AS h FROM (${from.join(' UNION ALL ')}) GROUP BY ${CHANNEL_COLUMNS.join(', ')} LIMIT 100001`,
    );
    if (rows.length > 100_000) return null;
    let known = this.channelsBySite.get(ctx.q.site.id);
    if (!known) this.channelsBySite.set(ctx.q.site.id, (known = new Map()));
    const out: ChannelCombo[] = [];
    for (const c of rows) {
      if (!/^\d+$/.test(c.h ?? '')) continue;
      const channel = channelOf(c.referrer_source ?? '', c.utm_source ?? '', c.utm_medium ?? '', c.utm_campaign ?? '', c.click_id_param ?? '');
      if (known.size < MAX_KNOWN_COMBOS) known.set(c.h!, channel);
      out.push({ hash: c.h!, channel });
    }
    return out;
  }

  private async run(ctx: CompileContext, p: Part): Promise<Map<string, Row>> {
    let channels: string | undefined;
    let rows: Row[];
    const channelAt = p.dims.indexOf('visit:channel');
    // A site's combinations seen before are looked up at once (one statement instead of two); a combination not
    // among them comes back as UNKNOWN_CHANNEL, and then the range's combinations are read and the query run again.
    const known = channelAt >= 0 ? this.channelsBySite.get(ctx.q.site.id) : undefined;
    const knownLookup = known && known.size > 0 ? channelTransform([...known.keys()], [...known.values()], UNKNOWN_CHANNEL) : null;
    if (knownLookup) {
      rows = await this.read<Row>(this.sql(ctx, p, knownLookup));
      if (rows.some((r) => r[`d${channelAt}`] === UNKNOWN_CHANNEL)) rows = await this.read<Row>(this.sql(ctx, p, await this.channelLookup(ctx, p.table)));
    } else {
      if (channelAt >= 0) channels = await this.channelLookup(ctx, p.table);
      rows = await this.read<Row>(this.sql(ctx, p, channels));
    }
    const out = new Map<string, Row>();
    for (const raw of rows) {
      const r: Row = {};
      for (const [k, v] of Object.entries(raw)) r[k.startsWith('a_') ? k.slice(2) : k] = v;
      const dims = p.dims.map((_, i) => r[`d${i}`]);
      if (p.dims.includes('event:goal') && dims[p.dims.indexOf('event:goal')] === '') continue;
      out.set(JSON.stringify(dims.map((v) => (typeof v === 'number' ? v : String(v)))), r);
    }
    if (p.dims.length === 0 && out.size === 0) out.set('[]', {});
    return out;
  }

  async query(q: Query): Promise<StatsResult> {
    if (q.comparison) {
      const [main, other] = await Promise.all([this.query(mainQuery(q)), this.query(comparisonQuery(q))]);
      return mergeComparison(q, main, other);
    }
    if (q.include.imports) {
      return withImports(q, { backend: this.backend, db: this.db, imports: (id) => this.importSpans(id), display: (d, v, query) => this.display(d, v, query) }, (nq) => this.native(nq));
    }
    return this.native(q);
  }

  private readonly spans = new Map<number, { at: number; spans: Promise<ImportSpan[]> }>();
  /** Forgets the site's imports read before (an import completed or was removed). */
  importsChanged(siteId: number): void {
    this.spans.delete(siteId);
  }

  /** The site's completed imports of daily aggregates (read again after 2 s, or at once after `importsChanged`). */
  importSpans(siteId: number): Promise<ImportSpan[]> {
    const hit = this.spans.get(siteId);
    if (hit && Date.now() - hit.at < 2000) return hit.spans;
    const spans = new ImportsRepo(this.backend, this.db)
      .list(siteId)
      .then((list) => list.filter((i) => i.status === 'completed' && i.source === 'plausible_csv' && i.startDate).map((i) => ({ id: i.id, startDate: i.startDate, endDate: i.endDate })));
    this.spans.set(siteId, { at: Date.now(), spans });
    spans.catch(() => this.spans.delete(siteId));
    return spans;
  }

  /** The answer from native data (events and sessions) alone. */
  private async native(q: Query): Promise<StatsResult> {
    // City names are loaded when a query first needs them (≈ 50 MB, built on a worker thread in about a second).
    if (this.places.warmUp && JSON.stringify(q).includes('visit:city')) await this.places.warmUp();
    const ctx: CompileContext = { db: this.db, q, places: this.places };
    if (leaves(q.filters).some((l) => l.leaf.dim === 'visit:city_name')) {
      ctx.cityConditions = await resolveCityNames(ctx, async () => {
        const both = (['events', 'sessions'] as const).map((t) => `SELECT city_geoname_id FROM ${this.db}.${t} WHERE ${baseWhere(ctx, t)} AND city_geoname_id != 0`);
        const rows = await this.read<{ c: string | number }>(`SELECT DISTINCT city_geoname_id AS c FROM (${both.join(' UNION ALL ')})`);
        return rows.map((r) => Number(r.c));
      });
    }
    if (leaves(q.filters).some((l) => l.leaf.dim === 'visit:channel')) {
      const combos = await this.channelCombos(ctx, ['events', 'sessions']);
      if (combos) ctx.channelConditions = resolveChannels(ctx, combos, CHANNEL_HASH, CHANNEL_LIST_MAX_BYTES);
    }
    const { metrics, dimensions } = q;
    const warnings: Record<string, { code: string; warning: string }> = {};

    // Plan: which table serves the metrics that both tables can answer.
    const all = leaves(q.filters);
    const eventSide =
      dimensions.some(isEventDimension) ||
      metrics.some((m) => EVENT_METRICS.has(m)) ||
      all.some((l) => isEventDimension(l.leaf.dim) && !l.behavioral);
    const sessionSide = metrics.some((m) => SESSION_METRICS.has(m)) || dimensions.some((d) => SESSION_ONLY_DIMENSIONS.has(d));
    // Over time buckets the counts come from events whenever they can (a time series shows the same visitors whatever
    // other metrics are asked); session-only dimensions need the sessions table.
    const sessionDims = dimensions.some((d) => SESSION_ONLY_DIMENSIONS.has(d));
    // A session-only dimension (entry or exit page) groups sessions: event filters then select the sessions with a
    // matching event (as Plausible's dashboard shows the entry pages of the visits that viewed a filtered page).
    const eitherTable: Table = sessionDims ? 'sessions' : eventSide || !sessionSide || q.interval !== null ? 'events' : 'sessions';

    const parts: Array<{ name: string; part: Part }> = [];
    const ev: Record<string, string> = {};
    const se: Record<string, string> = {};
    const either = (alias: string, events: string, sessions: string) => (eitherTable === 'events' ? (ev[alias] = events) : (se[alias] = sessions));
    for (const m of metrics) {
      if (m === 'visitors' || m === 'percentage' || m === 'conversion_rate' || m === 'group_conversion_rate') {
        if (EVENT_METRICS.has(m)) ev.visitors = 'uniq(user_id)';
        else either('visitors', 'uniq(user_id)', 'uniq(user_id)');
      } else if (m === 'visits') either('visits', 'uniq(session_id)', 'sum(sign)');
      else if (m === 'pageviews') either('pageviews', "countIf(name = 'pageview')", 'sum(sign * pageviews)');
      else if (m === 'events') ev.events = "countIf(name != 'engagement')"; // engagement rows are read for scroll goals only
      else if (m === 'total_revenue' || m === 'average_revenue') {
        const cur = this.revenueCurrencyExpr(q);
        const amount = 'toFloat64(assumeNotNull(revenue_source_amount))';
        const cond = `isNotNull(revenue_source_amount) AND revenue_source_currency = ${cur}`;
        ev.rev_sum = `sumIf(${amount}, ${cond})`;
        ev.rev_n = `countIf(${cond})`;
      } else if (m === 'views_per_visit') {
        se.n = 'sum(sign)';
        se.pv = 'sum(sign * pageviews)';
      } else if (m === 'exit_rate') se.exits = 'sum(sign)';
      else if (m === 'visit_duration') {
        se.n = 'sum(sign)';
        se.dur = 'sum(sign * duration)';
      }
    }
    const dims = dimensions;
    // With a top-level page filter, bounce rate counts the sessions that entered on that page (a query of its own);
    // otherwise it comes with the other session metrics.
    const pageAsEntry = q.filters.some((f) => f.kind === 'leaf' && f.dim === 'event:page');
    const bouncePart = metrics.includes('bounce_rate') ? (pageAsEntry || dims.includes('event:page') ? 'bounce' : 'sessions') : null;
    if (bouncePart === 'sessions') {
      se.bn = 'sum(sign)';
      se.bb = 'sum(sign * is_bounce)';
    }
    if (Object.keys(ev).length) parts.push({ name: 'events', part: { table: 'events', aggregates: ev, where: filtersWhere(ctx, 'events'), dims } });
    if (Object.keys(se).length) parts.push({ name: 'sessions', part: { table: 'sessions', aggregates: se, where: filtersWhere(ctx, 'sessions'), dims } });
    if (bouncePart === 'bounce') {
      parts.push({ name: 'bounce', part: { table: 'sessions', aggregates: { bn: 'sum(sign)', bb: 'sum(sign * is_bounce)' }, where: filtersWhere(ctx, 'sessions', { pageAsEntry }), dims } });
    }
    if (metrics.includes('exit_rate')) {
      // exits from a page over its pageviews: visits that left there, and the page's pageviews under the same
      // filters but those on the exit page (Plausible's exit rate)
      const rest = { ...ctx, q: { ...q, filters: q.filters.filter((f) => !(f.kind === 'leaf' && f.dim === 'visit:exit_page')) } };
      parts.push({ name: 'exit_pv', part: { table: 'events', aggregates: { pv: "countIf(name = 'pageview')" }, where: filtersWhere(rest, 'events'), dims: ['event:page'] } });
    }
    if (metrics.includes('time_on_page')) {
      parts.push({ name: 'top', part: { table: 'events', aggregates: { top_t: 'sum(engagement_time)', top_s: 'uniq(session_id)' }, where: filtersWhere({ ...ctx, engagementAsPageview: true }, 'events'), dims, engagement: true } });
    }
    if (metrics.includes('scroll_depth')) {
      parts.push({ name: 'scroll', part: { table: 'events', aggregates: {}, where: filtersWhere({ ...ctx, engagementAsPageview: true }, 'events'), dims, engagement: true, perSession: true } });
    }
    // Totals: visitors without dimensions (percentage), without goal and prop filters (conversion rate), per
    // group of the other dimensions without goal and prop filters (group conversion rate).
    const visitorsTable: Table = ev.visitors ? 'events' : 'sessions';
    if (metrics.includes('percentage') && dims.length > 0) {
      parts.push({ name: 'total', part: { table: visitorsTable, aggregates: { visitors: 'uniq(user_id)' }, where: filtersWhere(ctx, visitorsTable), dims: [] } });
    }
    const noGoals: FilterOptions = { withoutGoals: true };
    if (metrics.includes('conversion_rate')) {
      parts.push({ name: 'cr_total', part: { table: 'events', aggregates: { visitors: 'uniq(user_id)' }, where: filtersWhere(ctx, 'events', noGoals), dims: [] } });
    }
    const groupDims = dims.filter((d) => d !== 'event:goal' && propKey(d) === null);
    if (metrics.includes('group_conversion_rate')) {
      parts.push({ name: 'gcr_total', part: { table: 'events', aggregates: { visitors: 'uniq(user_id)' }, where: filtersWhere(ctx, 'events', noGoals), dims: groupDims } });
    }

    this.topInSql(q, parts);
    const results = await Promise.all(parts.map(async (p) => [p.name, await this.run(ctx, p.part)] as const));
    const byName = new Map(results);
    const dimParts = results.filter(([name]) => !['total', 'cr_total', 'gcr_total', 'exit_pv'].includes(name));

    // Merge by dimension values.
    const keys = new Map<string, Array<string | number>>();
    for (const [, rows] of dimParts) for (const k of rows.keys()) if (!keys.has(k)) keys.set(k, JSON.parse(k) as Array<string | number>);
    const get = (name: string, key: string): Row | undefined => byName.get(name)?.get(key);
    const totalVisitors = num(get('total', '[]')?.visitors);
    const crTotal = num(get('cr_total', '[]')?.visitors);
    const goalIdx = dims.indexOf('event:goal');
    const revenueOk = this.revenueWarning(q, warnings);

    type Out = { dimensions: Array<string | number>; metrics: Value[] };
    let rows: Out[] = [];
    for (const [key, dimValues] of keys) {
      const e = get('events', key) ?? {};
      const s = get('sessions', key) ?? {};
      const src = eitherTable === 'events' ? e : s;
      const values: Value[] = metrics.map((m): Value => {
        switch (m) {
          case 'visitors':
            return num((ev.visitors ? e : s).visitors);
          case 'visits':
            return num(src.visits);
          case 'pageviews':
            return num(src.pageviews);
          case 'events':
            return num(e.events);
          case 'views_per_visit':
            return num(s.n) > 0 ? round(num(s.pv) / num(s.n), 2) : 0;
          case 'visit_duration':
            return num(s.n) > 0 ? round(num(s.dur) / num(s.n)) : null;
          case 'bounce_rate': {
            const b = get(bouncePart!, key);
            return b && num(b.bn) > 0 ? Math.max(0, round((num(b.bb) / num(b.bn)) * 100)) : 0;
          }
          case 'percentage': {
            const v = num((ev.visitors ? e : s).visitors);
            if (dims.length === 0) return v > 0 ? 100 : null;
            return totalVisitors > 0 ? round((v / totalVisitors) * 100, 1) : null;
          }
          case 'conversion_rate':
            return crTotal > 0 ? round((num(e.visitors) / crTotal) * 100, 2) : 0;
          case 'group_conversion_rate': {
            const gk = JSON.stringify(groupDims.map((d) => dimValues[dims.indexOf(d)]));
            const t = num(get('gcr_total', gk)?.visitors);
            return t > 0 ? round((num(e.visitors) / t) * 100, 2) : 0;
          }
          case 'exit_rate': {
            const pv = num(get('exit_pv', key)?.pv);
            return pv > 0 ? Math.min(100, round((num(s.exits) / pv) * 100, 1)) : null;
          }
          case 'time_on_page': {
            const t = get('top', key);
            return t && num(t.top_s) > 0 ? round(num(t.top_t) / 1000 / num(t.top_s)) : null;
          }
          case 'scroll_depth': {
            const sd = get('scroll', key);
            return sd && num(sd.sd_n) > 0 ? round(num(sd.sd_sum) / num(sd.sd_n)) : null;
          }
          case 'total_revenue':
          case 'average_revenue': {
            const cur = this.rowCurrency(q, goalIdx >= 0 ? String(dimValues[goalIdx]) : null);
            if (!revenueOk || !cur) return null;
            const sum = num(e.rev_sum);
            const n = num(e.rev_n);
            if (m === 'average_revenue') return formatMoney(n > 0 ? sum / n : 0, cur);
            return formatMoney(sum, cur);
          }
        }
      });
      rows.push({ metrics: values, dimensions: dimValues.map((v, i) => this.display(dims[i]!, v, q)) });
    }
    // Rows present only in a secondary query (e.g. sessions without matching events) are kept; empty groups of a
    // dimension-less query are one row.

    rows = orderRows(q, rows);
    const totalRows = rows.length;
    rows = rows.slice(q.pagination.offset, q.pagination.offset + q.pagination.limit);

    const meta: Record<string, unknown> = {};
    if (q.include.imports) meta.imports_included = false;
    if (Object.keys(warnings).length) meta.metric_warnings = warnings;
    if (q.include.time_labels && q.interval) meta.time_labels = timeLabels(q.interval, q.range.fromMs, q.range.toMs, q.site.timezone);
    if (q.include.total_rows) meta.total_rows = totalRows;
    const include: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(q.include)) if (v) include[k] = true;
    return {
      results: rows,
      meta: Object.fromEntries(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : 1))),
      query: {
        site_id: q.site.domain,
        metrics,
        date_range: q.range.echo,
        filters: q.rawFilters,
        dimensions,
        order_by: q.orderBy,
        include,
        pagination: q.pagination,
      },
    };
  }

  /**
   * Lets the engine order and cut a breakdown when one query holds all its groups and the order is on what that
   * query selects (a dimension, or visitors, visits, pageviews, events): only the rows up to the page's end come
   * back, instead of every group of the range (a site's every page, say) to be sorted here. The rows are then
   * ordered here as always. Not for time buckets (all are shown), dimensions shown as something else than what is
   * grouped (names looked up, channels), goals, or `total_rows` (which counts every group).
   */
  private topInSql(q: Query, parts: Array<{ name: string; part: Part }>): void {
    const dims = q.dimensions;
    if (dims.length === 0 || q.include.total_rows || q.interval !== null) return;
    if (dims.some((d) => d.startsWith('time') || NOT_ORDERED_IN_SQL.has(d))) return;
    const withDims = parts.filter((p) => p.part.dims.length > 0);
    if (withDims.length !== 1 || withDims[0]!.part.perSession) return;
    const part = withDims[0]!.part;
    const keys: string[] = [];
    for (const [name, dir] of [...q.orderBy, ...dims.map((d) => [d, 'asc'] as [string, 'asc' | 'desc'])]) {
      const di = dims.indexOf(name);
      if (di >= 0) keys.push(`d${di} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
      else if (['visitors', 'visits', 'pageviews', 'events'].includes(name) && part.aggregates[name]) keys.push(`a_${name} ${dir === 'asc' ? 'ASC' : 'DESC'}`);
      else return;
    }
    part.top = { orderBy: keys.join(', '), limit: q.pagination.offset + q.pagination.limit };
  }

  /**
   * The rows of a non-engagement part: every event but engagement events, except those that complete a scroll
   * goal the query is about (a goal dimension or filter).
   */
  private nonEngagement(q: Query): string {
    const aboutGoals = q.dimensions.includes('event:goal') || leaves(q.filters).some((l) => l.leaf.dim === 'event:goal');
    const scroll = aboutGoals ? goalsInScope(q).filter((g) => !g.eventName && g.scrollThreshold >= 0) : [];
    return scroll.length ? `(name != 'engagement' OR ${anyGoalCondition(scroll)})` : "name != 'engagement'";
  }

  /** A dimension value as results show it: place names, week labels not before the range, cities as numbers. */
  private display(dim: string, v: string | number, q: Query): string | number {
    switch (dim) {
      case 'visit:country_name':
        return this.places.countryName(String(v)) || String(v);
      case 'visit:region_name':
        return this.places.regionName(String(v)) || String(v);
      case 'visit:city_name':
        return this.places.cityName(Number(v)) || String(v);
      case 'visit:city':
        return Number(v);
      case 'time:week': {
        const first = timeLabels('week', q.range.fromMs, q.range.toMs, q.site.timezone)[0] ?? String(v);
        return String(v) < first ? first : String(v);
      }
      default:
        return typeof v === 'number' ? String(v) : v;
    }
  }

  /** The currency of a result row's revenue: its goal's (goal dimension), else the one currency of the goals in scope. */
  private rowCurrency(q: Query, goalName: string | null): string | null {
    const goals = goalName !== null ? q.goals.filter((g) => goalDisplayName(g) === goalName) : goalsInScope(q);
    const currencies = new Set(goals.map((g) => g.currency).filter(Boolean));
    return currencies.size === 1 ? [...currencies][0]! : null;
  }

  private revenueCurrencyExpr(q: Query): string {
    if (q.dimensions.includes('event:goal')) {
      const goals = goalsInScope(q).filter((g) => g.currency);
      const names = goals.map((g) => `'${goalDisplayName(g).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
      const curs = goals.map((g) => `'${g.currency}'`);
      const idx = q.dimensions.indexOf('event:goal');
      return goals.length ? `transform(d${idx}, [${names.join(', ')}], [${curs.join(', ')}], '')` : "''";
    }
    const cur = this.rowCurrency(q, null);
    return cur ? `'${cur}'` : "''";
  }

  /** Adds Plausible's revenue warnings; false when revenue cannot be reported at all. */
  private revenueWarning(q: Query, warnings: Record<string, { code: string; warning: string }>): boolean {
    const wanted = q.metrics.filter((m) => m === 'total_revenue' || m === 'average_revenue');
    if (wanted.length === 0) return true;
    const inScope = q.dimensions.includes('event:goal') || q.filters.some((f) => f.kind === 'leaf' && f.dim === 'event:goal') ? goalsInScope(q) : [];
    const revenueGoals = inScope.filter((g) => g.currency);
    let w: { code: string; warning: string } | null = null;
    // (`revenue_goals_unavailable` is Plausible's answer to a plan without revenue metrics: Footfall has no plans)
    if (revenueGoals.length === 0) w = { code: 'no_revenue_goals_matching', warning: 'Revenue metrics are null as there are no matching revenue goals.' };
    else if (!q.dimensions.includes('event:goal') && new Set(revenueGoals.map((g) => g.currency)).size > 1) {
      w = { code: 'no_single_revenue_currency', warning: 'Revenue metrics are null as there are multiple currencies for the selected event:goals.' };
    }
    if (w) for (const m of wanted) warnings[m] = w;
    return w === null || w.code === 'no_single_revenue_currency' ? w === null : false;
  }
}
