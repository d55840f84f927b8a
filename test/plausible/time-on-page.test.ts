import { plausibleCases } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_time_on_page_test.exs
// (inputs and expected answers only). Plausible runs these against its internal endpoint (/api/v2/query-internal-test);
// here they go to /api/v2/query.
//
// Not ported:
// - "aggregated time_on_page metric with imported data", "time_on_page time series": imported data (imported_pages).
// - describe "include.legacy_time_on_page_cutoff" (all 7) and describe "legacy time_on_page metric" ("aggregated",
//   "breakdown"): the site's legacy time-on-page cutoff (a site setting, here overridden by an internal-only include
//   key) for sites with pre-engagement data; Plausible's public query API computes only the engagement-based metric.
//   Most of them also include imported data.
// - describe "timeseries": "reports legacy time-on-page as nulls per day", "respects `legacy_time_on_page_cutoff`",
//   "can use comparisons together with `legacy_time_on_page_cutoff`": the same legacy cutoff.
//
// Note: "aggregated time_on_page metric based on engagement data" also asserts `meta` == {imports_included: true},
// which holds because its setup creates a site import (create_site_import); the harness cannot create one, so only
// `results` is compared.

const r = (dimensions: unknown[], metrics: unknown[]) => ({ dimensions, metrics });
const day = (d: string, user_id: number, engagement_time: number) => [
  { user_id, pathname: '/', timestamp: `2021-01-0${d} 00:00:00` },
  { name: 'engagement', user_id, pathname: '/', timestamp: `2021-01-0${d} 00:05:00`, engagement_time },
];

plausibleCases('top', [
  {
    name: 'aggregated time_on_page metric based on engagement data',
    events: [
      { user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:10:00', engagement_time: 120_000 },
      { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:11:00', engagement_time: 20_000 },
      { user_id: 13, pathname: '/blog', timestamp: '2021-01-01 00:10:00' },
      { name: 'engagement', user_id: 13, pathname: '/blog', timestamp: '2021-01-01 00:10:00', engagement_time: 60_000 },
    ],
    v2: { metrics: ['time_on_page'], date_range: 'all', dimensions: ['event:page'], include: { imports: true } },
    expect: { results: [r(['/blog'], [100])] },
  },
  {
    name: 'timeseries: reports average new time-on-page per day',
    events: [...day('1', 12, 100_000), ...day('2', 12, 200_000), ...day('3', 12, 250_000), ...day('4', 12, 200_000), ...day('4', 13, 100_000)],
    v2: { metrics: ['time_on_page'], date_range: ['2021-01-01', '2021-01-04'], filters: [['is', 'event:page', ['/']]], dimensions: ['time:day'] },
    expect: { results: [r(['2021-01-01'], [100]), r(['2021-01-02'], [200]), r(['2021-01-03'], [250]), r(['2021-01-04'], [150])] },
  },
]);
