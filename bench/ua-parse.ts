/**
 * The device detector's cost per new User-Agent: 1,000 distinct browser User-Agents (bench/realistic's) parsed once
 * each, as Footfall parses them (createDetector: the library with its rules' RegExps built once) against the library
 * as it comes (a RegExp built from the rule text for every rule it tries), same options, each in a fresh process.
 *
 *   npm run build && node dist/bench/ua-parse.js
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { USER_AGENTS } from './realistic.js';

const mode = process.argv[2];
if (mode) {
  let parse: (ua: string) => unknown;
  if (mode === 'footfall') {
    const { createDetector, parseUserAgent } = await import('../src/ingest/useragent.js');
    const d = createDetector();
    parse = (ua) => parseUserAgent(d, ua);
  } else {
    const DeviceDetector = createRequire(import.meta.url)('node-device-detector') as new (o: Record<string, unknown>) => { detect(ua: string): unknown; parseBot(ua: string): unknown };
    const d = new DeviceDetector({ clientIndexes: true, deviceIndexes: true, osIndexes: true, deviceAliasCode: false, deviceInfo: false, deviceTrusted: false, maxUserAgentSize: 500 });
    parse = (ua) => (d.parseBot(ua), d.detect(ua));
  }
  parse(USER_AGENTS[0]!); // loads the rules
  const t0 = performance.now();
  for (const ua of USER_AGENTS) parse(ua);
  console.log(JSON.stringify({ msPerUserAgent: +((performance.now() - t0) / USER_AGENTS.length).toFixed(2) }));
} else {
  const run = (m: string) => JSON.parse(spawnSync(process.execPath, [fileURLToPath(import.meta.url), m], { encoding: 'utf8' }).stdout) as { msPerUserAgent: number };
  const lib = run('library');
  const ours = run('footfall');
  console.log(JSON.stringify({ userAgents: USER_AGENTS.length, library: lib.msPerUserAgent, footfall: ours.msPerUserAgent, ratio: +(ours.msPerUserAgent / lib.msPerUserAgent).toFixed(2) }));
}
