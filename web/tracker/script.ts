/**
 * Footfall's tracker script: Plausible's official tracker library (`@plausible-analytics/tracker`, MIT) behind the
 * legacy snippet's interface, so that `<script defer data-domain="…" src="https://footfall.example/js/script.js">`
 * works with only the host changed. The features come from the file name, as Plausible's script variants:
 * `script.hash.outbound-links.js` turns on hash routing and outbound links. One bundle serves every combination.
 */
import { init, track, type PlausibleEventOptions } from '@plausible-analytics/tracker';

/** Replaced by the server with its event path (FOOTFALL_EVENT_PATH). */
const EVENT_PATH = '__FOOTFALL_EVENT_PATH__';
/** Plausible's default file-download extensions (script.file-downloads.js). */
const FILE_TYPES = ['pdf', 'xlsx', 'docx', 'txt', 'rtf', 'csv', 'exe', 'key', 'pps', 'ppt', 'pptx', '7z', 'pkg', 'rar', 'gz', 'zip', 'avi', 'mov', 'mp4', 'mpeg', 'wmv', 'midi', 'mp3', 'wav', 'wma', 'dmg'];

type Legacy = ((name: string, opts?: LegacyOptions) => void) & { q?: IArguments[] | unknown[][] };
interface LegacyOptions {
  props?: Record<string, unknown>;
  revenue?: { amount: number | string; currency: string };
  interactive?: boolean;
  callback?: (r?: unknown) => void;
  u?: string;
  url?: string;
}

const script = document.currentScript as HTMLScriptElement | null;
const attr = (name: string): string | null => (script ? script.getAttribute(name) : null);
const src = script?.src || location.href;
const file = new URL(src, location.href).pathname.split('/').pop() || '';
const features = new Set(file.replace(/\.js$/, '').split('.').slice(1));
const has = (f: string): boolean => features.has(f);

/** `*` matches within a path segment, `**` anything (Plausible's data-exclude / data-include patterns). */
function pathMatches(pattern: string, path: string): boolean {
  const re = pattern
    .trim()
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '.*');
  return new RegExp(`^${re}/?$`).test(path);
}
const list = (v: string | null): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const exclude = list(attr('data-exclude'));
const include = list(attr('data-include'));
function excluded(url: string): boolean {
  if (!has('exclusions')) return false;
  const u = new URL(url, location.href);
  const path = has('hash') && u.hash ? u.pathname + u.hash : u.pathname;
  if (include.length && !include.some((p) => pathMatches(p, path))) return true;
  return exclude.some((p) => pathMatches(p, path));
}

/** `event-<key>` attributes of the script tag: props of every pageview (script.pageview-props.js). */
const pageviewProps: Record<string, string> = {};
if (has('pageview-props') && script) {
  for (const a of Array.from(script.attributes)) if (a.name.startsWith('event-')) pageviewProps[a.name.slice('event-'.length)] = a.value;
}

let fileDownloads: boolean | { fileExtensions: string[] } = false;
if (has('file-downloads')) {
  const own = list(attr('file-types'));
  const more = list(attr('add-file-types'));
  fileDownloads = { fileExtensions: own.length ? own : [...FILE_TYPES, ...more] };
}

init({
  domain: attr('data-domain') || location.hostname.replace(/^www\./, ''),
  endpoint: attr('data-api') || new URL(EVENT_PATH, src).href,
  autoCapturePageviews: !has('manual'),
  hashBasedRouting: has('hash'),
  outboundLinks: has('outbound-links'),
  fileDownloads,
  formSubmissions: has('form-submissions'),
  captureOnLocalhost: has('local'),
  logging: false,
  bindToWindow: false,
  customProperties: (name: string) => (name === 'pageview' ? pageviewProps : {}),
  transformRequest: (payload) => (excluded(payload.u) ? null : payload),
});

/** The snippet's `plausible(name, options)`, with the calls queued before the script loaded. */
const queued = (window as unknown as { plausible?: Legacy }).plausible?.q ?? [];
const plausible: Legacy = (name, opts = {}) => {
  const o: PlausibleEventOptions = {};
  if (opts.props) o.props = Object.fromEntries(Object.entries(opts.props).map(([k, v]) => [k, String(v)]));
  if (opts.revenue) o.revenue = opts.revenue;
  if (opts.interactive === false) o.interactive = false;
  if (opts.callback) o.callback = opts.callback;
  if (opts.u || opts.url) o.url = opts.u || opts.url;
  track(name, o);
};
(window as unknown as { plausible: Legacy }).plausible = plausible;
for (const args of queued) plausible(...(Array.from(args as ArrayLike<unknown>) as [string, LegacyOptions?]));
