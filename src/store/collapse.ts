import type { Row } from './buffer.js';

/**
 * Session rows that cancel out inside one insert. Every change of a session writes its old state with sign -1 and
 * the new one with +1 (VersionedCollapsingMergeTree(sign, events)); when a visitor's events come close together,
 * the +1 row of a state and the -1 row that cancels it are in the same batch. The engine would delete such a pair
 * at its next merge (rows of one key and version with opposite signs), and every query counts them as nothing
 * (`sum(sign)`, FINAL), so the pair need not be inserted at all: the table, and each answer, are the same.
 *
 * A -1 row cancels the earliest +1 row before it in the batch with the same session_id and version (`events`)
 * that no other -1 row cancelled; a -1 row with no such +1 row (its state was inserted earlier) is kept.
 * Rows are the serializer's JSON (see `serializeRow`): a key followed by `":` is a column, never text inside a
 * value, where every quote is escaped.
 */

const SESSION_ID = '"session_id":"';
const SIGN = '"sign":';
const EVENTS = '"events":';
const QUOTE = 0x22;
const MINUS = 0x2d;

/** The "session_id/events" key and the sign of a serialized session row; null when it has not both. */
export function sessionKey(row: Row): { key: string; sign: number } | null {
  const text = typeof row === 'string';
  const find = (s: string, from = 0): number => (text ? row.indexOf(s, from) : row.indexOf(s, from, 'latin1'));
  const at = (i: number): number => (text ? row.charCodeAt(i) : row[i]!);
  const slice = (a: number, b: number): string => (text ? row.slice(a, b) : row.toString('latin1', a, b));
  const s = find(SESSION_ID);
  if (s < 0) return null;
  const sEnd = find('"', s + SESSION_ID.length);
  const g = find(SIGN);
  const e = find(EVENTS);
  if (sEnd < 0 || g < 0 || e < 0) return null;
  let eEnd = e + EVENTS.length;
  while (eEnd < row.length && at(eEnd) >= 0x30 && at(eEnd) <= 0x39) eEnd++;
  if (eEnd === e + EVENTS.length || at(sEnd) !== QUOTE) return null;
  return { key: `${slice(s + SESSION_ID.length, sEnd)}/${slice(e + EVENTS.length, eEnd)}`, sign: at(g + SIGN.length) === MINUS ? -1 : 1 };
}

/**
 * Which of the first `n` rows to insert: false for both rows of each pair that cancels out. Null when every row is
 * kept (the common case needs no copy).
 */
export function collapseSessionRows(rows: readonly Row[], n = rows.length): boolean[] | null {
  let keep: boolean[] | null = null;
  /** Per key, the +1 rows not cancelled yet, earliest first. */
  const open = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = sessionKey(rows[i]!);
    if (!k) continue;
    const list = open.get(k.key);
    if (k.sign > 0) {
      if (list) list.push(i);
      else open.set(k.key, [i]);
    } else if (list && list.length > 0) {
      keep ??= new Array<boolean>(n).fill(true);
      keep[list.shift()!] = false;
      keep[i] = false;
    }
  }
  return keep;
}
