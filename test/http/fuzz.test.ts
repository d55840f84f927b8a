import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { BROWSER_UA, cli, exportRows, newKey, startServer, METRICS_AUTH } from '../helpers/server.js';
import { seededRandom } from '../../src/util/rng.js';

/**
 * A bounded fuzz run of `POST /api/event`: random and mutated bodies, headers and HTTP framing, with valid events
 * interleaved. No answer may be a 5xx, none may hang, and every valid event must be stored. The seed is printed;
 * `FUZZ_SEED=<n>` replays a run, `FUZZ_REQUESTS=<n>` sets its length.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1500);



test(`fuzzed POST /api/event: no 5xx, no hang, valid events all stored (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS}`);
  const rand = seededRandom(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const srv = await startServer({ env: { FOOTFALL_RATE_LIMIT_CLIENT_SHARE: '1' } });
  try {
    assert.equal((await cli(srv.dataDir, ['sites', 'add', 'fuzz.example'])).code, 0);
    assert.equal((await cli(srv.dataDir, ['sites', 'rate-limit', 'fuzz.example', '--per-minute', '10000000', '--burst', '1000000'])).code, 0);
    const key = await newKey(srv.dataDir);

    const strings = ['', 'pageview', 'a'.repeat(121), 'x'.repeat(3000), '\u0000', '\ud800', '😀', '"\\', "'; DROP TABLE events; --", '<script>', 'https://fuzz.example/', 'data:text/html,x', 'javascript:alert(1)', 'fuzz.example', 'fuzz.example,other.example', '%00', '\n\r\t'];
    const values = (): unknown => pick([() => pick(strings), () => int(1e9) - 5e8, () => rand() * 1e308, () => null, () => true, () => [], () => ({}), () => [pick(strings)], () => ({ [pick(strings)]: pick(strings) }), () => 1e400, () => -0])();
    const fields = ['n', 'name', 'u', 'url', 'd', 'domain', 'r', 'referrer', 'p', 'props', 'm', 'meta', '$', 'revenue', 'i', 'interactive', 'h', 'hashMode', 'sd', 'e', 'v', 'w', 'screen_width', '__proto__', 'constructor'];
    const valid = (i: number) => ({ n: 'pageview', u: `https://fuzz.example/valid/${i}`, d: 'fuzz.example' });

    const body = (): string | Buffer => {
      switch (int(8)) {
        case 0: // random object of known fields with random values
          return JSON.stringify(Object.fromEntries(Array.from({ length: int(8) }, () => [pick(fields), values()])));
        case 1: {
          // a valid event with one field replaced
          const b: Record<string, unknown> = { ...valid(-1), u: `https://fuzz.example/m/${int(1000)}` };
          b[pick(fields)] = values();
          return JSON.stringify(b);
        }
        case 2: {
          // byte mutations of a valid body
          const buf = Buffer.from(JSON.stringify({ ...valid(-1), p: { a: 'b', n: 1 }, r: 'https://www.google.com/' }));
          for (let k = 0; k < 1 + int(5); k++) buf[int(buf.length)] = int(256);
          return buf;
        }
        case 3: // truncation
          return JSON.stringify({ ...valid(-1), p: { x: 'y'.repeat(int(3000)) } }).slice(0, int(200));
        case 4: // deep nesting
          return '['.repeat(1 + int(100_000)) + ']'.repeat(int(3));
        case 5: // props at and over the limits
          return JSON.stringify({ ...valid(-1), p: Object.fromEntries(Array.from({ length: int(40) }, (_, k) => [`k${k}${'x'.repeat(int(400))}`, 'v'.repeat(int(2500))])) });
        case 6: // random bytes
          return Buffer.from(Array.from({ length: int(300) }, () => int(256)));
        default: // not an object
          return pick(['null', '1', '"s"', '[]', 'true', '', ' ', '{', '}', '{"n":"pageview","u":"https://fuzz.example/"}}', 'n=pageview&u=https://fuzz.example/']);
      }
    };
    const headers = (): Record<string, string> => {
      const h: Record<string, string> = { 'user-agent': pick([BROWSER_UA, '', 'curl/8', 'x'.repeat(5000), 'Mozilla/5.0 (compatible; Googlebot/2.1)', '\u00ff\u00fe']) };
      if (rand() < 0.7) h['content-type'] = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'garbage/;;;', '']);
      if (rand() < 0.3) h['x-forwarded-for'] = pick(['1.2.3.4', 'garbage', '::1', '300.1.1.1', '1.2.3.4, 5.6.7.8', '[::ffff:1.2.3.4]:80', '']);
      if (rand() < 0.1) h['x-plausible-ip'] = pick(['9.9.9.9', 'nope', '']);
      return h;
    };
    /** Raw HTTP framing abuse on its own connection; resolves with the status line (or '' when the server closed). */
    const raw = (): Promise<string> =>
      new Promise((resolve) => {
        const payload = pick([
          'POST /api/event HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
          'POST /api/event HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\n{}',
          'POST /api/event HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n{}',
          'POST /api/event HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}POST /api/event HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n[]',
          'GARBAGE\r\n\r\n',
          'POST /api/event HTTP/1.1\r\nhost: x\r\nx: ' + 'a'.repeat(20_000) + '\r\n\r\n',
          'POST /api/event?x=%zz HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}',
          'POST /%2e%2e/api/event HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n',
        ]);
        const s = net.connect(srv.port, '127.0.0.1', () => s.end(payload));
        let out = '';
        const timer = setTimeout(() => {
          s.destroy();
          resolve('HANG');
        }, 15_000);
        s.on('data', (d) => (out += d));
        s.on('error', () => undefined);
        s.on('close', () => {
          clearTimeout(timer);
          resolve(out.split('\r\n')[0] ?? '');
        });
      });

    const sentValid: string[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        let status: string;
        if (i % 10 === 0) {
          const b = valid(i);
          const r = await fetch(`${srv.url}/api/event`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, 'x-forwarded-for': `10.7.${(i >> 8) & 255}.${i & 255}` }, body: JSON.stringify(b), signal: AbortSignal.timeout(15_000) });
          await r.text();
          assert.equal(r.status, 202, `valid event ${i} answered ${r.status} (seed ${SEED})`);
          sentValid.push(`/valid/${i}`);
          status = String(r.status);
        } else if (i % 23 === 0) {
          status = await raw();
          assert.notEqual(status, 'HANG', `raw request ${i} hung (seed ${SEED})`);
          assert.doesNotMatch(status, /HTTP\/1\.1 5\d\d/, `raw request ${i}: ${status} (seed ${SEED})`);
          status = status.slice(9, 12) || 'closed';
        } else {
          const r = await fetch(`${srv.url}/api/event`, { method: 'POST', headers: headers(), body: body(), signal: AbortSignal.timeout(15_000) });
          const text = await r.text();
          assert.ok(r.status < 500, `request ${i} answered ${r.status}: ${text.slice(0, 200)} (seed ${SEED})`);
          if (r.status >= 400) assert.doesNotThrow(() => JSON.parse(text), `a ${r.status} answer is JSON (seed ${SEED})`);
          status = String(r.status);
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    t.diagnostic(`statuses ${JSON.stringify(statuses)}`);
    assert.equal((await fetch(`${srv.url}/api/health`, { headers: METRICS_AUTH })).status, 200);
    const stored = new Set((await exportRows(srv.url, key, 'events', 'fuzz.example')).map((r) => String(r.pathname)));
    for (const p of sentValid) assert.ok(stored.has(p), `valid event ${p} stored (seed ${SEED})`);
    assert.equal(await srv.stop(), 0, 'a clean stop after the run');
  } finally {
    await srv.stop('SIGKILL');
  }
});
