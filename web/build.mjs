// Builds the dashboard into dist/web: one JS bundle and one CSS file (content-hashed names, minified, with
// gzip and brotli copies), the world map's shapes as a JSON asset, and index.html pointing at them.
// Everything comes from npm packages installed with the project; nothing is fetched.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { feature } from 'topojson-client';

const require = createRequire(import.meta.url);
const root = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(root, '../dist/web');
const assets = path.join(out, 'assets');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(assets, { recursive: true });

const hash = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 10);
function emit(name, ext, buf) {
  const file = `${name}-${hash(buf)}${ext}`;
  fs.writeFileSync(path.join(assets, file), buf);
  compress(path.join(assets, file), buf);
  return file;
}
function compress(file, buf) {
  fs.writeFileSync(file + '.gz', zlib.gzipSync(buf, { level: 9 }));
  fs.writeFileSync(file + '.br', zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

// The world map: country shapes from world-atlas (Natural Earth, 1:110m), projected (equirectangular, cropped to
// 60°S–84°N) into SVG paths keyed by ISO 3166-1 alpha-2 code.
function worldMap() {
  const countries = require('i18n-iso-countries');
  const topo = JSON.parse(fs.readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8'));
  const geo = feature(topo, topo.objects.countries);
  const W = 1000, TOP = 84, BOTTOM = -60;
  const H = Math.round((W * (TOP - BOTTOM)) / 360);
  // Whole units on a 1000-unit-wide map (the map is shown ≈ 400–600 px wide): points that round to the same unit
  // are dropped, and so are islands smaller than 3 units across; a third of the vertices remain, which the page
  // parses and paints much faster, at no visible cost.
  const px = (lon) => Math.round(((lon + 180) / 360) * W);
  const py = (lat) => Math.round(((TOP - Math.max(BOTTOM, Math.min(TOP, lat))) / 360) * W);
  const ring = (r, keepSmall = false) => {
    const pts = [];
    for (const [lon, lat] of r) {
      const p = [px(lon), py(lat)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    }
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    if (pts.length < 2 || (!keepSmall && (pts.length < 3 || Math.max(...xs) - Math.min(...xs) + Math.max(...ys) - Math.min(...ys) < 3))) return '';
    // a ring that crosses the antimeridian (Russia's far east, Fiji) would draw a line across the whole map:
    // it continues as a new subpath where it jumps
    let d = `M${pts[0][0]} ${pts[0][1]}`;
    for (let i = 1; i < pts.length; i++) {
      const dx = pts[i][0] - pts[i - 1][0];
      d += Math.abs(dx) > W / 2 ? `M${pts[i][0]} ${pts[i][1]}` : `l${dx} ${pts[i][1] - pts[i - 1][1]}`;
    }
    return d + 'z';
  };
  const shapes = {};
  for (const f of geo.features) {
    if (f.id === undefined || f.id === '010') continue; // no code; Antarctica
    const code = countries.numericToAlpha2(f.id);
    if (!code) continue;
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    let d = polys.map((p) => p.map((r) => ring(r)).join('')).join('');
    // a country too small to draw keeps its outer ring anyway, so that its visitors still show
    if (!d) d = polys.map((p) => ring(p[0], true)).join('') || `M${px(polys[0][0][0][0])} ${py(polys[0][0][0][1])}l1 0l0 1l-1 0z`;
    shapes[code] = (shapes[code] ?? '') + d;
  }
  return JSON.stringify({ width: W, height: H, shapes });
}

// English country names for the page (see web/src/components/WorldMap.tsx): every ISO 3166-1 alpha-2 code that
// i18n-iso-countries knows, and Kosovo (XK), which GeoIP databases use.
function countryNames() {
  const countries = require('i18n-iso-countries');
  const dn = new Intl.DisplayNames(['en'], { type: 'region' });
  const names = {};
  for (const code of [...Object.keys(countries.getAlpha2Codes()), 'XK'].sort()) {
    const n = dn.of(code);
    if (n && n !== code) names[code] = n;
  }
  if (names.US !== 'United States' || names.DE !== 'Germany') throw new Error('this Node has no full ICU: country names are missing');
  return names;
}

// Code splitting: what the first view does not need (the graph library, settings, the CSV zip writer) comes in
// chunks loaded on demand, so the first script is smaller to fetch, parse and run.
const result = await esbuild.build({
  entryPoints: { app: path.join(root, 'src/main.tsx') },
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  outdir: assets,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', __COUNTRY_NAMES__: JSON.stringify(countryNames()) },
});
let jsFile, cssFile;
let jsBytes = 0, jsGz = 0, firstGz = 0;
for (const f of result.outputFiles) {
  const buf = Buffer.from(f.contents);
  fs.writeFileSync(f.path, buf);
  compress(f.path, buf);
  const name = path.basename(f.path);
  const entry = result.metafile.outputs[path.relative(process.cwd(), f.path)]?.entryPoint;
  if (name.endsWith('.css')) cssFile = name;
  else if (name.endsWith('.js')) {
    jsBytes += buf.length;
    const g = zlib.gzipSync(buf, { level: 9 }).length;
    jsGz += g;
    if (entry && entry.endsWith('src/main.tsx')) {
      jsFile = name;
      firstGz = g;
    }
  }
}
if (!jsFile || !cssFile) throw new Error('the build made no app script or stylesheet');
// Every chunk the first view needs is announced in the page, so the browser fetches them all at once (no waterfall
// of imports): the entry's static imports, and the graph library it loads at once. Settings and CSV stay lazy.
const outputs = result.metafile.outputs;
const appKey = Object.keys(outputs).find((k) => outputs[k].entryPoint?.endsWith('src/main.tsx'));
const preload = new Set();
for (const imp of outputs[appKey].imports) if (imp.kind === 'import-statement') preload.add(path.basename(imp.path));
for (const [k, o] of Object.entries(outputs)) if (o.entryPoint?.includes('node_modules/uplot/')) preload.add(path.basename(k));
const mapFile = emit('world', '.json', Buffer.from(worldMap()));
const icon = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M8 22l5-7 4 4 7-10" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>',
);
const iconFile = emit('icon', '.svg', icon);
// The tracker script (web/tracker): the official Plausible tracker library behind the legacy snippet, one classic
// script for every variant; the server puts its event path in and compresses it at start.
const tracker = await esbuild.build({
  entryPoints: [path.join(root, 'tracker/script.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2017'],
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});
const trackerLicense = fs.readFileSync(path.join(path.dirname(require.resolve('@plausible-analytics/tracker')), 'LICENSE.md'), 'utf8');
const trackerJs = Buffer.concat([
  Buffer.from(`/* Footfall's tracker: the official Plausible tracker library (@plausible-analytics/tracker) with the script-tag interface.\n\n${trackerLicense.replace(/\*\//g, '* /').trim()}\n*/\n`),
  Buffer.from(tracker.outputFiles[0].contents),
]);
if (!trackerJs.includes('__FOOTFALL_EVENT_PATH__')) throw new Error('the tracker lost its event-path placeholder');
fs.writeFileSync(path.join(out, 'tracker.js'), trackerJs);

// Umami's script-tag tracker, Footfall's own (web/tracker/umami.ts), served at /script.js
const umami = await esbuild.build({ entryPoints: [path.join(root, 'tracker/umami.ts')], bundle: true, minify: true, format: 'iife', target: ['es2017'], write: false, legalComments: 'none', logLevel: 'warning' });
fs.writeFileSync(path.join(out, 'umami.js'), umami.outputFiles[0].contents);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="footfall-map" content="/assets/${mapFile}">
<title>Footfall</title>
<link rel="icon" href="/assets/${iconFile}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${cssFile}">
${[...preload].map((f) => `<link rel="modulepreload" href="/assets/${f}">`).join('\n')}
<script type="module" src="/assets/${jsFile}"></script>
</head>
<body><div id="app"></div><noscript>The Footfall dashboard needs JavaScript.</noscript></body>
</html>
`;
fs.writeFileSync(path.join(out, 'index.html'), html);
compress(path.join(out, 'index.html'), Buffer.from(html));
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
console.log(`tracker: ${(trackerJs.length / 1024).toFixed(1)} kB (${(gz(trackerJs) / 1024).toFixed(1)} kB gzipped)`);
console.log(`web: ${jsFile} and chunks ${(jsBytes / 1024).toFixed(1)} kB (${(jsGz / 1024).toFixed(1)} kB gzipped; the first script ${(firstGz / 1024).toFixed(1)} kB), ${cssFile} ${(gz(fs.readFileSync(path.join(assets, cssFile))) / 1024).toFixed(1)} kB gzipped, map ${(gz(fs.readFileSync(path.join(assets, mapFile))) / 1024).toFixed(1)} kB gzipped`);
