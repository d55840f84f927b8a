/**
 * A load generator for the durability tests, run as a separate process (child_process.fork):
 *
 *   fork('dist/test/helpers/loadgen.js', [baseUrl, domain, connections])
 *
 * Each connection posts pageviews as fast as the server answers, every one with a unique path `/e/<n>`;
 * connection errors (the server was killed or is restarting) are retried with new paths after a short pause.
 * Every 100 ms it sends the parent `{ accepted: string[], statuses: Record<string, number> }` with the paths
 * that got 202 since the last message; on the message 'stop' it finishes the requests in flight, sends a
 * last report with `done: true`, and exits.
 */
import http from 'node:http';

const [base = '', domain = '', connArg] = process.argv.slice(2);
// Only as a forked child with its arguments (a test runner that loads every file under test/ finds nothing to do).
if (!process.send || !base || !domain) process.exit(0);
const connections = Number(connArg ?? 32);
const target = new URL('/api/event', base);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let counter = 0;
let stopping = false;
let accepted: string[] = [];
const statuses: Record<string, number> = {};

function post(path: string, worker: number): Promise<number | string> {
  const body = JSON.stringify({ n: 'pageview', u: `https://${domain}${path}`, d: domain });
  return new Promise((resolve) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
          'user-agent': UA,
          // a few dozen visitors, so sessions are continued as well as started
          'x-forwarded-for': `198.51.100.${worker % 40}`,
        },
        timeout: 20_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve('error'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end(body);
  });
}

async function worker(w: number): Promise<void> {
  while (!stopping) {
    const path = `/e/${process.pid}-${++counter}`;
    const status = await post(path, w);
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    if (status === 202) accepted.push(path);
    else if (typeof status === 'string' || status === 503) await new Promise((r) => setTimeout(r, 20));
  }
}

function report(done = false): void {
  const batch = accepted;
  accepted = [];
  process.send?.({ accepted: batch, statuses: { ...statuses }, done });
}

const timer = setInterval(() => report(), 100);
const workers = Array.from({ length: connections }, (_, i) => worker(i));
process.on('message', (m) => {
  if (m !== 'stop') return;
  stopping = true;
  void Promise.all(workers).then(() => {
    clearInterval(timer);
    report(true);
    agent.destroy();
    process.disconnect?.();
  });
});
