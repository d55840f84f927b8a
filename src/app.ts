import v8 from 'node:v8';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { Admin } from './core/admin.js';
import { Accounts } from './core/accounts.js';
import { Access } from './core/access.js';
import { Teams } from './core/teams.js';
import { Segments } from './core/segments.js';
import { FirstRun } from './core/first-run.js';
import { sealKeyFrom } from './core/two-factor.js';
import { AccountSlowdown, AttemptLimiter, loadDeviceKey } from './http/dashboard-auth.js';
import { Gate, QueryBudget } from './http/query-budget.js';
import { WebAssets } from './http/static.js';
import { TrackerScript } from './http/tracker.js';
import { IngestCounters } from './core/counters.js';
import { Metrics } from './core/metrics.js';
import { createAdminServer, createPublicServer, type AppDeps } from './http/server.js';
import { GeoIp } from './ingest/geo.js';
import { IngestCore, type IngestCoreConfig } from './ingest/core.js';
import { InlineProcessor, WorkerProcessor, type EventProcessor } from './ingest/processor.js';
import { SESSION_TIMEOUT_MS, liveSessionsFromRows, type LiveSession } from './ingest/session.js';
import { TokenBucketLimiter } from './ingest/ratelimit.js';
import { TrustedProxies } from './ingest/ip.js';
import { UaService } from './ingest/ua-service.js';
import { openStore } from './store/open.js';
import { Importer } from './import/service.js';
import { prepareDataDir } from './store/datadir.js';
import { StatsEngine } from './stats/engine.js';
import { retrying, unreachable } from './store/backend.js';
import { openJournal } from './store/intake.js';
import type { Store } from './store/store.js';
import type { Logger } from './util/log.js';

/** Common User-Agents parsed at start (in the background) so the first visitors do not wait for the detector. */
const WARM_UP_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];

export interface RunningApp {
  port: number;
  store: Store;
  admin: Admin;
  accounts: Accounts;
  counters: IngestCounters;
  /** Graceful stop: refuse new connections, finish requests in flight, write every buffered row, close the store. */
  stop(): Promise<void>;
}

/** Migrates the store; a ClickHouse server that is not reachable yet is waited for (logged, with backoff). */
function migrateWhenReachable(store: Store, config: Config, log: Logger) {
  return retrying(
    () => store.migrate(),
    (err) => config.clickhouseUrl !== undefined && unreachable(err),
    (err, attempt, retryMs) => log.warn('waiting for the ClickHouse server', { url: config.clickhouseUrl, attempt, retryMs, err }),
    (attempt) => Math.min(attempt * 500, 5000),
  );
}

export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'footfall.sock');
}

function listen(server: http.Server, ...args: [number, string] | [string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 2) server.listen(args[0], args[1], done);
    else server.listen(args[0], done);
  });
}

function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A socket file left by a crashed server is removed; one that answers belongs to a live server (refuse). */
async function clearStaleSocket(sock: string): Promise<void> {
  if (!fs.existsSync(sock)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(sock);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another Footfall server is running on ${sock}`);
  fs.rmSync(sock, { force: true });
}

/**
 * Starts everything; `onListening` gets the app the moment it accepts events (before the start promise
 * settles), so that a signal arriving then is handled by a graceful stop.
 */
export async function startApp(config: Config, log: Logger, onListening?: (app: RunningApp) => void): Promise<RunningApp> {
  // Files this process creates (store, journal, salts, sessions, dead letters) are for its user only.
  process.umask(0o077);
  prepareDataDir(config.dataDir, log);
  const metrics = new Metrics();
  const store = await openStore(config, log, (table, seconds) => metrics.observeInsert(table, seconds));
  const report = await migrateWhenReachable(store, config, log);
  log.info('store ready', { kind: store.backend.kind, dataDir: config.dataDir, schemaFrom: report.from, schemaTo: report.to, applied: report.applied });
  const { journal, intake } = await openJournal(config, store, log);
  const admin = new Admin(store, { perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst });
  await admin.load();
  const deviceKey = loadDeviceKey(path.join(config.dataDir, 'device.key'));
  const accounts = new Accounts(store.accounts, Date.now, store.secrets, sealKeyFrom(deviceKey));
  await accounts.load();
  const teams = new Teams(store.teams);
  await teams.load();
  const access = new Access(admin, accounts, teams);
  const moved = await access.migrate();
  const firstRun = new FirstRun(accounts);
  const segments = new Segments(store.segments);
  await segments.load();
  if (moved.owners || moved.sites || moved.keys) log.info('sites and users moved into a team', moved);
  const counters = new IngestCounters();
  const ua = new UaService({ cacheSize: config.uaCacheSize, maxQueue: config.uaQueueMax });
  void ua.warmUp(WARM_UP_USER_AGENTS);
  // The pipeline, the live sessions and the rows' serialization: on the ingest worker thread (default), or here.
  const coreConfig: IngestCoreConfig = { dataDir: config.dataDir, maxLiveSessions: config.maxLiveSessions, maxSessionBytes: config.maxSessionBytes, geoipDb: config.geoipDb };
  /** The latest state of the sessions active in the last 30 minutes, from the store (complete after the journal replay). */
  const fromStore = async (): Promise<Array<[string, LiveSession]>> => {
    await Promise.all([store.events.flush(), store.sessions.flush()]);
    const live: Array<[string, LiveSession]> = [];
    for await (const page of store.activeSessions(Date.now() - SESSION_TIMEOUT_MS)) for (const e of liveSessionsFromRows(page)) live.push(e);
    return live.sort((a, b) => a[1].lastMs - b[1].lastMs);
  };
  let processor: EventProcessor;
  let inThread: IngestCore | null = null;
  if (config.ingestWorker) {
    const w = await WorkerProcessor.start(coreConfig, admin.snapshot(), log, fromStore);
    admin.onChange = (snapshot) => w.updateSites(snapshot);
    processor = w;
  } else {
    inThread = await IngestCore.open(coreConfig, admin);
    processor = new InlineProcessor(inThread);
  }
  let restored = await processor.restore();
  if (restored === null) {
    // No saved sessions: the last stop was not graceful (or this is the first start). The store, complete after
    // the journal replay, holds the latest state of every session: continue the ones active in the last 30 min.
    restored = await processor.load(await fromStore());
    log.info('live sessions rebuilt from the store', { sessions: restored });
  }
  // Place names for the Stats API: the GeoIP databases themselves are read only where events are located (the
  // ingest worker), the city names when a query first needs them.
  const geo = inThread?.geo ?? GeoIp.open({ override: config.geoipDb });
  metrics.attach(counters, processor, store, ua, journal);
  const stats = new StatsEngine(store.backend, store.db, geo);
  let ready = false;
  const deps: AppDeps = {
    log,
    store,
    admin,
    counters,
    processor,
    metrics,
    metricsToken: config.metricsToken,
    limiter: new TokenBucketLimiter(config.rateLimitClientShare),
    trustedProxies: TrustedProxies.parse(config.trustedProxies),
    requestTimeoutMs: config.requestTimeoutMs,
    sites: admin,
    umamiSites: admin,
    intake,
    journal,
    ua,
    maxBodyBytes: config.maxBodyBytes,
    stats,
    apiRateLimitPerHour: config.apiRateLimitPerHour,
    accounts,
    trustForwardedProto: config.trustForwardedProto,
    loginLimiter: new AttemptLimiter(config.loginAttempts, 15 * 60_000),
    accountSlowdown: new AccountSlowdown(config.loginAttempts, 15 * 60_000),
    queryBudget: new QueryBudget(),
    anonymousGate: new Gate(1),
    deviceKey,
    access,
    firstRun,
    segments,
    tracking: { script: `/js/${config.trackerScriptName ?? 'script'}.js`, eventPath: config.eventPath },
    web: WebAssets.builtIn(),
    tracker: TrackerScript.builtIn(config.eventPath, config.trackerScriptName),
    eventPath: config.eventPath,
    isReady: () => ready,
    importer: new Importer(store, admin, () => geo, (siteId) => stats.importsChanged(siteId)),
  };

  const server = createPublicServer(deps);
  const adminServer = createAdminServer(deps);
  const sock = adminSocketPath(config.dataDir);
  try {
    await clearStaleSocket(sock);
    await listen(adminServer, sock);
    fs.chmodSync(sock, 0o600);
    await listen(server, config.port, config.listenAddress);
  } catch (err) {
    adminServer.close();
    await store.close();
    await journal?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  ready = true;
  const setupToken = firstRun.start();
  if (setupToken) {
    log.warn('first run: no account yet; create the owner account in the browser with this one-time link (or `footfall users add <email>`)', {
      url: `http://${config.listenAddress === '0.0.0.0' || config.listenAddress === '::' ? 'localhost' : config.listenAddress}:${port}/login?setup=${setupToken}`,
    });
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      log.info('shutting down: refusing new connections, finishing requests');
      await closeServer(server, 10_000);
      await closeServer(adminServer, 2_000);
      const depth = store.events.depth + store.sessions.depth;
      log.info('writing buffered rows', { rows: depth });
      await ua.close();
      const saved = await processor.close();
      log.info('live sessions saved', { sessions: saved });
      try {
        await store.close();
        log.info('store closed', { rows: depth });
        await journal?.close();
      } finally {
        fs.rmSync(sock, { force: true });
      }
    })());
  const app: RunningApp = { port, store, admin, accounts, counters, stop };
  onListening?.(app);
  // startupMs: from the process start to accepting events (store, migrations, journal replay, sessions, GeoIP).
  // The heap bound is a Node flag, so it is given where Node starts (npm start, ./footfall start); say when it is not.
  const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / 1024 / 1024);
  if (heapLimitMb > config.heapMb + 256) {
    log.warn('the JavaScript heap is not bounded as configured: memory may grow past the documented ceiling; start with `npm start`, `./footfall start` or `node --max-old-space-size=<FOOTFALL_HEAP_MB>`', { heapLimitMb, heapMb: config.heapMb });
  }
  log.info('listening', { port, address: config.listenAddress, adminSocket: sock, sites: admin.listSites().length, restoredSessions: restored, startupMs: Math.round(performance.now()), heapLimitMb });
  return app;
}
