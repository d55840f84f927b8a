import type { Goal } from '../store/repo.js';
import { sqlString } from '../store/sql.js';

/** How Plausible shows a goal: the event name, or `Visit <path pattern>` for a pageview goal. */
export function goalDisplayName(g: Pick<Goal, 'eventName' | 'pagePath'>): string {
  return g.eventName ? g.eventName : `Visit ${g.pagePath}`;
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
export function goalError(g: { eventName: string; pagePath: string; currency: string }): string | null {
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

type GoalDef = Pick<Goal, 'eventName' | 'pagePath'>;

/**
 * SQL condition on an events row: it completes at least one of these goals. One `IN` list for the event goals and
 * one regular expression (an alternation) for the page goals, so that the text grows by a goal's own name or
 * pattern only.
 */
export function anyGoalCondition(goals: readonly GoalDef[]): string {
  const names = goals.filter((g) => g.eventName).map((g) => sqlString(g.eventName));
  const pages = goals.filter((g) => !g.eventName).map((g) => `(?:${pagePatternRegex(g.pagePath)})`);
  const parts: string[] = [];
  if (names.length) parts.push(`name IN (${names.join(', ')})`);
  if (pages.length) parts.push(`(name = 'pageview' AND match(pathname, ${sqlString(pages.join('|'))}))`);
  return parts.length ? `(${parts.join(' OR ')})` : '0';
}

/** SQL array of the display names of the goals (of these) an events row completes; empty when none. */
export function completedGoalsExpr(goals: readonly GoalDef[]): string {
  const names = goals.filter((g) => g.eventName).map((g) => sqlString(g.eventName));
  const pages = goals.filter((g) => !g.eventName);
  const parts: string[] = [];
  // an event goal's display name is its event name
  if (names.length) parts.push(`if(name IN (${names.join(', ')}), [name], emptyArrayString())`);
  if (pages.length) {
    const each = pages.map((g) => `if(match(pathname, ${sqlString(pagePatternRegex(g.pagePath))}), ${sqlString(goalDisplayName(g))}, '')`);
    parts.push(`if(name = 'pageview', arrayFilter(x -> x != '', [${each.join(', ')}]), emptyArrayString())`);
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
