/**
 * `*` patterns (page shields, hostname allow-lists) matched in linear time, without regular expressions: the text
 * before the first `*` must start the string, the text after the last must end it, and each part between is found
 * left to right (the leftmost place is always a right choice when `*` matches any run). No input can make it
 * backtrack: one look per part, each at most the string's length.
 */
export function globMatcher(pattern: string): (s: string) => boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return (s) => s === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  return (s) => {
    if (s.length < minLength || !s.startsWith(first) || !s.endsWith(last)) return false;
    const end = s.length - last.length;
    let at = first.length;
    for (const p of middle) {
      const i = s.indexOf(p, at);
      if (i < 0 || i + p.length > end) return false;
      at = i + p.length;
    }
    return true;
  };
}

/** Wildcards one pattern may hold. */
export const MAX_WILDCARDS = 10;
