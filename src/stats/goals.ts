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

/** SQL condition on an events row: the row completes this goal. */
export function goalCondition(g: Pick<Goal, 'eventName' | 'pagePath'>): string {
  return g.eventName ? `name = ${sqlString(g.eventName)}` : `(name = 'pageview' AND match(pathname, ${sqlString(pagePatternRegex(g.pagePath))}))`;
}
