import type { Goal } from '../store/repo.js';
import { sqlString } from '../store/sql.js';

/** The parts of a goal that decide which events complete it and how it is named. */
export type GoalDef = Pick<Goal, 'eventName' | 'pagePath'> & Partial<Pick<Goal, 'displayName' | 'props' | 'scrollThreshold'>>;

/** The name a goal gets when none is given, as Plausible names them: the event, `Visit <path>`, `Scroll <n>% on <path>`. */
export function defaultGoalName(g: GoalDef): string {
  if (g.eventName) return g.eventName;
  return (g.scrollThreshold ?? -1) >= 0 ? `Scroll ${g.scrollThreshold}% on ${g.pagePath}` : `Visit ${g.pagePath}`;
}

/** How a goal is shown, filtered on and grouped by: its display name, or the default name. */
export function goalDisplayName(g: GoalDef): string {
  return g.displayName || defaultGoalName(g);
}

const isScrollGoal = (g: GoalDef) => !g.eventName && (g.scrollThreshold ?? -1) >= 0;
/** A goal that the fast paths (one IN list of event names, one alternation of page patterns) cannot express. */
const isPlain = (g: GoalDef) => !g.props?.length && !isScrollGoal(g) && (!g.eventName || goalDisplayName(g) === g.eventName);

/** The custom-property conditions of a goal (each key present with exactly its value). */
function propsCondition(g: GoalDef): string {
  return (g.props ?? []).map(([k, v]) => ` AND has(meta.key, ${sqlString(k)}) AND meta.value[indexOf(meta.key, ${sqlString(k)})] = ${sqlString(v)}`).join('');
}

/**
 * One goal's condition on an events row. A scroll goal is completed by an engagement event on a matching page that
 * reached the threshold (255, not measured, is not a depth).
 */
export function goalCondition(g: GoalDef): string {
  if (g.eventName) return `(name = ${sqlString(g.eventName)}${propsCondition(g)})`;
  const page = `match(pathname, ${sqlString(pagePatternRegex(g.pagePath))})`;
  if (isScrollGoal(g)) return `(name = 'engagement' AND ${page} AND scroll_depth >= ${Math.trunc(g.scrollThreshold!)} AND scroll_depth <= 100${propsCondition(g)})`;
  return `(name = 'pageview' AND ${page}${propsCondition(g)})`;
}

/** Whether any of these goals is completed by engagement events (scroll goals): their rows must then be read. */
export function hasScrollGoals(goals: readonly GoalDef[]): boolean {
  return goals.some(isScrollGoal);
}

/**
 * A page path pattern as an RE2 regular expression (anchored): `**` matches anything, `*` anything but `/`,
 * everything else literally.
 */
export function pagePatternRegex(pattern: string): string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else out += /[\\^$.|?+()[\]{}]/.test(c) ? `\\${c}` : c;
  }
  return out + '$';
}

/** Why a goal definition is not valid, or null. */
export function goalError(g: { eventName: string; pagePath: string; currency: string; displayName?: string; props?: Array<[string, string]>; scrollThreshold?: number }): string | null {
  if (g.displayName !== undefined && (g.displayName.length > 120 || g.displayName.trim() !== g.displayName)) return 'a display name has at most 120 characters, no surrounding spaces';
  if ((g.props?.length ?? 0) > 10) return 'a goal has at most 10 custom-property conditions';
  for (const [k, v] of g.props ?? []) if (!k || k.length > 300 || v.length > 2000) return 'a custom-property condition is key=value (a key of 1 to 300 characters, a value up to 2000)';
  const st = g.scrollThreshold ?? -1;
  if (!Number.isInteger(st) || st < -1 || st > 100) return 'a scroll threshold is a whole percentage from 1 to 100';
  if (st >= 0 && !g.pagePath) return 'only page goals can have a scroll threshold';
  if (!!g.eventName === !!g.pagePath) return 'a goal is either an event (--event <name>) or a page (--page <path pattern>)';
  if (g.eventName && (g.eventName.length > 120 || g.eventName.trim() !== g.eventName)) return 'an event name has 1 to 120 characters, no surrounding spaces';
  if (g.eventName === 'pageview' || g.eventName === 'engagement') return `"${g.eventName}" is not a custom event; use --page for pageviews`;
  if (g.pagePath && (!g.pagePath.startsWith('/') || g.pagePath.length > 2000)) return 'a page path pattern starts with / (use * and ** as wildcards)';
  if (g.currency) {
    if (!g.eventName) return 'only event goals can have a revenue currency';
    if (!/^[A-Z]{3}$/.test(g.currency) || !Intl.supportedValuesOf('currency').includes(g.currency)) return `unknown currency ${JSON.stringify(g.currency)} (an ISO 4217 code such as EUR)`;
  }
  return null;
}


/**
 * SQL condition on an events row: it completes at least one of these goals. One `IN` list for the event goals and
 * one regular expression (an alternation) for the page goals, so that the text grows by a goal's own name or
 * pattern only.
 */
export function anyGoalCondition(goals: readonly GoalDef[]): string {
  const plain = goals.filter(isPlain);
  const names = plain.filter((g) => g.eventName).map((g) => sqlString(g.eventName));
  const pages = plain.filter((g) => !g.eventName).map((g) => `(?:${pagePatternRegex(g.pagePath)})`);
  const parts: string[] = [];
  if (names.length) parts.push(`name IN (${names.join(', ')})`);
  if (pages.length) parts.push(`(name = 'pageview' AND match(pathname, ${sqlString(pages.join('|'))}))`);
  for (const g of goals) if (!isPlain(g)) parts.push(goalCondition(g));
  return parts.length ? `(${parts.join(' OR ')})` : '0';
}

/** SQL array of the display names of the goals (of these) an events row completes; empty when none. */
export function completedGoalsExpr(goals: readonly GoalDef[]): string {
  const plain = goals.filter(isPlain);
  const names = plain.filter((g) => g.eventName).map((g) => sqlString(g.eventName));
  const pages = plain.filter((g) => !g.eventName);
  const others = goals.filter((g) => !isPlain(g));
  const parts: string[] = [];
  // a plain event goal's display name is its event name
  if (names.length) parts.push(`if(name IN (${names.join(', ')}), [name], emptyArrayString())`);
  if (pages.length) {
    const each = pages.map((g) => `if(match(pathname, ${sqlString(pagePatternRegex(g.pagePath))}), ${sqlString(goalDisplayName(g))}, '')`);
    parts.push(`if(name = 'pageview', arrayFilter(x -> x != '', [${each.join(', ')}]), emptyArrayString())`);
  }
  if (others.length) {
    const each = others.map((g) => `if(${goalCondition(g)}, ${sqlString(goalDisplayName(g))}, '')`);
    parts.push(`arrayFilter(x -> x != '', [${each.join(', ')}])`);
  }
  if (parts.length === 0) return 'emptyArrayString()';
  return parts.length === 1 ? parts[0]! : `arrayConcat(${parts.join(', ')})`;
}

/**
 * The SQL text a site's goals add to one statement at most (a goal breakdown with a goal filter holds both forms).
 * The Stats API's statements must stay within the engine's `max_query_size` whatever the goals: a site's goals
 * are bounded by this at creation (GOALS_SQL_MAX_BYTES).
 */
export function goalsSqlBytes(goals: readonly GoalDef[]): number {
  return Buffer.byteLength(completedGoalsExpr(goals)) + Buffer.byteLength(anyGoalCondition(goals));
}

/** What a site's goals may add to a statement (see goalsSqlBytes): a quarter of the engine's 256 KiB. */
export const GOALS_SQL_MAX_BYTES = 64 * 1024;
