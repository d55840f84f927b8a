import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoInZone, localDate, offsetMinutes, timeLabels, zonedToUtc } from '../../src/stats/dates.js';
import { goalDisplayName, goalError, pagePatternRegex } from '../../src/stats/goals.js';
import { autoInterval, parseDateRange } from '../../src/stats/query.js';
import { breakdownKey, previousRange, v1Change, v1DateRange, v1Filters, v1Interval } from '../../src/stats/v1.js';

test('time zones: quarter-hour offsets and DST through Intl', () => {
  assert.equal(offsetMinutes(Date.parse('2026-03-02T00:00:00Z'), 'Asia/Kathmandu'), 345);
  assert.equal(offsetMinutes(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin'), 120);
  assert.equal(offsetMinutes(Date.parse('2026-01-01T00:00:00Z'), 'America/St_Johns'), -210);
  assert.equal(new Date(zonedToUtc('2026-03-03', 'Asia/Kathmandu')).toISOString(), '2026-03-02T18:15:00.000Z');
  assert.equal(new Date(zonedToUtc('2026-03-29', 'Europe/Berlin', '02:30:00')).toISOString(), '2026-03-29T01:30:00.000Z', 'a skipped hour moves forward');
  assert.equal(isoInZone(Date.parse('2026-03-02T18:14:59Z'), 'Asia/Kathmandu'), '2026-03-02T23:59:59+05:45');
  assert.equal(localDate(Date.parse('2026-03-02T18:15:00Z'), 'Asia/Kathmandu'), '2026-03-03');
});

test('time labels: hours across a DST change, days, weeks from the range start, months', () => {
  const from = zonedToUtc('2026-03-29', 'Europe/Berlin');
  const to = zonedToUtc('2026-03-30', 'Europe/Berlin');
  const hours = timeLabels('hour', from, to, 'Europe/Berlin');
  assert.equal(hours.length, 23, 'the day of the spring change has 23 hours');
  assert.ok(!hours.includes('2026-03-29 02:00:00'));
  const kat = timeLabels('hour', zonedToUtc('2026-03-02', 'Asia/Kathmandu'), zonedToUtc('2026-03-03', 'Asia/Kathmandu'), 'Asia/Kathmandu');
  assert.deepEqual([kat.length, kat[0], kat[23]], [24, '2026-03-02 00:00:00', '2026-03-02 23:00:00']);
  assert.deepEqual(timeLabels('week', zonedToUtc('2026-03-04', 'UTC'), zonedToUtc('2026-03-20', 'UTC'), 'UTC'), ['2026-03-04', '2026-03-09', '2026-03-16']);
  assert.deepEqual(timeLabels('month', zonedToUtc('2026-01-15', 'UTC'), zonedToUtc('2026-04-02', 'UTC'), 'UTC'), ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01']);
  assert.deepEqual(timeLabels('day', zonedToUtc('2026-02-27', 'UTC'), zonedToUtc('2026-03-02', 'UTC'), 'UTC'), ['2026-02-27', '2026-02-28', '2026-03-01']);
});

test('date ranges and the automatic interval', () => {
  const clock = { nowMs: Date.parse('2026-03-01T02:00:00Z'), statsStart: '2025-12-24' };
  assert.deepEqual(parseDateRange('day', 'America/New_York', clock, false).echo, ['2026-02-28T00:00:00-05:00', '2026-02-28T23:59:59-05:00'], 'still yesterday in New York');
  assert.deepEqual(parseDateRange('12mo', 'UTC', clock, false).echo, ['2025-03-01T00:00:00+00:00', '2026-02-28T23:59:59+00:00']);
  assert.deepEqual(parseDateRange('all', 'UTC', clock, false).echo, ['2025-12-24T00:00:00+00:00', '2026-03-01T23:59:59+00:00']);
  for (const bad of ['0d', '5001d', '101mo', 'week', ['2026-02-30', '2026-03-01'], ['2026-01-01'], 7, null]) {
    assert.throws(() => parseDateRange(bad, 'UTC', clock, false), /#\/date_range: Invalid date range/);
  }
  const day = 86_400_000;
  assert.equal(autoInterval(0, 2 * day), 'hour');
  assert.equal(autoInterval(0, 30 * day), 'day');
  assert.equal(autoInterval(0, 91 * day), 'week');
  assert.equal(autoInterval(0, 365 * day), 'month');
});

test('goals: display names, path patterns, validation', () => {
  assert.equal(goalDisplayName({ eventName: 'Signup', pagePath: '' }), 'Signup');
  assert.equal(goalDisplayName({ eventName: '', pagePath: '/pricing*' }), 'Visit /pricing*');
  const re = (p: string) => new RegExp(pagePatternRegex(p));
  assert.ok(re('/blog/*').test('/blog/post') && !re('/blog/*').test('/blog/a/b'));
  assert.ok(re('/blog/**').test('/blog/a/b'));
  assert.ok(re('/a.b').test('/a.b') && !re('/a.b').test('/axb'), 'dots are literal');
  assert.ok(re('/pricing*').test('/pricing-eu') && !re('/pricing').test('/pricing/x'));
  assert.equal(goalError({ eventName: 'Signup', pagePath: '', currency: 'EUR' }), null);
  assert.match(String(goalError({ eventName: '', pagePath: '', currency: '' })), /either an event/);
  assert.match(String(goalError({ eventName: 'X', pagePath: '', currency: 'EURO' })), /unknown currency/);
  assert.match(String(goalError({ eventName: '', pagePath: '/x', currency: 'EUR' })), /only event goals/);
  assert.match(String(goalError({ eventName: 'pageview', pagePath: '', currency: '' })), /not a custom event/);
});

test('v1 adapters: periods, filters, breakdown keys', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  assert.deepEqual(v1DateRange(null, null, now, 'UTC'), ['2026-02-08', '2026-03-10']);
  assert.deepEqual(v1DateRange('7d', '2026-03-05', now, 'UTC'), ['2026-02-26', '2026-03-04']);
  assert.deepEqual(v1DateRange('custom', '2026-01-01, 2026-01-31', now, 'UTC'), ['2026-01-01', '2026-01-31'], 'dates trimmed');
  assert.throws(() => v1DateRange('custom', null, now, 'UTC'), /The `date` parameter is required when using a custom period/);
  assert.throws(() => v1DateRange('day', '2026-13-01', now, 'UTC'), /Error parsing `date` parameter: invalid_format/);
  assert.deepEqual(v1DateRange('6mo', null, now, 'UTC'), ['2025-10-01', '2026-03-31']);
  assert.deepEqual(v1DateRange('custom', '2026-01-01,2026-01-31', now, 'UTC'), ['2026-01-01', '2026-01-31']);
  assert.throws(() => v1DateRange('custom', '2026-01-31', now, 'UTC'));
  assert.deepEqual(previousRange(['2026-03-01', '2026-03-07']), ['2026-02-22', '2026-02-28']);
  assert.deepEqual(v1Filters('event:goal==Signup;visit:country!=DE|FR'), [['is', 'event:goal', ['Signup']], ['is_not', 'visit:country', ['DE', 'FR']]]);
  assert.deepEqual(v1Filters('event:page==/blog/*'), [['matches_wildcard', 'event:page', ['/blog/*']]]);
  assert.deepEqual(v1Filters('event:goal==Visit /blog**'), [['is', 'event:goal', ['Visit /blog**']]], 'goal names are literal');
  assert.deepEqual(v1Filters('[["is","visit:browser",["Chrome"]]]'), [['is', 'visit:browser', ['Chrome']]], 'a JSON filter list');
  assert.throws(() => v1Filters('badproperty==x'), /Invalid filter property 'badproperty'/);
  assert.equal(v1Interval(null, 'day'), 'hour');
  assert.equal(v1Interval(null, '12mo'), 'month');
  assert.equal(v1Interval('date', '30d'), 'day');
  assert.throws(() => v1Interval('fortnight', '30d'), /invalid interval `fortnight`/);
  assert.deepEqual([v1Change('visitors', 3, 1), v1Change('visitors', 3, 0), v1Change('visitors', 0, 0), v1Change('time_on_page', null, 60)], [200, 100, 0, null]);
  assert.deepEqual([v1Change('bounce_rate', 50, 100), v1Change('bounce_rate', 100, 0), v1Change('conversion_rate', 50, 33.33)], [-50, null, 16.7]);
  assert.deepEqual(v1Filters('event:props:author==a\\|b'), [['is', 'event:props:author', ['a|b']]]);
  assert.deepEqual(v1Filters('visit:source~goo'), [['contains', 'visit:source', ['goo']]]);
  assert.equal(breakdownKey('visit:source'), 'source');
  assert.equal(breakdownKey('event:props:author'), 'author');
});
