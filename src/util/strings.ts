const NON_LATIN1 = /[^\u0000-\u00ff]/;
let scratch = Buffer.allocUnsafe(4096);

/** True when every character of `s` is below U+0100 (V8 can then hold it in one byte a character). */
export function isLatin1(s: string): boolean {
  return !NON_LATIN1.test(s);
}

/**
 * `s` as a flat one-byte string when its characters allow it. V8 keeps a string two bytes a character when it was
 * made from two-byte pieces (some decoders answer so even for ASCII), and a concatenation keeps every piece: a copy
 * halves the memory of a string that is kept for long (live sessions, cached lookups). Other strings are returned as
 * they are.
 */
export function oneByte(s: string): string {
  if (!isLatin1(s)) return s;
  if (s.length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length, scratch.length * 2));
  const n = scratch.write(s, 0, 'latin1');
  return scratch.toString('latin1', 0, n);
}
