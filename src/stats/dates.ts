/**
 * Calendar arithmetic in a site's time zone, without a date library: IANA zones through Intl, dates as
 * `YYYY-MM-DD` strings, instants as epoch milliseconds. Quarter-hour offsets and DST work because every
 * conversion asks Intl for the offset at that instant.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a zone. */
export function wallClock(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour! % 24, mi: p.minute!, s: p.second! };
}

/** The zone's offset from UTC at an instant, in minutes (e.g. 345 for Asia/Kathmandu). */
export function offsetMinutes(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/**
 * The instant of a wall-clock time in a zone. A time skipped by DST moves forward; a time that occurs twice (the hour
 * repeated when clocks go back) is its `earlier` or `later` occurrence.
 */
export function zonedToUtc(date: string, tz: string, time = '00:00:00', repeated: 'earlier' | 'later' = 'earlier'): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // the candidates under the offsets in force a day before and a day after (a zone changes offset at most once a day)
  const found = new Set<number>();
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) {
    const t = wall - offsetMinutes(probe, tz) * 60_000;
    if (t + offsetMinutes(t, tz) * 60_000 === wall) found.add(t);
  }
  if (found.size > 0) return repeated === 'later' ? Math.max(...found) : Math.min(...found);
  // a skipped time: the instant the clocks jumped to, as the earlier offset counts it
  const before = wall - offsetMinutes(wall - 86_400_000, tz) * 60_000;
  const after = wall - offsetMinutes(wall + 86_400_000, tz) * 60_000;
  return Math.max(before, after);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of an instant in a zone. */
export function localDate(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;
}

/** `YYYY-MM-DD HH:00:00` of an instant in a zone (the label of its hour bucket). */
export function localHour(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:00:00`;
}

export function localMinute(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}:00`;
}

/** ISO 8601 with the zone's offset: `2024-09-04T00:00:00+05:45`. */
export function isoInZone(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  const off = offsetMinutes(ms, tz);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Calendar arithmetic on `YYYY-MM-DD` (UTC-based, no zone involved). */
export function addDays(date: string, n: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + n * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

export function addMonths(date: string, n: number): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const t = y * 12 + (m - 1) + n;
  return `${pad(Math.floor(t / 12), 4)}-${pad((t % 12) + 1)}-01`;
}

export function startOfMonth(date: string): string {
  return date.slice(0, 8) + '01';
}

/** Monday of the date's ISO week. */
export function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((dow + 6) % 7));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date `YYYY-MM-DD`. */
export function isDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date-time with an offset → epoch ms, or null. */
export function parseDateTime(s: unknown): number | null {
  if (typeof s !== 'string' || !DATETIME.test(s) || !isDate(s.slice(0, 10))) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/** Time buckets of a query. */
export type Interval = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * Every bucket label of the range `[fromMs, toMs)` in the zone: hours `YYYY-MM-DD HH:00:00`, days, weeks (the
 * first one starts no earlier than the range) and months `YYYY-MM-DD`.
 */
export function timeLabels(interval: Interval, fromMs: number, toMs: number, tz: string): string[] {
  const out: string[] = [];
  if (interval === 'minute') {
    for (let ms = Math.floor(fromMs / 60_000) * 60_000; ms < toMs; ms += 60_000) out.push(localMinute(ms, tz));
    return out;
  }
  if (interval === 'hour') {
    const seen = new Set<string>();
    // Step by 15 minutes so that every local hour of a zone with a quarter-hour offset or a DST change is hit.
    for (let ms = fromMs; ms < toMs; ms += 15 * 60_000) {
      const l = localHour(ms, tz);
      if (!seen.has(l)) {
        seen.add(l);
        out.push(l);
      }
    }
    return out;
  }
  const first = localDate(fromMs, tz);
  const last = localDate(toMs - 1, tz);
  if (interval === 'day') {
    for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  } else if (interval === 'week') {
    out.push(first);
    for (let d = addDays(mondayOf(first), 7); d <= last; d = addDays(d, 7)) out.push(d);
  } else {
    for (let d = startOfMonth(first); d <= last; d = addMonths(d, 1)) out.push(d);
  }
  return out;
}
