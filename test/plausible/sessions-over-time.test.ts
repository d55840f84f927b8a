import { plausibleCases } from './harness.js';

// Ported from Plausible's test/plausible/stats/query/query_test.exs (its internal query tests, "session smearing
// respects query date range boundaries"), posted here to the public /api/v2/query. Inputs and expected answers only.
// Not ported: the time:minute cases (minute buckets are the dashboard's realtime view, not the public API).
// The last case applies the rule of Plausible's "visitors and visits are smeared across time:minute buckets but
// visit_duration is not" at hour scale: a visit counts in every hour it spans, its duration in the hour it ended; the
// one after it, Plausible's range condition on sessions (last activity at or after the start, begun before the end).

plausibleCases('smear', [
  {
    name: 'time:hour does not include buckets from outside the query range',
    events: [
      { user_id: 1, timestamp: '2021-01-01 23:55:00' },
      { user_id: 1, timestamp: '2021-01-02 00:10:00' },
      { user_id: 2, timestamp: '2021-01-02 23:55:00' },
      { user_id: 2, timestamp: '2021-01-03 00:10:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-02', '2021-01-02'], dimensions: ['time:hour'], include: { total_rows: true } },
    expect: { results: [{ dimensions: ['2021-01-02 00:00:00'], metrics: [1] }, { dimensions: ['2021-01-02 23:00:00'], metrics: [1] }], meta: { total_rows: 2 } },
  },
  {
    name: 'time:hour does not include buckets from outside the query range (non-UTC timezone)',
    timezone: 'America/New_York',
    events: [
      { user_id: 1, timestamp: '2021-01-01 04:55:00' },
      { user_id: 1, timestamp: '2021-01-01 05:10:00' },
      { user_id: 1, timestamp: '2021-01-02 04:55:00' },
      { user_id: 1, timestamp: '2021-01-02 05:10:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-01'], dimensions: ['time:hour'] },
    expect: { results: [{ dimensions: ['2021-01-01 00:00:00'], metrics: [1] }, { dimensions: ['2021-01-01 23:00:00'], metrics: [1] }] },
  },
  {
    name: 'time:day clamps sessions extending past the query range end into the last bucket',
    events: [
      { user_id: 1, timestamp: '2021-01-31 23:55:00' },
      { user_id: 1, timestamp: '2021-02-01 00:05:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-31'], dimensions: ['time:day'] },
    expect: { results: [{ dimensions: ['2021-01-31'], metrics: [1] }] },
  },
  {
    name: 'time:week clamps sessions extending past the query range end into the last bucket',
    events: [
      { user_id: 1, timestamp: '2021-01-31 23:55:00' },
      { user_id: 1, timestamp: '2021-02-01 00:05:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-31'], dimensions: ['time:week'] },
    expect: { results: [{ dimensions: ['2021-01-25'], metrics: [1] }] },
  },
  {
    name: 'time:month clamps sessions extending past the query range end into the last bucket',
    events: [
      { user_id: 1, timestamp: '2021-02-28 23:55:00' },
      { user_id: 1, timestamp: '2021-03-01 00:05:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-02-28'], dimensions: ['time:month'] },
    expect: { results: [{ dimensions: ['2021-02-01'], metrics: [1] }] },
  },
  {
    name: 'over time:hour a visit counts in every hour it spans, its duration in the hour it ended',
    events: [
      { user_id: 1, timestamp: '2021-01-01 00:50:00' },
      { user_id: 1, timestamp: '2021-01-01 01:10:00' },
      { user_id: 2, timestamp: '2021-01-01 00:05:00' },
      { user_id: 2, timestamp: '2021-01-01 00:08:00' },
    ],
    v2: { metrics: ['visitors', 'visits', 'visit_duration', 'pageviews'], date_range: ['2021-01-01', '2021-01-01'], dimensions: ['time:hour'] },
    expect: {
      results: [
        { dimensions: ['2021-01-01 00:00:00'], metrics: [2, 2, 180, 3] },
        { dimensions: ['2021-01-01 01:00:00'], metrics: [1, 1, 1200, 1] },
      ],
    },
  },
  {
    name: 'a visit that began the day before counts in the day it was active (sessions active in the range)',
    events: [
      { user_id: 1, timestamp: '2021-01-01 23:50:00' },
      { user_id: 1, timestamp: '2021-01-02 00:10:00' },
      { user_id: 2, timestamp: '2021-01-02 10:00:00' },
    ],
    v2: { metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'], date_range: ['2021-01-02', '2021-01-02'] },
    expect: { results: [{ dimensions: [], metrics: [2, 2, 50, 600] }] },
  },
]);
