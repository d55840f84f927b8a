// Builds assets/geo/subdivisions.json: for each country, GeoNames admin1 code → ISO 3166-2 code, and normalized
// subdivision names → ISO 3166-2 code. Source: the npm package iso3166-2-db (MIT; its data comes from GeoNames,
// CC BY 4.0, and ISO 3166-2). Run once when updating the data, not at install:
//   npm pack iso3166-2-db && tar xzf iso3166-2-db-*.tgz && node scripts/build-subdivisions.mjs package
import fs from 'node:fs';
import path from 'node:path';
import { normalizePlaceName } from '../dist/src/ingest/geo-names.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/build-subdivisions.mjs <path to iso3166-2-db>');
const sources = ['geonames', 'en'].map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'i18n', `${f}.json`), 'utf8')));
const out = {};
for (const src of sources) {
  for (const [cc, country] of Object.entries(src)) {
    const entry = (out[cc] ??= { admin: {}, names: {} });
    for (const r of country.regions ?? []) {
      if (!r.iso) continue;
      const iso = `${cc}-${r.iso}`;
      if (r.admin) entry.admin[r.admin] ??= iso;
      const n = normalizePlaceName(r.name ?? '');
      if (n) entry.names[n] ??= iso;
    }
  }
}
fs.writeFileSync('assets/geo/subdivisions.json', JSON.stringify(out));
console.log(Object.keys(out).length, 'countries');
