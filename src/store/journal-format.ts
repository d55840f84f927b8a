import { crc32 } from 'node:zlib';

/**
 * The journal's on-disk record format, as pure functions (no I/O).
 *
 *   u32 LE  body length N
 *   u32 LE  CRC-32 of the body
 *   N bytes body: kind (1 byte), then
 *     rows    (1): first seq (u64 as two u32 LE, lo then hi), events count (u32 LE), sessions count (u32 LE),
 *                  then the rows as JSONEachRow lines joined by "\n" (UTF-8), events first; row i has seq first + i.
 *                  One record holds one request's rows of both tables, so that a torn write (a kill can cut a
 *                  write() short at a page boundary) drops the whole request or none of it.
 *     confirm (2): table (1 byte), seq (u64): every row of that table up to seq is in the store
 *     open    (3): next seq (u64): the segment's first record; seqs never go below it
 *
 * A record that is short or fails its CRC ends what can be read of a segment (a torn write).
 */
export type JournalTable = 'events' | 'sessions';
export const TABLES: readonly JournalTable[] = ['events', 'sessions'];

const TABLE_CODE: Record<JournalTable, number> = { events: 0, sessions: 1 };
const KIND_ROWS = 1;
const KIND_CONFIRM = 2;
const KIND_OPEN = 3;
const HEADER = 8;
/** No record is larger than this; a length above it is corruption, not a record. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export type JournalRecord =
  | { kind: 'rows'; firstSeq: number; rows: Record<JournalTable, string[]> }
  | { kind: 'confirm'; table: JournalTable; seq: number }
  | { kind: 'open'; nextSeq: number };

function writeSeq(buf: Buffer, seq: number, at: number): void {
  buf.writeUInt32LE(seq % 0x1_0000_0000, at);
  buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), at + 4);
}

function readSeq(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, HEADER);
  return out;
}

/** One request's rows: events get seqs first, first + 1, …; its session rows the seqs after them. */
export function encodeRows(firstSeq: number, events: readonly string[], sessions: readonly string[]): Buffer {
  return encodeRowsSliced(firstSeq, events, sessions).record;
}

/** Records are cut from slabs of this size (Node's own pool is 8 KiB: a new one every few records). */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.alloc(0);
let slabAt = 0;

/**
 * Room for one record: a piece of the current slab, or a buffer of its own for a large record. A slab is freed once
 * none of its records (nor the rows that the write buffers hold as views into them) is referenced any more.
 */
function recordBuffer(n: number): Buffer {
  if (n > SLAB_BYTES / 8) return Buffer.allocUnsafeSlow(n);
  if (slabAt + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabAt = 0;
  }
  const b = slab.subarray(slabAt, slabAt + n);
  slabAt = (slabAt + n + 7) & ~7;
  return b;
}

/**
 * `encodeRows`, and each row's UTF-8 bytes as a view into the record: the write buffers insert those bytes as they
 * are, so a row is encoded to UTF-8 once (not once for the journal and again for the insert) and waits for its
 * insert off the JavaScript heap. The record is built in place: no joined text, no second copy of the body.
 */
export function encodeRowsSliced(
  firstSeq: number,
  events: readonly string[],
  sessions: readonly string[],
  opts: { addSeqs?: boolean } = {},
): { record: Buffer; events: Buffer[]; sessions: Buffer[] } {
  const n = events.length + sessions.length;
  // With `addSeqs`, row i is written as `withSeq(row, firstSeq + i)` would make it, without making that string:
  // the row's text, its closing brace overwritten by the seq's tail (or `{` and the tail, for a row that is not an
  // object with fields).
  const tails = opts.addSeqs ? Array.from({ length: n }, (_, i) => seqTail(firstSeq + i)) : null;
  let len = n > 0 ? n - 1 : 0; // the newlines between rows
  let i = 0;
  for (const rows of [events, sessions]) {
    for (const l of rows) {
      if (!tails) len += Buffer.byteLength(l, 'utf8');
      else len += (closesObject(l) ? Buffer.byteLength(l, 'utf8') - 1 : 0) + tails[i]!.length;
      i++;
    }
  }
  const out = recordBuffer(HEADER + 17 + len);
  out.writeUInt32LE(17 + len, 0);
  out[HEADER] = KIND_ROWS;
  writeSeq(out, firstSeq, HEADER + 1);
  out.writeUInt32LE(events.length, HEADER + 9);
  out.writeUInt32LE(sessions.length, HEADER + 13);
  let at = HEADER + 17;
  i = 0;
  const put = (rows: readonly string[]): Buffer[] =>
    rows.map((l) => {
      if (at > HEADER + 17) out[at++] = 0x0a;
      const start = at;
      const tail = tails?.[i++];
      if (tail === undefined) at += out.write(l, at, 'utf8');
      else if (closesObject(l)) {
        at += out.write(l, at, 'utf8') - 1; // its closing brace is overwritten by the tail
        at += out.write(tail, at, 'latin1');
      } else {
        out[at++] = 0x7b; /* { */
        at += out.write(tail.slice(1), at, 'latin1');
      }
      return out.subarray(start, at);
    });
  const ev = put(events);
  const se = put(sessions);
  out.writeUInt32LE(crc32(out.subarray(HEADER)), 4);
  return { record: out, events: ev, sessions: se };
}

export function encodeConfirm(table: JournalTable, seq: number): Buffer {
  const body = Buffer.allocUnsafe(10);
  body[0] = KIND_CONFIRM;
  body[1] = TABLE_CODE[table];
  writeSeq(body, seq, 2);
  return frame(body);
}

export function encodeOpen(nextSeq: number): Buffer {
  const body = Buffer.allocUnsafe(9);
  body[0] = KIND_OPEN;
  writeSeq(body, nextSeq, 1);
  return frame(body);
}

function tableOf(code: number | undefined): JournalTable | null {
  return code === 0 ? 'events' : code === 1 ? 'sessions' : null;
}

function decodeBody(body: Buffer): JournalRecord | null {
  const kind = body[0];
  if (kind === KIND_ROWS && body.length >= 17) {
    const nEvents = body.readUInt32LE(9);
    const nSessions = body.readUInt32LE(13);
    const lines = nEvents + nSessions === 0 ? [] : body.toString('utf8', 17).split('\n');
    if (lines.length !== nEvents + nSessions) return null;
    return { kind: 'rows', firstSeq: readSeq(body, 1), rows: { events: lines.slice(0, nEvents), sessions: lines.slice(nEvents) } };
  }
  if (kind === KIND_CONFIRM && body.length === 10) {
    const table = tableOf(body[1]);
    return table ? { kind: 'confirm', table, seq: readSeq(body, 2) } : null;
  }
  if (kind === KIND_OPEN && body.length === 9) return { kind: 'open', nextSeq: readSeq(body, 1) };
  return null;
}

export interface DecodedSegment {
  records: JournalRecord[];
  /** Bytes that form whole, valid records. */
  validBytes: number;
  /** Set when the segment ends in something that is not a valid record: where, and why. */
  corrupt: { offset: number; bytes: number; reason: string } | null;
}

/** Reads every valid record of a segment, stopping at the first torn or corrupt one. */
export function decodeSegment(buf: Buffer): DecodedSegment {
  const records: JournalRecord[] = [];
  let at = 0;
  const stop = (reason: string): DecodedSegment => ({ records, validBytes: at, corrupt: { offset: at, bytes: buf.length - at, reason } });
  while (at < buf.length) {
    if (buf.length - at < HEADER) return stop('short record header');
    const len = buf.readUInt32LE(at);
    if (len === 0 || len > MAX_RECORD_BYTES) return stop(`impossible record length ${len}`);
    if (buf.length - at - HEADER < len) return stop('short record body');
    const body = buf.subarray(at + HEADER, at + HEADER + len);
    if (crc32(body) !== buf.readUInt32LE(at + 4)) return stop('checksum mismatch');
    const rec = decodeBody(body);
    if (!rec) return stop('malformed record body');
    records.push(rec);
    at += HEADER + len;
  }
  return { records, validBytes: at, corrupt: null };
}

/**
 * Gives a serialized row (one JSON object) its journal sequence number, as the `journal_seq` column. The store
 * keeps it, so that after a crash the rows already stored can be told from those to replay.
 */
export function withSeq(line: string, seq: number): string {
  return closesObject(line) ? `${line.slice(0, -1)}${seqTail(seq)}` : `{${seqTail(seq).slice(1)}`;
}

/** A row that is a non-empty object keeps its fields, and the seq goes before its closing brace. */
function closesObject(line: string): boolean {
  return line.length > 2 && line.charCodeAt(line.length - 1) === 0x7d; /* } */
}

const seqTail = (seq: number): string => `,"journal_seq":${seq}}`;

const SEQ_KEY = '"journal_seq":';

/** The `journal_seq` of a serialized row (0 when it has none). */
export function seqOf(line: string): number {
  const i = line.lastIndexOf(SEQ_KEY);
  if (i < 0) return 0;
  const n = Number.parseInt(line.slice(i + SEQ_KEY.length), 10);
  return Number.isFinite(n) ? n : 0;
}
