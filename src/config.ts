import { TrustedProxies } from './ingest/ip.js';
import path from 'node:path';

/** Every setting Footfall reads, typed, with its default. One place; nothing else reads process.env. */
export interface Config {
  /** TCP port of the public HTTP server (`PORT`, default 8000; 0 picks a free port). */
  port: number;
  /** Address to listen on (`LISTEN_ADDRESS`, default 0.0.0.0). */
  listenAddress: string;
  /** Directory that holds the embedded store and the admin socket (`FOOTFALL_DATA_DIR`, default ./data). */
  dataDir: string;
  /** Largest accepted request body in bytes (`FOOTFALL_MAX_BODY_BYTES`, default 1,000,000 like Plausible). */
  maxBodyBytes: number;
  /** Write buffer: flush when this many rows are waiting (`FOOTFALL_FLUSH_ROWS`, default 10,000). */
  flushRows: number;
  /**
   * Write buffer: flush at least this often in ms (`FOOTFALL_FLUSH_INTERVAL_MS`, default 1,000). Plausible's 5,000
   * leaves the engine less to merge, but larger inserts took the memory worst case past 1 GB (README, Benchmarks).
   */
  flushIntervalMs: number;
  /** Write buffer: rows held at most before new events get 503 (`FOOTFALL_BUFFER_MAX_ROWS`, default 500,000). */
  bufferMaxRows: number;
  /** Write buffer: bytes held per table at most before new events get 503 (`FOOTFALL_BUFFER_MAX_BYTES`, default 64 MiB). */
  bufferMaxBytes: number;
  /** Bytes of one insert at most (`FOOTFALL_BATCH_MAX_BYTES`, default 16 MiB; a larger row goes alone). */
  batchMaxBytes: number;
  /** Parsed User-Agents kept in memory (`FOOTFALL_UA_CACHE_SIZE`, default 10,000). */
  uaCacheSize: number;
  /** New User-Agents waiting for the parser at most; beyond, their events get 503 (`FOOTFALL_UA_QUEUE_MAX`, default 256). */
  uaQueueMax: number;
  /** Live sessions held in memory at most (`FOOTFALL_MAX_LIVE_SESSIONS`, default 1,000,000). */
  maxLiveSessions: number;
  /** Live sessions' estimated heap bytes at most (`FOOTFALL_MAX_SESSION_BYTES`, default 96 MiB); least recently active dropped first. */
  maxSessionBytes: number;
  /** The JavaScript heap's bound in MiB (`FOOTFALL_HEAP_MB`, default 512): given to Node as `--max-old-space-size` by `npm start` and `./footfall start`; checked at start. */
  heapMb: number;
  /** A newer IP database to use instead of the shipped DB-IP City Lite (`FOOTFALL_GEOIP_DB`, a GeoIP2-City or DB-IP .mmdb). */
  geoipDb: string | undefined;
  /** The embedded engine's own memory bound (`FOOTFALL_STORE_MAX_MEMORY_BYTES`, default 512 MiB). */
  storeMaxMemoryBytes: number;
  /** A ClickHouse server instead of the embedded store (`FOOTFALL_CLICKHOUSE_URL`, e.g. http://127.0.0.1:8123). */
  clickhouseUrl: string | undefined;
  /** Its database (`FOOTFALL_CLICKHOUSE_DATABASE`, default footfall), user and password (`FOOTFALL_CLICKHOUSE_USER`, `FOOTFALL_CLICKHOUSE_PASSWORD`). */
  clickhouseDatabase: string;
  clickhouseUser: string;
  clickhousePassword: string;
  /** Journal every accepted event before the 202 (`FOOTFALL_JOURNAL`, on|off, default on). */
  journal: boolean;
  /**
   * The pipeline's stages, the live sessions and the rows' serialization on a worker thread of their own
   * (`FOOTFALL_INGEST_WORKER`, default on); off: on the event loop, between the HTTP requests.
   */
  ingestWorker: boolean;
  /** fsync the journal at least this often, ms (`FOOTFALL_JOURNAL_FSYNC_MS`, default 200; 0 = before every 202). */
  journalFsyncMs: number;
  /** Size of a journal segment file (`FOOTFALL_JOURNAL_SEGMENT_BYTES`, default 32 MiB). */
  journalSegmentBytes: number;
  /** Journal bytes on disk at most before new events get 503 (`FOOTFALL_JOURNAL_MAX_BYTES`, default 2 GiB). */
  journalMaxBytes: number;
  /** Stats API requests per API key and hour (`FOOTFALL_API_RATE_LIMIT_PER_HOUR`, default 1,000,000 like Plausible CE). */
  apiRateLimitPerHour: number;
  /** Default ingestion rate limit of every site without its own (`FOOTFALL_RATE_LIMIT_PER_MINUTE`, default 600; 0 = unlimited). */
  rateLimitPerMinute: number;
  /** Its burst (`FOOTFALL_RATE_LIMIT_BURST`, default 120). */
  rateLimitBurst: number;
  /** The share of a site's rate limit one client IP may take (`FOOTFALL_RATE_LIMIT_CLIENT_SHARE`, 0.01–1, default 0.2). */
  rateLimitClientShare: number;
  /** Proxies whose forwarding headers are believed (`FOOTFALL_TRUSTED_PROXIES`, CIDR list; empty = every peer's). */
  trustedProxies: string | undefined;
  /** Whole request (headers and body) within this many ms, else 408 (`FOOTFALL_REQUEST_TIMEOUT_MS`, default 10,000). */
  requestTimeoutMs: number;
  /** Believe `X-Forwarded-Proto: https` for the dashboard's Secure cookie (`FOOTFALL_TRUST_FORWARDED_PROTO`, default off). */
  trustForwardedProto: boolean;
  /** Failed dashboard logins per client IP (and per email) in 15 minutes before 429 (`FOOTFALL_LOGIN_ATTEMPTS`, default 10). */
  loginAttempts: number;
  /** `FOOTFALL_METRICS_TOKEN`: with it, `/metrics` and the detailed `/api/health` on the public port (Bearer). */
  metricsToken: string;
  /** Also serve the tracker as `/js/<name>[.<variants>].js` (`FOOTFALL_TRACKER_SCRIPT_NAME`; `script` and `plausible` always work). */
  trackerScriptName: string | undefined;
  /** Also accept events at this path, and make it the served tracker's default endpoint (`FOOTFALL_EVENT_PATH`, default /api/event). */
  eventPath: string;
  /** Log level: debug, info, warn, error (`FOOTFALL_LOG_LEVEL`, default info). */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function share(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return def;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || n < 0.01 || n > 1) throw new ConfigError(`${name} must be a number from 0.01 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

function trusted(raw: string | undefined): string | undefined {
  if (!raw || !raw.trim()) return undefined;
  try {
    TrustedProxies.parse(raw);
  } catch (err) {
    throw new ConfigError(`FOOTFALL_TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  return raw;
}

function metricsToken(raw: string | undefined): string {
  const t = (raw ?? '').trim();
  if (t && !/^[\x21-\x7e]{16,200}$/.test(t)) throw new ConfigError('FOOTFALL_METRICS_TOKEN must be 16 to 200 printable characters without spaces');
  return t;
}

function database(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError(`FOOTFALL_CLICKHOUSE_DATABASE must be an identifier, got ${JSON.stringify(name)}`);
  return name;
}

function scriptName(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new ConfigError(`FOOTFALL_TRACKER_SCRIPT_NAME must be 1–64 letters, digits, - or _ (no dots), got ${JSON.stringify(raw)}`);
  return raw;
}

function eventPath(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/api/event';
  if (!/^\/[A-Za-z0-9_\-/]{1,100}$/.test(raw) || raw.endsWith('/') || raw.includes('//') || raw.startsWith('/api/dashboard/') || raw.startsWith('/assets/') || raw.startsWith('/js/')) {
    throw new ConfigError(`FOOTFALL_EVENT_PATH must be a path such as /api/collect (letters, digits, -, _, /), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function onOff(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return def;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(env[name])}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const level = (env.FOOTFALL_LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new ConfigError(`FOOTFALL_LOG_LEVEL must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  }
  return {
    port: int(env, 'PORT', 8000, 0, 65535),
    listenAddress: env.LISTEN_ADDRESS || '0.0.0.0',
    dataDir: path.resolve(env.FOOTFALL_DATA_DIR || './data'),
    maxBodyBytes: int(env, 'FOOTFALL_MAX_BODY_BYTES', 1_000_000, 1024, 100_000_000),
    flushRows: int(env, 'FOOTFALL_FLUSH_ROWS', 10_000, 1, 1_000_000),
    flushIntervalMs: int(env, 'FOOTFALL_FLUSH_INTERVAL_MS', 1_000, 10, 3_600_000),
    bufferMaxRows: int(env, 'FOOTFALL_BUFFER_MAX_ROWS', 500_000, 1, 100_000_000),
    bufferMaxBytes: int(env, 'FOOTFALL_BUFFER_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
    batchMaxBytes: int(env, 'FOOTFALL_BATCH_MAX_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    uaCacheSize: int(env, 'FOOTFALL_UA_CACHE_SIZE', 10_000, 1, 10_000_000),
    uaQueueMax: int(env, 'FOOTFALL_UA_QUEUE_MAX', 256, 1, 1_000_000),
    maxLiveSessions: int(env, 'FOOTFALL_MAX_LIVE_SESSIONS', 1_000_000, 1, 100_000_000),
    maxSessionBytes: int(env, 'FOOTFALL_MAX_SESSION_BYTES', 96 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
    heapMb: int(env, 'FOOTFALL_HEAP_MB', 512, 256, 1024 * 1024),
    geoipDb: env.FOOTFALL_GEOIP_DB ? path.resolve(env.FOOTFALL_GEOIP_DB) : undefined,
    storeMaxMemoryBytes: int(env, 'FOOTFALL_STORE_MAX_MEMORY_BYTES', 512 * 1024 * 1024, 64 * 1024 * 1024, Number.MAX_SAFE_INTEGER),
    clickhouseUrl: env.FOOTFALL_CLICKHOUSE_URL || undefined,
    clickhouseDatabase: database(env.FOOTFALL_CLICKHOUSE_DATABASE || 'footfall'),
    clickhouseUser: env.FOOTFALL_CLICKHOUSE_USER || 'default',
    clickhousePassword: env.FOOTFALL_CLICKHOUSE_PASSWORD ?? '',
    journal: onOff(env, 'FOOTFALL_JOURNAL', true),
    ingestWorker: onOff(env, 'FOOTFALL_INGEST_WORKER', true),
    journalFsyncMs: int(env, 'FOOTFALL_JOURNAL_FSYNC_MS', 200, 0, 60_000),
    journalSegmentBytes: int(env, 'FOOTFALL_JOURNAL_SEGMENT_BYTES', 32 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    journalMaxBytes: int(env, 'FOOTFALL_JOURNAL_MAX_BYTES', 2 * 1024 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
    apiRateLimitPerHour: int(env, 'FOOTFALL_API_RATE_LIMIT_PER_HOUR', 1_000_000, 1, Number.MAX_SAFE_INTEGER),
    rateLimitPerMinute: int(env, 'FOOTFALL_RATE_LIMIT_PER_MINUTE', 600, 0, 100_000_000),
    rateLimitBurst: int(env, 'FOOTFALL_RATE_LIMIT_BURST', 120, 1, 100_000_000),
    rateLimitClientShare: share(env, 'FOOTFALL_RATE_LIMIT_CLIENT_SHARE', 0.2),
    trustedProxies: trusted(env.FOOTFALL_TRUSTED_PROXIES),
    requestTimeoutMs: int(env, 'FOOTFALL_REQUEST_TIMEOUT_MS', 10_000, 1000, 600_000),
    trustForwardedProto: onOff(env, 'FOOTFALL_TRUST_FORWARDED_PROTO', false),
    loginAttempts: int(env, 'FOOTFALL_LOGIN_ATTEMPTS', 10, 1, 1_000_000),
    metricsToken: metricsToken(env.FOOTFALL_METRICS_TOKEN),
    trackerScriptName: scriptName(env.FOOTFALL_TRACKER_SCRIPT_NAME),
    eventPath: eventPath(env.FOOTFALL_EVENT_PATH),
    logLevel: level as Config['logLevel'],
  };
}
