import { plausibleCases } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_test.exs
// (inputs and expected answers; the events are the factory fields its populate_stats call inserts).
const U = 1231;
const twoVisits = (extra: Record<string, unknown>) => [
  { ...extra, user_id: U, timestamp: '2021-01-01 00:00:00' },
  { user_id: U, timestamp: '2021-01-01 00:25:00' },
  { timestamp: '2021-01-01 00:00:00' },
];

plausibleCases('query', [
  {
    name: 'aggregates a single metric',
    events: [{ user_id: U, timestamp: '2021-01-01 00:00:00' }, { user_id: U, timestamp: '2021-01-01 00:25:00' }, { timestamp: '2021-01-01 00:00:00' }],
    v2: { metrics: ['pageviews'], date_range: 'all' },
    expect: { results: [{ metrics: [3], dimensions: [] }] },
  },
  {
    name: 'aggregate views_per_visit rounds to two decimal places',
    events: [
      { user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, timestamp: '2021-01-01 00:25:00' },
      { user_id: 456, timestamp: '2021-01-01 00:00:00' },
      { user_id: 456, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['views_per_visit'], date_range: 'all' },
    expect: { results: [{ metrics: [1.67], dimensions: [] }] },
  },
  {
    name: 'aggregates all metrics in a single query',
    events: [{ user_id: U, timestamp: '2021-01-01 00:00:00' }, { user_id: U, timestamp: '2021-01-01 00:25:00' }, { timestamp: '2021-01-01 00:00:00' }],
    v2: { date_range: 'all', metrics: ['pageviews', 'visits', 'views_per_visit', 'visitors', 'bounce_rate', 'visit_duration'] },
    expect: { results: [{ metrics: [3, 2, 1.5, 2, 50, 750], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by source',
    events: twoVisits({ referrer_source: 'Google' }),
    v2: { date_range: 'all', metrics: ['pageviews', 'visitors', 'bounce_rate', 'visit_duration'], filters: [['is', 'visit:source', ['Google']]] },
    expect: { results: [{ metrics: [2, 1, 0, 1500], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: contains referrer filter',
    events: [{ referrer: 'https://a.com' }, { referrer: 'https://a.com' }, { referrer: 'https://ab.com' }],
    v2: { date_range: 'all', metrics: ['visitors'], filters: [['contains', 'visit:referrer', ['a.com']]] },
    expect: { results: [{ metrics: [2], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by is_not utm_medium case insensitively',
    events: [{ utm_medium: 'Social', user_id: U, timestamp: '2021-01-01 00:00:00' }, { utm_medium: 'SOCIAL', user_id: U, timestamp: '2021-01-01 00:25:00' }, { timestamp: '2021-01-01 00:00:00' }],
    v2: { date_range: 'all', metrics: ['pageviews'], filters: [['is_not', 'visit:utm_medium', ['sociaL'], { case_sensitive: false }]] },
    expect: { results: [{ metrics: [1], dimensions: [] }] },
  },
]);
