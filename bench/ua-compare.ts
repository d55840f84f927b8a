/**
 * Compares the two Matomo device-detector ports on npm on the test corpus (test/fixtures/user-agents.ts):
 * agreement with the expected browser / OS / device / bot verdicts (after Footfall's mapping), and parse
 * time per User-Agent (uncached, after warm-up).
 *   node dist/bench/ua-compare.js
 */
import { createRequire } from 'node:module';
import { createDetector, foldBrowser, screenSize } from '../src/ingest/useragent.js';
import { UA_CORPUS } from '../test/fixtures/user-agents.js';

const req = createRequire(import.meta.url);
const DDJS = req('device-detector-js') as new () => { parse(ua: string): any };
const ddjs = new DDJS();
const ndd = createDetector();

type Verdict = { bot: boolean; browser: string; os: string; screen: string };
const viaNdd = (ua: string): Verdict => {
  const bot = ndd.parseBot(ua);
  const d = ndd.detect(ua);
  return {
    bot: !!(bot && bot.name) || d.client?.type === 'library' || d.client?.name === 'Headless Chrome',
    browser: d.client?.name ? foldBrowser(d.client.name, d.client.type) : '',
    os: d.os?.name ?? '',
    screen: screenSize(d.device?.type ?? ''),
  };
};
const DDJS_TYPES: Record<string, string> = { television: 'tv' };
const viaDdjs = (ua: string): Verdict => {
  const r = ddjs.parse(ua);
  const type = r.device?.type ?? '';
  return {
    bot: !!r.bot || r.client?.type === 'library' || r.client?.name === 'Headless Chrome',
    browser: r.client?.name ? foldBrowser(r.client.name, r.client.type) : '',
    os: r.os?.name ?? '',
    screen: screenSize(DDJS_TYPES[type] ?? type),
  };
};

function score(name: string, parse: (ua: string) => Verdict): void {
  let checks = 0;
  let right = 0;
  const misses: string[] = [];
  for (const c of UA_CORPUS) {
    const v = parse(c.ua);
    const want: Array<readonly [string, unknown, unknown]> = c.bot
      ? [['bot', v.bot, true]]
      : [
          ['bot', v.bot, false],
          ...(c.browser !== undefined ? ([['browser', v.browser, c.browser]] as const) : []),
          ...(c.os !== undefined ? ([['os', v.os, c.os]] as const) : []),
          ...(c.screen !== undefined ? ([['screen', v.screen, c.screen]] as const) : []),
        ];
    for (const [field, got, exp] of want) {
      checks++;
      if (got === exp) right++;
      else misses.push(`${c.name}: ${field} ${JSON.stringify(got)} ≠ ${JSON.stringify(exp)}`);
    }
  }
  for (let i = 0; i < 2; i++) for (const c of UA_CORPUS) parse(c.ua); // compile lazily built regexes
  const t0 = process.hrtime.bigint();
  const rounds = 5;
  for (let i = 0; i < rounds; i++) for (const c of UA_CORPUS) parse(c.ua);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / (rounds * UA_CORPUS.length);
  process.stdout.write(`${name.padEnd(22)} ${right}/${checks} checks right, ${us.toFixed(0)} µs per User-Agent (mean)\n`);
  for (const m of misses) process.stdout.write(`    ${m}\n`);
}

score('node-device-detector', viaNdd);
score('device-detector-js', viaDdjs);
