/**
 * The one function that turns an untrusted string into a ClickHouse string literal.
 * Works on every server version we support (18.16 has no query parameters).
 * Backslash and quote are escaped; every control byte (including NUL) becomes \xHH,
 * so the literal never contains a raw control character whatever the input.
 */
export function sqlString(value: string): string {
  let out = "'";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += value[i];
  }
  return out + "'";
}

/** An unsigned integer literal (ids, versions). Refuses anything that is not one. */
export function sqlUInt(value: bigint | number): string {
  const n = typeof value === 'bigint' ? value : BigInt(value);
  if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError(`not a UInt64: ${String(value)}`);
  return n.toString();
}

/** A database or table identifier we chose ourselves (config-validated); refuses anything unusual. */
export function sqlIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`invalid identifier: ${JSON.stringify(name)}`);
  return name;
}

let lastSecond = NaN;
let lastText = '';
/** `YYYY-MM-DD hh:mm:ss` in UTC, the text form of a DateTime('UTC') value. */
export function sqlDateTimeText(d: Date): string {
  // the last second's text is kept: every event asks for its own time, many in the same second
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = d.toISOString().slice(0, 19).replace('T', ' ');
    lastSecond = second;
  }
  return lastText;
}

/**
 * The engine's `max_query_size` (bytes of one statement's text before its inline data), the default of chDB and of
 * ClickHouse 18.16 alike. A generated statement longer than this fails with "Max query size exceeded".
 */
export const MAX_QUERY_BYTES = 262_144;
