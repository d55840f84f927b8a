import { parentPort } from 'node:worker_threads';
import { createDetector, parseUserAgent } from './useragent.js';

/** Worker thread: User-Agent parsing (0.1–30 ms of regexes per new string) off the event loop. */
const detector = createDetector();
parentPort!.on('message', (msg: { id: number; ua: string }) => {
  let info;
  try {
    info = parseUserAgent(detector, msg.ua);
  } catch {
    info = null;
  }
  parentPort!.postMessage({ id: msg.id, info });
});
