import type { PCase, PEvent } from './harness.js';
import { plausibleCases } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_test.exs
// (commit ac1665146ae4c9e2ea7e27c899e19196e2ae3833), its second half: from "top sources for a custom goal and
// filtered by hostname" to the end. Inputs and expected answers only; the events are the factory fields its
// populate_stats call inserts.
//
// Not ported (the harness lacks what they need):
// - "bounce rate calculation handles invalid session data gracefully": it puts a stale session back into
//   Plausible's session cache between inserts; there is no way to reach into our session store from the cases.
// - "using the returned query object in a new POST request / yields the same results for a simple aggregate
//   query": only its first request is ported; the second posts the `query` object the first returned (a chained
//   request the harness cannot make).
// - "segment filters / site segments of other sites don't resolve" and "… even personal segments of other users of
//   the same site resolve to filters …": they need saved segments (and other users, other sites).
//
// Notes:
// - Plausible runs the scroll_depth and has_done/has_not_done cases on its `/api/v2/query-internal-test` endpoint
//   (the public one rejected those features at this commit); the harness asks `/api/v2/query`, which is where
//   Footfall serves them.
// - "IN filter for visit:entry_page" asserts the two rows in any order; the order given here is one of those.
// - Where Plausible asserts `"metric_warnings" not in meta` (or only `meta.total_rows`), the case asserts the whole
//   `meta`, which under Plausible holds only the keys that `include` and warnings add.
const U = 1231;

const revenueGoals = [
  { event_name: 'Purchase', currency: 'USD' },
  { event_name: 'Payment', currency: 'USD' },
  { event_name: 'Subscription', currency: 'EUR' },
  { event_name: 'Signup' },
];
const revenueEvents: PEvent[] = [
  { name: 'Purchase', timestamp: '2021-01-01 00:00:00', revenue_reporting_amount: '100.3', revenue_reporting_currency: 'USD' },
  { name: 'Payment', timestamp: '2021-01-01 00:00:00', revenue_reporting_amount: '40.3', revenue_reporting_currency: 'USD' },
  { name: 'Payment', timestamp: '2021-01-01 00:00:00', revenue_reporting_amount: '60.6', revenue_reporting_currency: 'USD' },
  { name: 'Subscription', timestamp: '2021-01-01 00:00:00', revenue_reporting_amount: '100', revenue_reporting_currency: 'EUR' },
  { name: 'Signup', timestamp: '2021-01-01 00:00:00' },
];
const noRevenueGoals = {
  code: 'no_revenue_goals_matching',
  warning: 'Revenue metrics are null as there are no matching revenue goals.',
};
const noSingleCurrency = {
  code: 'no_single_revenue_currency',
  warning: 'Revenue metrics are null as there are multiple currencies for the selected event:goals.',
};
const usd = (value: number, long: string, short: string) => ({ currency: 'USD', long, short, value });

const eightPages: PEvent[] = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ pathname: `/${i}` }));
const paginated = (pagination: Record<string, number>) => ({
  metrics: ['pageviews'],
  date_range: 'all',
  dimensions: ['event:page'],
  order_by: [['event:page', 'asc']],
  include: { total_rows: true },
  pagination,
});
const pageRows = (...ns: number[]) => ns.map((n) => ({ dimensions: [`/${n}`], metrics: [1] }));

// the events of "breakdown by event:page with scroll_depth metric" and "can sort by scroll_depth …" (t0..t3)
const blogAnother: PEvent[] = [
  { user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
  { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 20 },
  { user_id: 12, pathname: '/another', timestamp: '2020-01-01 00:01:00' },
  { name: 'engagement', user_id: 12, pathname: '/another', timestamp: '2020-01-01 00:02:00', scroll_depth: 24 },
  { user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
  { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 17 },
  { user_id: 34, pathname: '/another', timestamp: '2020-01-01 00:01:00' },
  { name: 'engagement', user_id: 34, pathname: '/another', timestamp: '2020-01-01 00:02:00', scroll_depth: 26 },
  { user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:02:00' },
  { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:03:00', scroll_depth: 60 },
  { user_id: 56, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
  { name: 'engagement', user_id: 56, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 100 },
];

const onboardingGoals = [
  { event_name: 'Onboarding conversion: Step 1' },
  { event_name: 'Onboarding conversion: Step 2' },
  { event_name: 'Unrelated' },
  { page_path: '/conversion' },
];
const onboardingEvents: PEvent[] = [
  { name: 'Onboarding conversion: Step 1' },
  { name: 'Onboarding conversion: Step 1' },
  { name: 'Onboarding conversion: Step 2' },
  { name: 'Unrelated' },
  { pathname: '/conversion' },
];

const T = '2021-01-01 00:00:00';
const blogVisits: PEvent[] = [
  { user_id: 1, pathname: '/blog/post/1', timestamp: T },
  { user_id: 1, pathname: '/', timestamp: T },
  { user_id: 2, pathname: '/', timestamp: T },
  { user_id: 3, pathname: '/blog/post/1', timestamp: T },
];
const conversions: PEvent[] = [
  { name: 'Conversion', user_id: 1, timestamp: T },
  { name: 'Conversion', user_id: 1, timestamp: T },
  { user_id: 1, timestamp: T },
  { user_id: 1, timestamp: T },
  { user_id: 1, timestamp: T },
  { name: 'Conversion', user_id: 2, timestamp: T },
  { user_id: 2, timestamp: T },
  { name: 'Conversion', user_id: 3, timestamp: T },
  { user_id: 4, timestamp: T },
];

const cases: PCase[] = [
  {
    name: 'top sources for a custom goal and filtered by hostname',
    events: [
      { hostname: 'blog.example.com', referrer_source: 'Facebook', user_id: U },
      { hostname: 'app.example.com', pathname: '/register', user_id: U },
      { name: 'Signup', hostname: 'app.example.com', pathname: '/register', user_id: U },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'], filters: [['is', 'event:hostname', ['app.example.com']]] },
    expect: { results: [] },
  },
  {
    name: 'top sources for a custom goal and filtered by hostname (2)',
    events: [
      { hostname: 'app.example.com', referrer_source: 'Facebook', pathname: '/register', user_id: U },
      { name: 'Signup', hostname: 'app.example.com', pathname: '/register', user_id: U },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'], filters: [['is', 'event:hostname', ['app.example.com']]] },
    expect: { results: [{ dimensions: ['Facebook'], metrics: [1] }] },
  },
  {
    name: 'event:page filter is interpreted as entry_page filter only for bounce_rate',
    events: [
      { browser: 'Chrome', user_id: U, pathname: '/ignore', timestamp: '2021-01-01 00:00:00' },
      { browser: 'Chrome', user_id: U, pathname: '/plausible.io', timestamp: '2021-01-01 00:01:00' },
      { browser: 'Chrome', user_id: 456, pathname: '/important-page', timestamp: '2021-01-01 00:00:00' },
      { browser: 'Chrome', user_id: 456, pathname: '/', timestamp: '2021-01-01 00:01:00' },
      { browser: 'Chrome', pathname: '/plausible.io', timestamp: '2021-01-01 00:01:00' },
    ],
    v2: {
      date_range: 'all',
      metrics: ['visitors', 'bounce_rate'],
      filters: [['is', 'event:page', ['/plausible.io', '/important-page']]],
      dimensions: ['visit:browser'],
    },
    expect: { results: [{ dimensions: ['Chrome'], metrics: [3, 50] }] },
  },
  {
    name: 'event:goal pageview filter for breakdown by visit source',
    goals: [{ page_path: '/plausible.io' }],
    events: [
      { referrer_source: 'Bing', timestamp: '2021-01-01 00:00:00' },
      { referrer_source: 'Google', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { pathname: '/plausible.io', user_id: U, timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'], filters: [['is', 'event:goal', ['Visit /plausible.io']]] },
    expect: { results: [{ dimensions: ['Google'], metrics: [1] }] },
  },
  {
    name: 'event:goal custom event filter for breakdown by visit source',
    goals: [{ event_name: 'Register' }],
    events: [
      { referrer_source: 'Bing', timestamp: '2021-01-01 00:00:00' },
      { referrer_source: 'Google', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { name: 'Register', user_id: U, timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'], filters: [['is', 'event:goal', ['Register']]] },
    expect: { results: [{ dimensions: ['Google'], metrics: [1] }] },
  },
  {
    name: 'wildcard pageview goal filter for breakdown by event:page',
    goals: [{ page_path: '/**register' }],
    events: [
      { pathname: '/en/register' },
      { pathname: '/en/register', user_id: U },
      { pathname: '/en/register', user_id: U },
      { pathname: '/123/it/register' },
      { pathname: '/should-not-appear' },
    ],
    v2: { metrics: ['visitors', 'pageviews'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:goal', ['Visit /**register']]] },
    expect: {
      results: [
        { dimensions: ['/en/register'], metrics: [2, 3] },
        { dimensions: ['/123/it/register'], metrics: [1, 1] },
      ],
    },
  },
  {
    name: 'goal contains filter for goal breakdown',
    goals: onboardingGoals,
    events: onboardingEvents,
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:goal'], filters: [['contains', 'event:goal', ['conversion']]] },
    expect: {
      results: [
        { dimensions: ['Onboarding conversion: Step 1'], metrics: [2] },
        { dimensions: ['Onboarding conversion: Step 2'], metrics: [1] },
        { dimensions: ['Visit /conversion'], metrics: [1] },
      ],
    },
  },
  {
    name: 'goal contains filter for goal breakdown (case insensitive)',
    goals: onboardingGoals,
    events: onboardingEvents,
    v2: {
      metrics: ['visitors'],
      date_range: 'all',
      dimensions: ['event:goal'],
      filters: [['contains', 'event:goal', ['step'], { case_sensitive: false }]],
    },
    expect: {
      results: [
        { dimensions: ['Onboarding conversion: Step 1'], metrics: [2] },
        { dimensions: ['Onboarding conversion: Step 2'], metrics: [1] },
      ],
    },
  },
  {
    name: 'mixed multi-goal filter for breakdown by visit:country',
    goals: [{ page_path: '/**register' }, { event_name: 'Signup' }],
    events: [
      { country_code: 'EE', pathname: '/en/register' },
      { country_code: 'EE', name: 'Signup', pathname: '/en/register' },
      { country_code: 'US', pathname: '/123/it/register' },
      { country_code: 'US', pathname: '/different' },
    ],
    v2: {
      metrics: ['visitors', 'pageviews', 'events'],
      date_range: 'all',
      dimensions: ['visit:country'],
      filters: [['is', 'event:goal', ['Signup', 'Visit /**register']]],
    },
    expect: {
      results: [
        { dimensions: ['EE'], metrics: [2, 1, 2] },
        { dimensions: ['US'], metrics: [1, 1, 1] },
      ],
    },
  },
  {
    name: 'event:goal custom event filter for breakdown by event page',
    goals: [{ event_name: 'Register' }],
    events: [
      { pathname: '/en/register', name: 'Register' },
      { pathname: '/en/register', name: 'Register' },
      { pathname: '/it/register', name: 'Register' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:goal', ['Register']]] },
    expect: {
      results: [
        { dimensions: ['/en/register'], metrics: [2] },
        { dimensions: ['/it/register'], metrics: [1] },
      ],
    },
  },
  {
    name: 'IN filter for event:page',
    events: [
      { pathname: '/ignore', timestamp: T },
      { pathname: '/plausible.io', timestamp: T },
      { pathname: '/plausible.io', timestamp: T },
      { pathname: '/important-page', timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:page', ['/plausible.io', '/important-page']]] },
    expect: {
      results: [
        { dimensions: ['/plausible.io'], metrics: [2] },
        { dimensions: ['/important-page'], metrics: [1] },
      ],
    },
  },
  {
    name: 'IN filter for visit:browser',
    events: [
      { pathname: '/ignore', browser: 'Firefox', timestamp: T },
      { pathname: '/plausible.io', browser: 'Chrome', timestamp: T },
      { pathname: '/plausible.io', browser: 'Safari', timestamp: T },
      { pathname: '/important-page', browser: 'Safari', timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'visit:browser', ['Chrome', 'Safari']]] },
    expect: {
      results: [
        { dimensions: ['/plausible.io'], metrics: [2] },
        { dimensions: ['/important-page'], metrics: [1] },
      ],
    },
  },
  {
    name: 'IN filter for visit:entry_page',
    events: [
      { pathname: '/ignore', timestamp: T },
      { pathname: '/plausible.io', timestamp: T },
      { pathname: '/plausible.io', timestamp: T },
      { pathname: '/important-page', timestamp: T },
    ],
    v2: { metrics: ['bounce_rate'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:page', ['/plausible.io', '/important-page']]] },
    // Plausible: both rows, in any order
    expect: {
      results: [
        { dimensions: ['/important-page'], metrics: [100] },
        { dimensions: ['/plausible.io'], metrics: [100] },
      ],
    },
  },
  {
    name: 'IN filter for event:name',
    events: [
      { name: 'Signup', timestamp: T },
      { name: 'Signup', timestamp: T },
      { name: 'Login', timestamp: T },
      { name: 'Irrelevant', timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:name'], filters: [['is', 'event:name', ['Signup', 'Login']]] },
    expect: {
      results: [
        { dimensions: ['Signup'], metrics: [2] },
        { dimensions: ['Login'], metrics: [1] },
      ],
    },
  },
  {
    name: 'IN filter for event:name case insensitive',
    events: [
      { name: 'Signup', timestamp: T },
      { name: 'Signup', timestamp: T },
      { name: 'Login', timestamp: T },
      { name: 'Irrelevant', timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', filters: [['is', 'event:name', ['signup', 'LOGIN'], { case_sensitive: false }]] },
    expect: { results: [{ dimensions: [], metrics: [3] }] },
  },
  {
    name: 'IN filter for event:props:*',
    events: [
      { browser: 'Chrome', 'meta.key': ['browser'], 'meta.value': ['Chrome'], timestamp: T },
      { browser: 'Chrome', 'meta.key': ['browser'], 'meta.value': ['Chrome'], timestamp: T },
      { browser: 'Safari', 'meta.key': ['browser'], 'meta.value': ['Safari'], timestamp: T },
      { browser: 'Firefox', 'meta.key': ['browser'], 'meta.value': ['Firefox'], timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is', 'event:props:browser', ['Chrome', 'Safari']]] },
    expect: {
      results: [
        { dimensions: ['Chrome'], metrics: [2] },
        { dimensions: ['Safari'], metrics: [1] },
      ],
    },
  },
  {
    name: 'Multiple event:props:* filters',
    events: [
      { browser: 'Chrome', 'meta.key': ['browser'], 'meta.value': ['Chrome'], timestamp: T },
      { browser: 'Chrome', 'meta.key': ['browser', 'prop'], 'meta.value': ['Chrome', 'xyz'], timestamp: T },
      { browser: 'Safari', 'meta.key': ['browser', 'prop'], 'meta.value': ['Safari', 'target_value'], timestamp: T },
      { browser: 'Chrome', 'meta.key': ['browser', 'prop'], 'meta.value': ['Chrome', 'target_value'], timestamp: T },
      { browser: 'Firefox', 'meta.key': ['browser', 'prop'], 'meta.value': ['Firefox', 'target_value'], timestamp: T },
    ],
    v2: {
      metrics: ['visitors'],
      date_range: 'all',
      dimensions: ['visit:browser'],
      filters: [
        ['is', 'event:props:browser', ['CHROME', 'sAFari'], { case_sensitive: false }],
        ['is_not', 'event:props:browser', ['Chrome'], { case_sensitive: false }],
        ['is', 'event:props:prop', ['target_value']],
      ],
    },
    expect: { results: [{ dimensions: ['Safari'], metrics: [1] }] },
  },
  {
    name: 'IN filter for event:props:* including (none) value',
    events: [
      { browser: 'Chrome', 'meta.key': ['browser'], 'meta.value': ['Chrome'], timestamp: T },
      { browser: 'Chrome', 'meta.key': ['browser'], 'meta.value': ['Chrome'], timestamp: T },
      { browser: 'Safari', timestamp: T },
      { browser: 'Firefox', 'meta.key': ['browser'], 'meta.value': ['Firefox'], timestamp: T },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is', 'event:props:browser', ['Chrome', '(none)']]] },
    expect: {
      results: [
        { dimensions: ['Chrome'], metrics: [2] },
        { dimensions: ['Safari'], metrics: [1] },
      ],
    },
  },
  {
    name: 'can use a is_not filter',
    events: [{ browser: 'Chrome' }, { browser: 'Safari' }, { browser: 'Safari' }, { browser: 'Edge' }],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is_not', 'visit:browser', ['Chrome']]] },
    expect: {
      results: [
        { dimensions: ['Safari'], metrics: [2] },
        { dimensions: ['Edge'], metrics: [1] },
      ],
    },
  },
  {
    name: 'metrics: all metrics for breakdown by visit prop',
    events: [
      { user_id: 1, referrer_source: 'Google', timestamp: '2021-01-01 00:00:00' },
      { name: 'signup', user_id: 1, referrer_source: 'Google', timestamp: '2021-01-01 00:05:00' },
      { user_id: 1, referrer_source: 'Google', timestamp: '2021-01-01 00:10:00' },
      { referrer_source: 'Google', timestamp: '2021-01-01 00:25:00' },
      { referrer_source: 'Twitter', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: {
      metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration'],
      date_range: 'all',
      dimensions: ['visit:source'],
    },
    expect: {
      results: [
        { dimensions: ['Google'], metrics: [2, 2, 3, 4, 50, 300] },
        { dimensions: ['Twitter'], metrics: [1, 1, 1, 1, 100, 0] },
      ],
    },
  },
  {
    name: 'metrics: metrics=bounce_rate does not add visits to the response',
    events: [
      { user_id: 1, pathname: '/entry-page-1', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/some-page', timestamp: '2021-01-01 00:10:00' },
      { user_id: 2, pathname: '/entry-page-2', referrer_source: 'Google', timestamp: '2021-01-01 00:05:00' },
    ],
    v2: { metrics: ['bounce_rate'], date_range: 'all', dimensions: ['visit:entry_page'], order_by: [['visit:entry_page', 'asc']] },
    expect: {
      results: [
        { dimensions: ['/entry-page-1'], metrics: [0] },
        { dimensions: ['/entry-page-2'], metrics: [100] },
      ],
    },
  },
  {
    name: 'metrics: all metrics for breakdown by event prop',
    events: [
      { user_id: 1, pathname: '/', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/plausible.io', timestamp: '2021-01-01 00:10:00' },
      { pathname: '/', timestamp: '2021-01-01 00:25:00' },
      { pathname: '/plausible.io', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: {
      metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration'],
      date_range: 'all',
      dimensions: ['event:page'],
      order_by: [['event:page', 'desc']],
    },
    expect: {
      results: [
        { dimensions: ['/plausible.io'], metrics: [2, 2, 2, 2, 100, 0] },
        { dimensions: ['/'], metrics: [2, 2, 2, 2, 50, 300] },
      ],
    },
  },
  {
    name: 'filtering by custom event property',
    events: [
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['business'], browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['business'], browser: 'Safari', timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['business'], browser: 'Safari', timestamp: '2021-01-01 00:25:00' },
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['personal'], browser: 'IE', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: {
      metrics: ['visitors'],
      date_range: 'all',
      dimensions: ['visit:browser'],
      filters: [
        ['is', 'event:name', ['Purchase']],
        ['is', 'event:props:package', ['business']],
      ],
    },
    expect: {
      results: [
        { dimensions: ['Safari'], metrics: [2] },
        { dimensions: ['Chrome'], metrics: [1] },
      ],
    },
  },
  {
    name: 'multiple breakdown timeseries with sources',
    events: [
      { referrer_source: 'Google', timestamp: '2021-01-01 00:00:00' },
      { timestamp: '2021-01-02 00:00:00' },
      { referrer_source: 'Google', timestamp: '2021-01-02 00:00:00' },
      { referrer_source: 'Google', timestamp: '2021-01-02 00:00:00' },
      { timestamp: '2021-01-03 00:00:00' },
      { timestamp: '2021-01-03 00:00:00' },
      { referrer_source: 'Twitter', timestamp: '2021-01-03 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-03'], dimensions: ['time', 'visit:source'] },
    expect: {
      results: [
        { dimensions: ['2021-01-01', 'Google'], metrics: [1] },
        { dimensions: ['2021-01-02', 'Google'], metrics: [2] },
        { dimensions: ['2021-01-02', 'Direct / None'], metrics: [1] },
        { dimensions: ['2021-01-03', 'Direct / None'], metrics: [2] },
        { dimensions: ['2021-01-03', 'Twitter'], metrics: [1] },
      ],
    },
  },
  {
    name: 'filtering by visit:country_name, visit:region_name, visit:city_name',
    todo: "Footfall shows region GB-LND as its code 'GB-LND' (no name for it), Plausible 'London'",
    events: [
      { country_code: 'GB', subdivision1_code: 'GB-LND', city_geoname_id: 2_643_743 }, // GB, London
      { country_code: 'CA', subdivision1_code: 'CA-ON', city_geoname_id: 6_058_560 }, // CA, London
      { country_code: 'EE', subdivision1_code: 'EE-37', city_geoname_id: 588_409 }, // EE, Tallinn
      { country_code: 'EE', subdivision1_code: 'EE-79', city_geoname_id: 588_335 }, // EE, Tartu
      { country_code: 'EE', subdivision1_code: 'EE-50', city_geoname_id: 591_902 }, // EE, Jõgeva
    ],
    v2: {
      date_range: 'all',
      metrics: ['pageviews'],
      filters: [
        ['is', 'visit:country_name', ['Estonia', 'United Kingdom']],
        ['is_not', 'visit:region_name', ['Tartumaa']],
        ['contains', 'visit:city_name', ['n']],
      ],
      dimensions: ['visit:country_name', 'visit:region_name', 'visit:city_name'],
    },
    expect: {
      results: [
        { dimensions: ['Estonia', 'Harjumaa', 'Tallinn'], metrics: [1] },
        { dimensions: ['United Kingdom', 'London', 'London'], metrics: [1] },
      ],
    },
  },
  {
    name: 'using the returned query object in a new POST request: yields the same results for a simple aggregate query (first request)',
    timezone: 'Europe/Tallinn',
    events: [
      { user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['pageviews'], date_range: 'all' },
    expect: { results: [{ metrics: [3], dimensions: [] }] },
  },
  {
    name: 'pagination: pagination above total count - all results are returned',
    events: eightPages,
    v2: paginated({ limit: 10 }),
    expect: { results: pageRows(1, 2, 3, 4, 5, 6, 7, 8), meta: { total_rows: 8 } },
  },
  {
    name: 'pagination: pagination with offset (limit 3)',
    events: eightPages,
    v2: paginated({ limit: 3 }),
    expect: { results: pageRows(1, 2, 3), meta: { total_rows: 8 } },
  },
  {
    name: 'pagination: pagination with offset (limit 3, offset 3)',
    events: eightPages,
    v2: paginated({ limit: 3, offset: 3 }),
    expect: { results: pageRows(4, 5, 6), meta: { total_rows: 8 } },
  },
  {
    name: 'pagination: pagination with offset (limit 3, offset 6)',
    events: eightPages,
    v2: paginated({ limit: 3, offset: 6 }),
    expect: { results: pageRows(7, 8), meta: { total_rows: 8 } },
  },
  {
    name: 'pagination: pagination with offset (limit 3, offset 9)',
    events: eightPages,
    v2: paginated({ limit: 3, offset: 9 }),
    expect: { results: [] },
  },
  // "scroll_depth: scroll depth is (not yet) available in public API" is not ported: Plausible's public API refused the
  // metric at this commit (a plan feature); Footfall has no plans and serves every metric (stats-api.md §10), and the
  // other scroll_depth cases below answer as Plausible's internal API does.
  {
    name: 'scroll_depth: can query scroll_depth metric with a page filter',
    events: [
      { user_id: 123, timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:00:10', scroll_depth: 40 },
      { user_id: 123, timestamp: '2021-01-01 00:00:10' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:00:20', scroll_depth: 60 },
      { user_id: 456, timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 456, timestamp: '2021-01-01 00:00:10', scroll_depth: 80 },
    ],
    v2: { filters: [['is', 'event:page', ['/']]], date_range: 'all', metrics: ['scroll_depth'] },
    expect: { results: [{ metrics: [70], dimensions: [] }] },
  },
  {
    name: 'scroll_depth: can query scroll_depth with page + custom prop filter',
    events: [
      { user_id: 123, timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:00:10', scroll_depth: 40 },
      { 'meta.key': ['author'], 'meta.value': ['john'], user_id: 123, timestamp: '2021-01-01 00:00:10' },
      { name: 'engagement', 'meta.key': ['author'], 'meta.value': ['john'], user_id: 123, timestamp: '2021-01-01 00:00:20', scroll_depth: 60 },
      { user_id: 456, timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 456, timestamp: '2021-01-01 00:00:10', scroll_depth: 80 },
    ],
    v2: {
      filters: [
        ['is', 'event:page', ['/']],
        ['is', 'event:props:author', ['john']],
      ],
      date_range: 'all',
      metrics: ['scroll_depth'],
    },
    expect: { results: [{ metrics: [60], dimensions: [] }] },
  },
  {
    name: 'scroll_depth: scroll depth is 0 when no engagement data in range',
    events: [{ timestamp: '2021-01-01 00:00:00' }],
    v2: { filters: [['is', 'event:page', ['/']]], date_range: 'all', metrics: ['visitors', 'scroll_depth'] },
    expect: { results: [{ metrics: [1, null], dimensions: [] }] },
  },
  {
    name: 'scroll_depth: scroll depth is 0 when no data at all in range',
    events: [],
    v2: { filters: [['is', 'event:page', ['/']]], date_range: 'all', metrics: ['scroll_depth'] },
    expect: { results: [{ metrics: [null], dimensions: [] }] },
  },
  {
    name: 'scroll_depth: scroll_depth metric in a time:day breakdown',
    events: [
      { user_id: 12, timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', user_id: 12, timestamp: '2020-01-01 00:01:00', scroll_depth: 20 },
      { user_id: 34, timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', user_id: 34, timestamp: '2020-01-01 00:01:00', scroll_depth: 17 },
      { user_id: 34, timestamp: '2020-01-01 00:02:00' },
      { name: 'engagement', user_id: 34, timestamp: '2020-01-01 00:03:00', scroll_depth: 60 },
      { user_id: 56, timestamp: '2020-01-02 00:00:00' },
      { name: 'engagement', user_id: 56, timestamp: '2020-01-02 00:01:00', scroll_depth: 20 },
    ],
    v2: { metrics: ['scroll_depth'], date_range: 'all', dimensions: ['time:day'], filters: [['is', 'event:page', ['/']]] },
    expect: {
      results: [
        { dimensions: ['2020-01-01'], metrics: [40] },
        { dimensions: ['2020-01-02'], metrics: [20] },
      ],
    },
  },
  {
    name: 'scroll_depth: breakdown by event:page with scroll_depth metric',
    events: blogAnother,
    v2: { metrics: ['scroll_depth'], date_range: 'all', dimensions: ['event:page'] },
    expect: {
      results: [
        { dimensions: ['/blog'], metrics: [60] },
        { dimensions: ['/another'], metrics: [25] },
      ],
    },
  },
  {
    name: 'scroll_depth: can sort by scroll_depth in event:page breakdown',
    events: blogAnother,
    v2: { metrics: ['scroll_depth'], date_range: 'all', order_by: [['scroll_depth', 'asc']], dimensions: ['event:page'] },
    expect: {
      results: [
        { dimensions: ['/another'], metrics: [25] },
        { dimensions: ['/blog'], metrics: [60] },
      ],
    },
  },
  {
    name: 'scroll_depth: breakdown by event:page + visit:source with scroll_depth metric',
    events: [
      { referrer_source: 'Google', user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', referrer_source: 'Google', user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 20 },
      { referrer_source: 'Google', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', referrer_source: 'Google', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 17 },
      { referrer_source: 'Google', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:02:00' },
      { name: 'engagement', referrer_source: 'Google', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:03:00', scroll_depth: 60 },
      { referrer_source: 'Twitter', user_id: 56, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', referrer_source: 'Twitter', user_id: 56, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 20 },
      { referrer_source: 'Twitter', user_id: 56, pathname: '/another', timestamp: '2020-01-01 00:01:00' },
      { name: 'engagement', referrer_source: 'Twitter', user_id: 56, pathname: '/another', timestamp: '2020-01-01 00:02:00', scroll_depth: 24 },
    ],
    v2: { metrics: ['scroll_depth'], order_by: [['scroll_depth', 'asc']], date_range: 'all', dimensions: ['event:page', 'visit:source'] },
    expect: {
      results: [
        { dimensions: ['/blog', 'Twitter'], metrics: [20] },
        { dimensions: ['/another', 'Twitter'], metrics: [24] },
        { dimensions: ['/blog', 'Google'], metrics: [40] },
      ],
    },
  },
  {
    name: 'scroll_depth: breakdown by event:page + time:day with scroll_depth metric',
    events: [
      { user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 20 },
      { user_id: 12, pathname: '/another', timestamp: '2020-01-01 00:01:00' },
      { name: 'engagement', user_id: 12, pathname: '/another', timestamp: '2020-01-01 00:02:00', scroll_depth: 24 },
      { user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:00:00' },
      { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:01:00', scroll_depth: 17 },
      { user_id: 34, pathname: '/another', timestamp: '2020-01-01 00:01:00' },
      { name: 'engagement', user_id: 34, pathname: '/another', timestamp: '2020-01-01 00:02:00', scroll_depth: 26 },
      { user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:02:00' },
      { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2020-01-01 00:03:00', scroll_depth: 60 },
      { user_id: 56, pathname: '/blog', timestamp: '2020-01-02 00:00:00' },
      { name: 'engagement', user_id: 56, pathname: '/blog', timestamp: '2020-01-02 00:01:00', scroll_depth: 20 },
      { user_id: 56, pathname: '/another', timestamp: '2020-01-02 00:01:00' },
      { name: 'engagement', user_id: 56, pathname: '/another', timestamp: '2020-01-02 00:02:00', scroll_depth: 24 },
    ],
    v2: { metrics: ['scroll_depth'], date_range: 'all', dimensions: ['event:page', 'time:day'] },
    expect: {
      results: [
        { dimensions: ['/blog', '2020-01-01'], metrics: [40] },
        { dimensions: ['/another', '2020-01-01'], metrics: [25] },
        { dimensions: ['/another', '2020-01-02'], metrics: [24] },
        { dimensions: ['/blog', '2020-01-02'], metrics: [20] },
      ],
    },
  },
  {
    name: 'scroll_depth: breakdown by a custom prop with a page filter',
    events: [
      { user_id: 123, timestamp: '2021-01-01 00:00:00', pathname: '/blog' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:01:00', pathname: '/blog', scroll_depth: 91 },
      { user_id: 123, timestamp: '2021-01-01 00:02:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/blog/john-post' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:03:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/blog/john-post', scroll_depth: 40 },
      { user_id: 123, timestamp: '2021-01-01 00:02:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/another-blog/john-post' },
      { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:03:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/another-blog/john-post', scroll_depth: 90 },
      { user_id: 456, timestamp: '2021-01-01 00:02:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/blog/john-post' },
      { name: 'engagement', user_id: 456, timestamp: '2021-01-01 00:03:00', 'meta.key': ['author'], 'meta.value': ['john'], pathname: '/blog/john-post', scroll_depth: 46 },
    ],
    v2: {
      metrics: ['scroll_depth'],
      order_by: [['scroll_depth', 'desc']],
      date_range: 'all',
      filters: [['matches', 'event:page', ['/blog.*']]],
      dimensions: ['event:props:author'],
    },
    expect: {
      results: [
        { dimensions: ['(none)'], metrics: [91] },
        { dimensions: ['john'], metrics: [43] },
      ],
    },
  },
  {
    name: 'can filter by utm_medium case insensitively',
    events: [
      { utm_medium: 'Social', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { utm_medium: 'SOCIAL', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: {
      date_range: 'all',
      metrics: ['pageviews', 'visitors', 'bounce_rate', 'visit_duration'],
      filters: [['is', 'visit:utm_medium', ['social'], { case_sensitive: false }]],
    },
    expect: { results: [{ metrics: [2, 1, 0, 1500], dimensions: [] }] },
  },
  {
    name: 'revenue metrics: not requested leads to no metric_warnings',
    events: [],
    v2: { date_range: 'all', metrics: ['pageviews'] },
    expect: { results: [{ dimensions: [], metrics: [0] }], meta: {} },
  },
  {
    name: 'revenue metrics: no revenue goals configured',
    goals: [{ event_name: 'Signup' }],
    events: [{ name: 'Signup', timestamp: '2021-01-01 00:00:00' }],
    v2: { date_range: 'all', metrics: ['average_revenue', 'total_revenue'], dimensions: ['event:goal'] },
    expect: {
      results: [{ dimensions: ['Signup'], metrics: [null, null] }],
      meta: { metric_warnings: { average_revenue: noRevenueGoals, total_revenue: noRevenueGoals } },
    },
  },
  {
    name: 'revenue metrics: not filtering or grouping by goals leads to warnings',
    events: [],
    v2: { date_range: 'all', metrics: ['average_revenue', 'total_revenue'] },
    expect: {
      results: [{ dimensions: [], metrics: [null, null] }],
      meta: { metric_warnings: { average_revenue: noRevenueGoals, total_revenue: noRevenueGoals } },
    },
  },
  {
    name: 'revenue metrics: filtering by revenue goals with same currency',
    goals: revenueGoals,
    events: revenueEvents,
    v2: {
      date_range: 'all',
      metrics: ['events', 'average_revenue', 'total_revenue'],
      filters: [['is', 'event:goal', ['Signup', 'Purchase', 'Payment']]],
    },
    expect: {
      results: [{ dimensions: [], metrics: [4, usd(67.066, '$67.07', '$67.1'), usd(201.2, '$201.20', '$201.2')] }],
      meta: {},
    },
  },
  {
    name: 'revenue metrics: filtering by revenue goals with different currencies',
    goals: revenueGoals,
    events: revenueEvents,
    v2: { date_range: 'all', metrics: ['average_revenue', 'total_revenue'], filters: [['is', 'event:goal', ['Subscription', 'Payment']]] },
    expect: {
      results: [{ dimensions: [], metrics: [null, null] }],
      meta: { metric_warnings: { average_revenue: noSingleCurrency, total_revenue: noSingleCurrency } },
    },
  },
  {
    name: 'revenue metrics: breakdown by revenue goals',
    goals: revenueGoals,
    events: revenueEvents,
    v2: { date_range: 'all', metrics: ['average_revenue', 'total_revenue'], dimensions: ['event:goal'] },
    expect: {
      results: [
        { dimensions: ['Purchase'], metrics: [usd(100.3, '$100.30', '$100.3'), usd(100.3, '$100.30', '$100.3')] },
        {
          dimensions: ['Subscription'],
          metrics: [
            { currency: 'EUR', long: '€100.00', short: '€100.0', value: 100.0 },
            { currency: 'EUR', long: '€100.00', short: '€100.0', value: 100.0 },
          ],
        },
        { dimensions: ['Payment'], metrics: [usd(50.45, '$50.45', '$50.4'), usd(100.9, '$100.90', '$100.9')] },
        { dimensions: ['Signup'], metrics: [null, null] },
      ],
      meta: {},
    },
  },
  {
    name: 'revenue metrics: breakdown by revenue goals + filtering',
    goals: revenueGoals,
    events: revenueEvents,
    v2: {
      date_range: 'all',
      metrics: ['average_revenue', 'total_revenue'],
      filters: [['is', 'event:goal', ['Signup', 'Purchase']]],
      dimensions: ['event:goal'],
    },
    expect: {
      results: [
        { dimensions: ['Purchase'], metrics: [usd(100.3, '$100.30', '$100.3'), usd(100.3, '$100.30', '$100.3')] },
        { dimensions: ['Signup'], metrics: [null, null] },
      ],
      meta: {},
    },
  },
  {
    name: 'behavioral filters: has_done does counting by sessions',
    events: [
      // Session 1
      { name: 'Conversion', user_id: 1, timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, timestamp: '2021-01-01 00:01:00' },
      // Session 2
      { user_id: 1, timestamp: '2021-01-02 00:00:00' },
      { user_id: 1, timestamp: '2021-01-02 00:01:00' },
      // Session 3
      { name: 'Conversion', user_id: 1, timestamp: '2021-01-03 00:00:00' },
      { user_id: 1, timestamp: '2021-01-03 00:01:00' },
      { user_id: 1, timestamp: '2021-01-03 00:02:00' },
      { user_id: 1, timestamp: '2021-01-03 00:03:00' },
      // Session 4
      { name: 'Conversion', user_id: 2, timestamp: '2021-01-01 00:00:00' },
      { user_id: 2, timestamp: '2021-01-01 00:01:00' },
      { user_id: 2, timestamp: '2021-01-01 00:02:00' },
      { user_id: 2, timestamp: '2021-01-01 00:03:00' },
      { user_id: 2, timestamp: '2021-01-01 00:04:00' },
    ],
    v2: { metrics: ['visitors', 'visits', 'events', 'pageviews'], date_range: 'all', filters: [['has_done', ['is', 'event:name', ['Conversion']]]] },
    expect: { results: [{ dimensions: [], metrics: [2, 3, 11, 8] }] },
  },
  {
    name: 'behavioral filters: has_done returns all events by users who match condition if no further filters are provided',
    events: [
      { user_id: 1, timestamp: T },
      { name: 'AddToCart', user_id: 1, timestamp: T },
      { name: 'Purchase', user_id: 1, timestamp: T },
      { user_id: 2, timestamp: T },
      { name: 'Purchase', user_id: 2, timestamp: T },
      { user_id: 3, timestamp: T },
      { user_id: 4, timestamp: T },
      { name: 'Purchase', user_id: 5, timestamp: T },
    ],
    v2: { metrics: ['visitors', 'events', 'pageviews'], date_range: 'all', filters: [['has_done', ['is', 'event:name', ['Purchase']]]] },
    expect: { results: [{ dimensions: [], metrics: [3, 6, 2] }] },
  },
  {
    name: 'behavioral filters: has_done event:page filter',
    events: blogVisits,
    v2: { metrics: ['visitors', 'pageviews'], date_range: 'all', filters: [['has_done', ['contains', 'event:page', ['/blog/']]]] },
    expect: { results: [{ dimensions: [], metrics: [2, 3] }] },
  },
  {
    name: 'behavioral filters: has_not_done event:page filter',
    events: blogVisits,
    v2: { metrics: ['visitors', 'pageviews'], date_range: 'all', filters: [['has_not_done', ['contains', 'event:page', ['/blog/']]]] },
    expect: { results: [{ dimensions: [], metrics: [1, 1] }] },
  },
  {
    name: 'behavioral filters: has_done with complex event:props and event:name filters',
    events: [
      { name: 'Purchase', user_id: 1, timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', user_id: 1, timestamp: '2021-01-01 00:10:00' },
      { name: 'Purchase', user_id: 1, timestamp: '2021-01-01 00:20:00' },
      { user_id: 2, timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', user_id: 2, timestamp: '2021-01-01 00:10:00' },
      { name: 'Signup', user_id: 3, 'meta.key': ['paid'], 'meta.value': ['true'], timestamp: '2021-01-01 00:00:00' },
      { user_id: 3, timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', user_id: 4, 'meta.key': ['paid'], 'meta.value': ['true'], timestamp: '2021-01-01 00:00:00' },
      { user_id: 4, timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', user_id: 5, 'meta.key': ['paid'], 'meta.value': ['false'], timestamp: '2021-01-01 00:00:00' },
      { user_id: 5, timestamp: '2021-01-01 00:00:00' },
    ],
    v2: {
      metrics: ['visitors', 'pageviews'],
      date_range: 'all',
      filters: [
        [
          'has_done',
          [
            'or',
            [
              ['is', 'event:name', ['Purchase']],
              [
                'and',
                [
                  ['is', 'event:name', ['Signup']],
                  ['is', 'event:props:paid', ['true']],
                ],
              ],
            ],
          ],
        ],
      ],
    },
    expect: { results: [{ dimensions: [], metrics: [4, 3] }] },
  },
  {
    name: 'behavioral filters: has_done event:goal filter',
    goals: [{ event_name: 'Conversion' }],
    events: conversions,
    v2: {
      metrics: ['visitors', 'pageviews'],
      date_range: 'all',
      filters: [
        ['has_done', ['is', 'event:goal', ['Conversion']]],
        ['is', 'event:name', ['pageview']],
      ],
    },
    expect: { results: [{ dimensions: [], metrics: [2, 4] }] },
  },
  {
    name: 'behavioral filters: has_not_done event:goal filter',
    goals: [{ event_name: 'Conversion' }],
    events: conversions,
    v2: {
      metrics: ['visitors', 'pageviews'],
      date_range: 'all',
      filters: [
        ['has_not_done', ['is', 'event:goal', ['Conversion']]],
        ['is', 'event:name', ['pageview']],
      ],
    },
    expect: { results: [{ dimensions: [], metrics: [1, 1] }] },
  },
  {
    name: 'behavioral filters: visit filters are not allowed with has_done/has_not_done filters',
    events: [],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['has_done', ['is', 'visit:browser', ['Chrome']]]] },
    status: 400,
    // Plausible: the error contains this sentence
    expect: { error: 'Invalid filters. Behavioral filters (has_done, has_not_done) can only be used with event dimension filters.' },
  },
  {
    name: 'segment filters: segment filters are (not yet) available in public API',
    events: [],
    v2: { filters: [['is', 'segment', [1]]], date_range: 'all', metrics: ['visitors'] },
    status: 400,
    expect: { error: '#/filters/0: Invalid filter ["is", "segment", [1]]' },
  },
];

plausibleCases('query2', cases);
