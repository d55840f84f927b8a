import { parentPort } from 'node:worker_threads';
import { IngestCore, type IngestCoreConfig } from './core.js';
import type { LiveSession } from './session.js';
import { SiteDirectory, type SitesSnapshot } from './sites.js';
import { encodeResults, type BatchItem, type BatchResult, type FromWorker, type ToWorker } from './worker-protocol.js';

/**
 * The ingest worker thread: the pipeline's stages, the live sessions and the rows' serialization (`IngestCore`),
 * off the event loop that serves HTTP. Messages are handled strictly in order; requests that arrive while the core
 * is still opening wait for it.
 */
const port = parentPort!;
const sites = new SiteDirectory();
let core: IngestCore | null = null;
const waiting: ToWorker[] = [];
let opening = false;
/** Undo actions of requests whose rows are not yet known to be kept. */
const undos = new Map<number, () => void>();

const send = (m: FromWorker): void => port.postMessage(m);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function call(op: string, arg: unknown): Promise<unknown> {
  if (op === 'init') {
    const { config, sites: snapshot } = arg as { config: IngestCoreConfig; sites: SitesSnapshot };
    sites.update(snapshot);
    core = await IngestCore.open(config, sites);
    return null;
  }
  if (!core) throw new Error('the ingest core is not open');
  switch (op) {
    case 'restore':
      return core.restore();
    case 'load':
      return core.load(arg as Array<[string, LiveSession]>);
    case 'stats':
      return core.stats();
    case 'close':
      return core.close();
    default:
      throw new Error(`unknown call ${op}`);
  }
}

function batch(m: Extract<ToWorker, { t: 'batch' }>): void {
  for (const id of m.kept) undos.delete(id);
  for (const id of m.undone) {
    undos.get(id)?.();
    undos.delete(id);
  }
  if (m.items === '') return;
  const items = JSON.parse(m.items) as BatchItem[];
  const results: BatchResult[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const [id, request, ip, userAgent, ua, nowMs] = items[i]!;
    try {
      const { out, undo } = core!.process(request, { ip, userAgent, ua, now: new Date(nowMs) });
      if (undo) undos.set(id, undo);
      results[i] = [id, out.events, out.sessions, out.dropped, undo !== null];
    } catch (err) {
      results[i] = [id, errorText(err)];
    }
  }
  send({ t: 'results', results: encodeResults(results) });
}

/** Handles messages in order; an async call (open, restore) holds the ones after it until it is done. */
async function drain(): Promise<void> {
  if (opening) return;
  while (waiting.length > 0) {
    const m = waiting.shift()!;
    if (m.t === 'sites') sites.update(m.sites);
    else if (m.t === 'batch') batch(m);
    else {
      opening = true;
      try {
        send({ t: 'reply', id: m.id, value: await call(m.op, m.arg) });
      } catch (err) {
        send({ t: 'reply', id: m.id, error: errorText(err) });
      } finally {
        opening = false;
      }
    }
  }
}

port.on('message', (m: ToWorker) => {
  waiting.push(m);
  void drain();
});
