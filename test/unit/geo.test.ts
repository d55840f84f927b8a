import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GeoIp, hasName, isReservedIp, NO_GEO } from '../../src/ingest/geo.js';
import { normalizePlaceName } from '../../src/ingest/geo-names.js';

const geo = GeoIp.open();

// Well-known public addresses and where the shipped DB-IP City Lite puts them; cities as GeoNames ids.
const known: Array<[string, string, string, number, string]> = [
  ['8.8.8.8', 'US', 'US-CA', 5375480, 'Mountain View'],
  ['1.1.1.1', 'AU', 'AU-NSW', 2147714, 'Sydney'],
  ['81.2.69.142', 'GB', 'GB-ENG', 2643743, 'London'],
  ['141.20.1.1', 'DE', 'DE-BE', 2950159, 'Berlin'],
  ['193.99.144.80', 'DE', 'DE-NI', 2910831, 'Hannover'],
  ['77.88.55.77', 'RU', 'RU-MOW', 524901, 'Moscow'],
  ['2a00:1450:4001:800::200e', 'DE', 'DE-HE', 2925533, 'Frankfurt am Main (IPv6)'],
  ['2606:4700:4700::1111', 'CA', 'CA-QC', 6077243, 'Montreal (IPv6)'],
];
for (const [ip, country, region, city, name] of known) {
  test(`${ip} → ${country} ${region} ${name}`, () => {
    assert.deepEqual(geo.lookup(ip), { country_code: country, subdivision1_code: region, subdivision2_code: '', city_geoname_id: city });
  });
}

test('private, reserved and invalid addresses get no location', () => {
  for (const ip of ['10.1.2.3', '192.168.0.1', '172.16.5.4', '127.0.0.1', '100.64.0.1', '169.254.1.1', '203.0.113.9', '::1', 'fd00::1', 'fe80::1', '2001:db8::1', '', 'nonsense']) {
    assert.deepEqual(geo.lookup(ip), NO_GEO, ip);
  }
  assert.ok(!isReservedIp('8.8.8.8'));
  assert.ok(!isReservedIp('2a00:1450::1'));
});

test('lookups are cached per IP', () => {
  const a = geo.lookup('8.8.4.4');
  assert.equal(geo.lookup('8.8.4.4'), a);
});

test('place names are normalized for matching', () => {
  assert.equal(normalizePlaceName('State of Berlin'), 'berlin');
  assert.equal(normalizePlaceName('Hanover (Buchholz-Kleefeld)'), 'hanover');
  assert.equal(normalizePlaceName('Baden-Württemberg'), 'baden wurttemberg');
  assert.equal(normalizePlaceName('Moscow Oblast'), 'moscow');
});

test('the city index built on a worker thread gives the same answers', async () => {
  const viaWorker = GeoIp.open();
  await viaWorker.warmUp();
  for (const [ip] of known) assert.deepEqual(viaWorker.lookup(ip), geo.lookup(ip), ip);
});

test('a name matches one of the |-separated names of a city, whole', () => {
  assert.ok(hasName('london', 'london'));
  assert.ok(hasName('londres|london|londra', 'london'));
  assert.ok(hasName('londres|london', 'london'));
  assert.ok(hasName('london|londres', 'london'));
  assert.ok(!hasName('new london|londonderry', 'london'));
  assert.ok(!hasName('londonx|xlondon', 'london'));
  assert.ok(hasName('londonx|london', 'london'));
  assert.ok(!hasName('', 'london'));
});
