/**
 * The shield matcher's worst case per event: the largest shield set a site may have (30 page shields of 250
 * characters with 10 wildcards each, 10 hostname patterns with 10 wildcards) against the longest URL path an event
 * may carry (2,000 bytes) crafted not to match, through SiteShields as the pipeline's shield stage calls it. The
 * baseline, in the same run: the same calls on a site without shields. For the record it also times the regular
 * expressions the matcher replaced (each `*` as `.*`) on the smallest attack, `/*\/*\/*\/*.php` and 482 characters.
 *
 *   npm run build && node dist/bench/patterns.js
 */
import { SiteShields, type ShieldRule } from '../src/ingest/shields.js';
import { MAX_WILDCARDS } from '../src/util/glob.js';

const rule = (kind: ShieldRule['kind'], value: string): ShieldRule => ({ kind, value });
// each pattern: '/', then 9 parts of 20 a's and a b (each a near-miss at every place of a path of a's), then '*x.php':
// a path of a's ending in x.php passes the prefix and suffix checks and makes the first part scan the whole path
const crafted = (i: number) => '/' + ('*' + 'a'.repeat(20) + 'b').repeat(MAX_WILDCARDS - 1) + `*${i}x.php`;
const pages = Array.from({ length: 30 }, (_, i) => rule('page', crafted(i)));
const hosts = Array.from({ length: 10 }, (_, i) => rule('hostname', ('*' + 'a'.repeat(20) + 'b').repeat(MAX_WILDCARDS - 1) + `*.h${i}.example`));
const largest = new SiteShields([...pages, ...hosts]);
const none = new SiteShields([]);
const paths = Array.from({ length: 30 }, (_, i) => '/' + 'a'.repeat(1990) + `${i}x.php`);
const host = 'a'.repeat(240) + '.h0.example';

function perEventUs(s: SiteShields, n: number): { p99: number; mean: number } {
  const each: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    s.pageBlocked(paths[i % paths.length]!);
    s.hostnameAllowed(host);
    each.push(performance.now() - t);
  }
  each.sort((a, b) => a - b);
  return { p99: each[Math.floor(n * 0.99)]! * 1000, mean: ((performance.now() - t0) / n) * 1000 };
}

perEventUs(largest, 2000); // warm-up
const base = perEventUs(none, 20_000);
const big = perEventUs(largest, 20_000);
console.log('| shields | mean µs an event | p99 µs an event |');
console.log('|---|---:|---:|');
console.log(`| none (baseline) | ${base.mean.toFixed(2)} | ${base.p99.toFixed(1)} |`);
console.log(`| the largest allowed, crafted: 30 page shields and 10 hostname patterns of 10 wildcards, 2,000-byte paths that nearly match | ${big.mean.toFixed(2)} | ${big.p99.toFixed(1)} |`);

const attack = new RegExp('^' + '/*/*/*/*.php'.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
const t = performance.now();
attack.test('/' + 'a/'.repeat(240) + 'a');
console.log(`\nthe regular expression it replaced, /*/*/*/*.php on a 482-character path: ${Math.round(performance.now() - t)} ms for one event`);
