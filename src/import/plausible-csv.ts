import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { Unzip, UnzipInflate } from 'fflate';
import type { Site } from '../store/repo.js';
import type { Store } from '../store/store.js';
import type { ImportRow } from '../store/imports-repo.js';
import { IMPORTED_TABLES, type ImportedTable } from '../store/schema.js';
import { daysBetween, localDate } from '../stats/dates.js';
import { channelOf } from '../stats/channel.js';

/**
 * Plausible's CSV export (a zip of ten `imported_*_<YYYYMMDD>_<YYYYMMDD>.csv` files, or the files themselves) into
 * the imported tables, as Plausible CE imports it: columns matched by header name, missing ones 0 or '', the date
 * range from the file names, clamped to end on the first day of native data and to avoid earlier imports, rows
 * outside it left out. A bad cell fails the whole import with the file, line and column; nothing of it stays.
 */

export class CsvImportError extends Error {}

export interface CsvImportResult {
  importId: number;
  /** The range the files cover, and what was imported of it (clamped). */
  requested: [string, string];
  startDate: string;
  endDate: string;
  /** Set when the range was shortened (native data, earlier imports). */
  adjusted: string | null;
  rows: Record<string, number>;
  warnings: string[];
  seconds: number;
}

/** An input file: its name (the table and dates are read from it) and where its bytes are. */
export interface CsvInput {
  name: string;
  path: string;
}

const TABLE_BY_SHORT = new Map(IMPORTED_TABLES.map((t) => [t.name.slice('imported_'.length), t]));
const FILE_NAME = /^(?:imported_)?([a-z_]+?)_(\d{4})(\d\d)(\d\d)_(\d{4})(\d\d)(\d\d)\.csv$/;
/** Columns Plausible's importer does not read (Footfall fills them itself or leaves them empty). */
const NOT_READ = new Set(['channel', 'exits']);
const MAX_FILE_BYTES = 1_000_000_000;
const BATCH_ROWS = 50_000;

/** The table and date range a file name gives, or null (not one of the ten files). */
export function parseFileName(name: string): { table: ImportedTable; start: string; end: string } | null {
  const m = FILE_NAME.exec(path.basename(name));
  if (!m) return null;
  const table = TABLE_BY_SHORT.get(m[1]!);
  if (!table) return null;
  const start = `${m[2]}-${m[3]}-${m[4]}`;
  const end = `${m[5]}-${m[6]}-${m[7]}`;
  if (Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)) || end < start) return null;
  return { table, start, end };
}

/**
 * The part of `[start, end]` to import: ending at `cutoff` (the first day of native data, inclusive) and, of what
 * the completed imports leave free (an import of under two days does not count; a new range may share their first
 * and last day), the longest piece; null when less than two days remain (Plausible's rule).
 */
export function clampRange(start: string, end: string, cutoff: string, occupied: Array<[string, string]>): [string, string] | null {
  const e = end < cutoff ? end : cutoff;
  if (e < start) return null;
  let free: Array<[string, string]> = [[start, e]];
  for (const [os, oe] of occupied) {
    if (daysBetween(os, oe) < 2) continue;
    const next: Array<[string, string]> = [];
    for (const [fs_, fe] of free) {
      if (fe <= os || fs_ >= oe) next.push([fs_, fe]);
      else {
        if (fs_ < os) next.push([fs_, os]);
        if (fe > oe) next.push([oe, fe]);
      }
    }
    free = next;
  }
  let best: [string, string] | null = null;
  for (const r of free) if (!best || daysBetween(r[0], r[1]) > daysBetween(best[0], best[1])) best = r;
  return best && daysBetween(best[0], best[1]) >= 2 ? best : null;
}

/** Extracts a zip's entries into `dir` (Plausible's archives are stored, not compressed; both are read). */
export async function unzipTo(zipFile: string, dir: string): Promise<CsvInput[]> {
  const out: CsvInput[] = [];
  const pending: Array<Promise<void>> = [];
  let failure: Error | null = null;
  const unzip = new Unzip((entry) => {
    const base = path.basename(entry.name);
    if (entry.name.endsWith('/') || base.startsWith('.') || base === '') return;
    const target = path.join(dir, `${out.length}-${base}`);
    const fd = fs.openSync(target, 'w');
    let size = 0;
    out.push({ name: base, path: target });
    pending.push(
      new Promise<void>((resolve) => {
        entry.ondata = (err, data, final) => {
          if (err) failure ??= new CsvImportError(`${base}: cannot unpack it from the zip (${err.message})`);
          else {
            size += data.length;
            if (size > MAX_FILE_BYTES) failure ??= new CsvImportError(`${base}: larger than 1 GB`);
            else fs.writeSync(fd, data);
          }
          if (final || err) {
            fs.closeSync(fd);
            resolve();
          }
        };
      }),
    );
    entry.start();
  });
  unzip.register(UnzipInflate);
  try {
    for await (const chunk of fs.createReadStream(zipFile)) {
      unzip.push(chunk as Uint8Array);
      if (failure) throw failure;
    }
    unzip.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof CsvImportError) throw err;
    throw new CsvImportError(`${path.basename(zipFile)} is not a readable zip archive (${err instanceof Error ? err.message : String(err)})`);
  }
  await Promise.all(pending);
  if (failure) throw failure;
  if (out.length === 0) throw new CsvImportError(`${path.basename(zipFile)} holds no files`);
  return out;
}

/** Inputs from the paths given: zip archives, folders (their `.csv` files) and CSV files. */
export async function collectInputs(paths: string[], tmp: string): Promise<CsvInput[]> {
  const inputs: CsvInput[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new CsvImportError(`cannot read ${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith('.csv') || f.endsWith('.zip')) inputs.push(...(await collectInputs([path.join(p, f)], tmp)));
    } else if (p.endsWith('.zip')) inputs.push(...(await unzipTo(p, fs.mkdtempSync(path.join(tmp, 'zip-')))));
    else inputs.push({ name: path.basename(p), path: p });
  }
  return inputs;
}

/** A CSV cell as its column's type: a whole number ≥ 0 (UInt64), a date, or text. */
function cell(type: string, raw: string): number | string | null {
  if (type === 'UInt64') {
    if (raw === '') return 0;
    if (!/^\d+$/.test(raw)) return null;
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : null;
  }
  return raw;
}

export interface CsvImportDeps {
  store: Store;
  /** The current time (the cutoff when the site has no native data). */
  now?: () => number;
  onProgress?: (p: { file: string; rows: number }) => void;
}

/** The first day (in the site's time zone) of its native data: the events table, live or loaded raw; null when empty. */
async function nativeStart(store: Store, site: Site): Promise<string | null> {
  const tz = site.timezone.replace(/[^A-Za-z0-9_+\-/]/g, '');
  const [r] = await store.backend.queryRows<{ d: string; n: string }>(`SELECT toString(toDate(min(timestamp), '${tz}')) AS d, count() AS n FROM ${store.db}.events WHERE site_id = ${Number(site.id)}`);
  return r && Number(r.n) > 0 ? r.d : null;
}

/** Imports the files into `site`; throws CsvImportError (nothing stored) on a bad file or range. */
export async function importPlausibleCsv(paths: string[], site: Site, label: string, deps: CsvImportDeps): Promise<CsvImportResult> {
  const t0 = performance.now();
  const { store } = deps;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-csv-'));
  try {
    const inputs = await collectInputs(paths, tmp);
    const warnings: string[] = [];
    const files = new Map<string, { input: CsvInput; table: ImportedTable; start: string; end: string }>();
    for (const input of inputs) {
      const parsed = parseFileName(input.name);
      if (!parsed) {
        warnings.push(`${input.name}: ignored (not one of Plausible's export files, imported_<table>_<YYYYMMDD>_<YYYYMMDD>.csv)`);
        continue;
      }
      if (fs.statSync(input.path).size > MAX_FILE_BYTES) throw new CsvImportError(`${input.name}: larger than 1 GB`);
      const earlier = files.get(parsed.table.name);
      if (earlier) warnings.push(`${earlier.input.name}: replaced by ${input.name} (the same table)`);
      files.set(parsed.table.name, { input, ...parsed });
    }
    if (files.size === 0) throw new CsvImportError(`no Plausible export files found (expected names such as imported_visitors_20240101_20241231.csv)${warnings.length ? `; ${warnings.join('; ')}` : ''}`);
    if (!files.has('imported_visitors')) warnings.push('imported_visitors: missing, so totals and the graph have no imported data');
    const requested: [string, string] = [[...files.values()].map((f) => f.start).sort()[0]!, [...files.values()].map((f) => f.end).sort().at(-1)!];

    // events still in the write buffers count as native data too
    await Promise.allSettled([store.events.flush(), store.sessions.flush()]);
    const native = await nativeStart(store, site);
    const cutoff = native ?? localDate((deps.now ?? Date.now)(), site.timezone);
    const occupied = (await store.imports.list(site.id)).filter((i) => i.status === 'completed' && i.source === 'plausible_csv' && i.startDate && i.endDate).map((i): [string, string] => [i.startDate, i.endDate]);
    const range = clampRange(requested[0], requested[1], cutoff, occupied);
    if (!range) {
      throw new CsvImportError(
        `nothing to import: the files cover ${requested[0]} to ${requested[1]}, and after ending on the first day of native data (${cutoff}) and leaving out the days of earlier imports, less than two days remain`,
      );
    }
    const adjusted = range[0] !== requested[0] || range[1] !== requested[1] ? `the files cover ${requested[0]} to ${requested[1]}; imported ${range[0]} to ${range[1]} (${range[1] < requested[1] && range[1] === cutoff ? 'native data starts on ' + cutoff : 'earlier imports hold the other days'})` : null;

    let imp: ImportRow = await store.imports.write({ siteId: site.id, source: 'plausible_csv', label, fingerprint: '', startDate: range[0], endDate: range[1], status: 'importing', rows: {}, error: '' });
    const rows: Record<string, number> = {};
    try {
      for (const f of files.values()) rows[f.table.name] = await loadFile(f.input, f.table, site, imp.id, range, warnings, deps);
      imp = await store.imports.write({ ...imp, status: 'completed', rows });
    } catch (err) {
      await store.imports.deleteRows(site.id, imp.id).catch(() => undefined);
      await store.imports.write({ ...imp, status: 'failed', error: (err instanceof Error ? err.message : String(err)).slice(0, 2000) }).catch(() => undefined);
      throw err;
    }
    return { importId: imp.id, requested, startDate: range[0], endDate: range[1], adjusted, rows, warnings, seconds: (performance.now() - t0) / 1000 };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function loadFile(input: CsvInput, table: ImportedTable, site: Site, importId: number, range: [string, string], warnings: string[], deps: CsvImportDeps): Promise<number> {
  const { store } = deps;
  const types = new Map(table.columns);
  types.set('date', 'Date');
  const parser = fs.createReadStream(input.path).pipe(parse({ bom: true, relax_column_count: false, skip_empty_lines: true, info: true }));
  let header: string[] | null = null;
  let batch: string[] = [];
  let stored = 0;
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const payload = Buffer.from(batch.join('\n'), 'utf8');
    batch = [];
    await inflight;
    inflight = store.backend.insertJSONEachRow(`${store.db}.${table.name}`, payload);
    inflight.catch(() => undefined);
  };
  const where = (line: number, column?: string) => `${input.name}: line ${line}${column ? `, column ${column}` : ''}`;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = rec;
      if (!header) {
        header = record.map((h) => h.trim());
        if (!header.includes('date')) throw new CsvImportError(`${where(info.lines)}: the header has no date column (found ${header.join(', ')})`);
        const unknown = header.filter((h) => !types.has(h));
        if (unknown.length) warnings.push(`${input.name}: column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ignored`);
        const missing = table.columns.map(([c]) => c).filter((c) => !header!.includes(c) && !NOT_READ.has(c));
        if (missing.length) warnings.push(`${input.name}: no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (imported as 0 or empty)`);
        continue;
      }
      const row: Record<string, string | number> = { site_id: site.id, import_id: importId };
      let date = '';
      for (let i = 0; i < header.length; i++) {
        const col = header[i]!;
        const type = types.get(col);
        if (!type || NOT_READ.has(col)) continue;
        const raw = record[i] ?? '';
        if (col === 'date') {
          if (!/^\d{4}-\d\d-\d\d$/.test(raw) || Number.isNaN(Date.parse(raw))) throw new CsvImportError(`${where(info.lines, 'date')}: expected a date (YYYY-MM-DD), got ${JSON.stringify(raw.slice(0, 40))}`);
          date = raw;
          row.date = raw;
          continue;
        }
        const v = cell(type, raw);
        if (v === null) throw new CsvImportError(`${where(info.lines, col)}: expected a whole number ≥ 0, got ${JSON.stringify(raw.slice(0, 40))}`);
        row[col] = v;
      }
      if (date < range[0] || date > range[1]) continue;
      // Plausible's export has no channel: Footfall derives it from the source and UTM tags, as for its own visits
      if (table.name === 'imported_sources') row.channel = channelOf(String(row.source ?? ''), String(row.utm_source ?? ''), String(row.utm_medium ?? ''), String(row.utm_campaign ?? ''), '');
      batch.push(JSON.stringify(row));
      stored++;
      if (batch.length >= BATCH_ROWS) {
        await flush();
        deps.onProgress?.({ file: input.name, rows: stored });
      }
    }
  } catch (err) {
    if (err instanceof CsvImportError) throw err;
    const e = err as { code?: string; lines?: number; message?: string };
    if (e.code && String(e.code).startsWith('CSV_')) throw new CsvImportError(`${where(e.lines ?? 0)}: not valid CSV (${e.message ?? e.code})`);
    throw err;
  }
  if (!header) warnings.push(`${input.name}: empty`);
  await flush();
  await inflight;
  return stored;
}
