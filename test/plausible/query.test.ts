import { plausibleCases, type PCase, type PEvent } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_test.exs
// (inputs and expected answers; the events are the factory fields its populate_stats call inserts).
const U = 1231;
const twoVisits = (extra: Record<string, unknown>) => [
  { ...extra, user_id: U, timestamp: '2021-01-01 00:00:00' },
  { user_id: U, timestamp: '2021-01-01 00:25:00' },
  { timestamp: '2021-01-01 00:00:00' },
];

// helpers for the first half of query_test.exs
const FILTER_METRICS = ['pageviews', 'visitors', 'bounce_rate', 'visit_duration'];
const MATCH_PAGES = ['/user/1234', '/user/789/contributions', '/blog/user/1234', '/user/ef/contributions', '/other/path'];
const TWELVE_MONTHS = ['2020-02-01', '2020-12-31', '2021-01-01', '2021-01-01'].map((d) => ({ timestamp: `${d} 00:00:00` }));
/** Three Signup events (one visitor at 00:00, one twice at 00:25) and one other event. */
const signups = (other: string): PEvent[] => [
  { name: 'Signup', timestamp: '2021-01-01 00:00:00' },
  { name: 'Signup', user_id: U, timestamp: '2021-01-01 00:25:00' },
  { name: 'Signup', user_id: U, timestamp: '2021-01-01 00:25:00' },
  { name: other, timestamp: '2021-01-01 00:25:00' },
];
/** tier large-1/small-1/small-1/small-2/small-2 with the given values, then tier small-3 alone, a value alone, and a bare pageview. */
const tierValue = (v: string[]): PEvent[] => [
  ...['large-1', 'small-1', 'small-1', 'small-2', 'small-2'].map((t, i) => ({ 'meta.key': ['tier', 'value'], 'meta.value': [t, v[i]!] })),
  { 'meta.key': ['tier'], 'meta.value': ['small-3'] },
  { 'meta.key': ['value'], 'meta.value': [v[5]!] },
  {},
];
/** Every day from `from` to `to`, inclusive, as 'YYYY-MM-DD'. */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

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
  // ---- query_test.exs, first half (offsets 0 – ~80,000: from the top through
  // "top sources for a custom goal and filtered by hostname") ----
  // Not ported / ported partially:
  //  - 'event:goal filter returns 400 when goal not configured' and 'validates that filters are valid': Plausible asserts
  //    only a substring of the error (`msg =~ "The goal `Register` is not configured for this site. Find out how"`,
  //    `msg =~ "Invalid filter"`); the harness compares whole values, so only the 400 status is checked here.
  //  - 'shows last 12 months of visitors with interval daily' asserts `length(time_labels) == 373`; ported as the full
  //    list of the 373 days from 2020-01-01 to 2021-01-07.
  //  - 'event:page filter shows sources of sessions that have visited that page' loops over four dimensions on one data
  //    set: ported as four cases.
  //  - Plausible's factory gives every event a hostname "example-<n>.com"; the harness's default is example.com, so the
  //    hostname case sets that default explicitly where it matters.
  ...[
    ['can filter by channel', { referrer_source: 'Google' }, ['is', 'visit:channel', ['Organic Search']]],
    ['can filter by referrer', { referrer: 'https://facebook.com' }, ['is', 'visit:referrer', ['https://facebook.com']]],
    ['can filter by utm_medium', { utm_medium: 'social' }, ['is', 'visit:utm_medium', ['social']]],
    ['can filter by utm_source', { utm_source: 'Twitter' }, ['is', 'visit:utm_source', ['Twitter']]],
    ['can filter by utm_campaign', { utm_campaign: 'profile' }, ['is', 'visit:utm_campaign', ['profile']]],
    ['can filter by device type', { screen_size: 'Desktop' }, ['is', 'visit:device', ['Desktop']]],
    ['can filter by browser', { browser: 'Chrome' }, ['is', 'visit:browser', ['Chrome']]],
    ['can filter by browser version', { browser: 'Chrome', browser_version: '56' }, ['is', 'visit:browser_version', ['56']]],
    ['can filter by operating system', { operating_system: 'Mac' }, ['is', 'visit:os', ['Mac']]],
    ['can filter by operating system version', { operating_system_version: '10.5' }, ['is', 'visit:os_version', ['10.5']]],
    ['can filter by country', { country_code: 'EE' }, ['is', 'visit:country', ['EE']]],
  ].map(([name, extra, filter]): PCase => ({
    name: `aggregation with filters: ${name as string}`,
    events: twoVisits(extra as Record<string, unknown>),
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [filter] },
    expect: { results: [{ metrics: [2, 1, 0, 1500], dimensions: [] }] },
  })),
  {
    name: 'aggregation with filters: does not count engagement events towards the events metric in a simple aggregate query',
    events: [{ user_id: 234, timestamp: '2021-01-01 00:00:00' }, { name: 'engagement', user_id: 234, timestamp: '2021-01-01 00:00:01' }],
    v2: { date_range: 'all', metrics: ['events'] },
    expect: { results: [{ metrics: [1], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: engagement events do not affect bounce rate and visit duration',
    events: [{ user_id: 123, timestamp: '2021-01-01 00:00:00' }, { name: 'engagement', user_id: 123, timestamp: '2021-01-01 00:00:03' }],
    v2: { date_range: 'all', metrics: ['bounce_rate', 'visit_duration'] },
    expect: { results: [{ metrics: [100, 0], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by no source/referrer',
    events: [
      { user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, timestamp: '2021-01-01 00:25:00' },
      { referrer_source: 'Google', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [['is', 'visit:source', ['Direct / None']]] },
    expect: { results: [{ metrics: [2, 1, 0, 1500], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by utm_medium case insensitively',
    events: [
      { utm_medium: 'Social', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { utm_medium: 'SOCIAL', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [['is', 'visit:utm_medium', ['sociaL'], { case_sensitive: false }]] },
    expect: { results: [{ metrics: [2, 1, 0, 1500], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by page',
    events: [
      { user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, pathname: '/blogpost', timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
      { pathname: '/blogpost', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [['is', 'event:page', ['/blogpost']]] },
    expect: { results: [{ metrics: [2, 2, 100, 750], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: can filter by hostname',
    events: [
      { hostname: 'one.example.com', timestamp: '2021-01-01 00:00:00' },
      { hostname: 'example.com', timestamp: '2021-01-01 00:25:00' },
      { hostname: 'example-3.com', timestamp: '2021-01-01 00:00:00' }, // the factory's default hostname
    ],
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [['contains', 'event:hostname', ['one.example.com', 'example.com']]] },
    expect: { results: [{ metrics: [2, 2, 100, 0], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by event:name',
    events: [
      { name: 'Signup', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { name: 'Signup', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['is', 'event:name', ['Signup']]] },
    expect: { results: [{ metrics: [2, 0], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by a custom event goal',
    goals: [{ event_name: 'Signup' }],
    events: signups('NotConfigured'),
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Signup']]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by a custom event goal (case insensitive)',
    goals: [{ event_name: 'Signup' }],
    events: signups('NotConfigured'),
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['signup'], { case_sensitive: false }]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by a revenue goal',
    goals: [{ event_name: 'Purchase', currency: 'USD' }],
    events: [
      { name: 'Purchase', timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { name: 'Purchase', user_id: U, timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Purchase']]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by a simple pageview goal',
    goals: [{ page_path: '/register' }],
    events: [
      { pathname: '/register', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/register', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { pathname: '/register', user_id: U, timestamp: '2021-01-01 00:25:00' },
      { pathname: '/', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['is', 'event:goal', ['Visit /register']]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by a wildcard pageview goal',
    goals: [{ page_path: '/blog**' }],
    events: [{ pathname: '/blog/post-1' }, { pathname: '/blog/post-2', user_id: U }, { pathname: '/blog', user_id: U }, { pathname: '/' }],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['is', 'event:goal', ['Visit /blog**']]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by multiple custom event goals',
    goals: [{ event_name: 'Signup' }, { event_name: 'Purchase' }],
    events: [{ name: 'Signup' }, { name: 'Purchase', user_id: U }, { name: 'Purchase', user_id: U }, {}],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Signup', 'Purchase']]] },
    expect: { results: [{ metrics: [2, 3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: filtering by multiple mixed goals',
    goals: [{ event_name: 'Signup' }, { page_path: '/**register' }],
    events: [{ pathname: '/account/register' }, { pathname: '/register', user_id: U }, { name: 'Signup', user_id: U }, {}],
    v2: { date_range: 'all', metrics: ['visitors', 'events', 'pageviews'], filters: [['is', 'event:goal', ['Signup', 'Visit /**register']]] },
    expect: { results: [{ metrics: [2, 3, 2], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: combining filters',
    events: [
      { pathname: '/blogpost', country_code: 'EE', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
      { pathname: '/blogpost', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { date_range: 'all', metrics: FILTER_METRICS, filters: [['is', 'event:page', ['/blogpost']], ['is', 'visit:country', ['EE']]] },
    expect: { results: [{ metrics: [1, 1, 0, 1500], dimensions: [] }] },
  },
  ...([
    ['contains page filter', ['/en/page1', '/en/page2', '/pl/page1'], ['contains', 'event:page', ['/en/']], 2],
    ['contains page filter case insensitive', ['/en/page1', '/EN/page2', '/pl/page1'], ['contains', 'event:page', ['/En/'], { case_sensitive: false }], 2],
    ['contains_not page filter case insensitive', ['/en/page1', '/EN/page2', '/pl/page1'], ['contains_not', 'event:page', ['/En/'], { case_sensitive: false }], 1],
    ['contains_not page filter', ['/en/page1', '/en/page2', '/pl/page1'], ['contains_not', 'event:page', ['/en/']], 1],
    [
      'contains with and/or/not filters',
      ['/en/page1', '/en/page2', '/eng/page1', '/pl/page1', '/gb/page1'],
      ['or', [['and', [['contains', 'event:page', ['/en']], ['not', ['contains', 'event:page', ['/eng']]]]], ['contains', 'event:page', ['/gb']]]],
      3,
    ],
    ['contains and member filter combined', ['/en/page1', '/en/page2', '/pl/page1', '/ee/page1'], ['contains', 'event:page', ['/en/', '/pl/']], 3],
    ['can escape pipe character in member + contains filter', ['/blog/post|1', '/otherpost|1', '/blog/post|2', '/something-else'], ['contains', 'event:page', ['post|1', '/something-else']], 3],
    ['`matches` operator', MATCH_PAGES, ['matches', 'event:page', ['^/user/[0-9]+']], 2],
    ['`matches_not` operator', MATCH_PAGES, ['matches_not', 'event:page', ['^/user/[0-9]+']], 3],
  ] as Array<[string, string[], unknown, number]>).map(([name, pages, filter, n]): PCase => ({
    name: `aggregation with filters: ${name}`,
    events: pages.map((pathname) => ({ pathname })),
    v2: { date_range: 'all', metrics: ['visitors'], filters: [filter] },
    expect: { results: [{ metrics: [n], dimensions: [] }] },
  })),
  {
    name: 'aggregation with filters: `contains` and `contains_not` operator with custom properties',
    events: tierValue(['ax', 'bx', 'ax', 'bx', 'cx', 'ax']),
    v2: { date_range: 'all', metrics: ['visitors'], filters: [['contains', 'event:props:tier', ['small']], ['contains_not', 'event:props:value', ['b', 'c']]] },
    expect: { results: [{ metrics: [1], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: `contains` operator with custom properties case insensitive',
    events: [...['large-1', 'Small-1', 'mall-1', 'SMALL-2', 'small-2'].map((v) => ({ 'meta.key': ['name'], 'meta.value': [v] })), {}],
    v2: { date_range: 'all', metrics: ['visitors'], filters: [['contains', 'event:props:name', ['maLL'], { case_sensitive: false }]] },
    expect: { results: [{ metrics: [4], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: `contains_not` operator with custom properties case insensitive',
    events: [...['large-1', 'Small-1', 'mall-1', 'SMALL-2', 'small-2'].map((v) => ({ 'meta.key': ['name'], 'meta.value': [v] })), {}],
    v2: { date_range: 'all', metrics: ['visitors'], filters: [['contains_not', 'event:props:name', ['maLL'], { case_sensitive: false }]] },
    expect: { results: [{ metrics: [1], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: `matches` and `matches_not` operator with custom properties',
    events: tierValue(['a', 'b', 'a', 'b', 'c', 'a']),
    v2: { date_range: 'all', metrics: ['visitors'], filters: [['matches', 'event:props:tier', ['small.+']], ['matches_not', 'event:props:value', ['b|c']]] },
    expect: { results: [{ metrics: [1], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: handles filtering by visit:country',
    events: [{ country_code: 'EE' }, { country_code: 'EE' }, { country_code: 'EE' }],
    v2: { date_range: 'all', metrics: ['pageviews'], filters: [['is', 'visit:country', ['EE']]] },
    expect: { results: [{ metrics: [3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: handles filtering by visit:country with contains',
    events: [{ country_code: 'EE' }, { country_code: 'EE' }, { country_code: 'IT' }, { country_code: 'DE' }],
    v2: { date_range: 'all', metrics: ['pageviews'], filters: [['contains', 'visit:country', ['E']]] },
    expect: { results: [{ metrics: [3], dimensions: [] }] },
  },
  {
    name: 'aggregation with filters: handles filtering by visit:city',
    events: [{ city_geoname_id: 588_409 }, { city_geoname_id: 689_123 }, { city_geoname_id: 0 }, { city_geoname_id: 10 }],
    v2: { date_range: 'all', metrics: ['pageviews'], filters: [['is', 'visit:city', [588_409, 689_123]]] },
    expect: { results: [{ metrics: [2], dimensions: [] }] },
  },
  // timeseries
  {
    name: 'timeseries: shows hourly data for a certain date with time_labels',
    events: [
      { user_id: U, timestamp: '2021-01-01 00:00:00' },
      { user_id: U, timestamp: '2021-01-01 00:10:00' },
      { timestamp: '2021-01-01 23:59:00' },
    ],
    v2: {
      metrics: ['visitors', 'pageviews', 'visits', 'visit_duration', 'bounce_rate'],
      date_range: ['2021-01-01', '2021-01-01'],
      dimensions: ['time:hour'],
      include: { time_labels: true },
    },
    expect: {
      results: [
        { dimensions: ['2021-01-01 00:00:00'], metrics: [1, 2, 1, 600, 0] },
        { dimensions: ['2021-01-01 23:00:00'], metrics: [1, 1, 1, 0, 100] },
      ],
      meta: { time_labels: Array.from({ length: 24 }, (_, h) => `2021-01-01 ${String(h).padStart(2, '0')}:00:00`) },
    },
  },
  {
    name: 'timeseries: shows last 7 days of visitors with time labels',
    events: [{ timestamp: '2021-01-01 00:00:00' }, { timestamp: '2021-01-07 23:59:00' }],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-07'], dimensions: ['time'], include: { time_labels: true } },
    expect: {
      results: [
        { dimensions: ['2021-01-01'], metrics: [1] },
        { dimensions: ['2021-01-07'], metrics: [1] },
      ],
      meta: { time_labels: days('2021-01-01', '2021-01-07') },
    },
  },
  {
    name: 'timeseries: shows weekly data with time labels',
    events: [{ timestamp: '2021-01-01 00:00:00' }, { timestamp: '2021-01-03 23:59:00' }, { timestamp: '2021-01-07 23:59:00' }],
    v2: { metrics: ['visitors'], date_range: ['2020-12-20', '2021-01-07'], dimensions: ['time:week'], include: { time_labels: true } },
    expect: {
      results: [
        { dimensions: ['2020-12-28'], metrics: [2] },
        { dimensions: ['2021-01-04'], metrics: [1] },
      ],
      meta: { time_labels: ['2020-12-20', '2020-12-21', '2020-12-28', '2021-01-04'] },
    },
  },
  {
    name: 'timeseries: shows last 6 months of visitors',
    events: [
      { timestamp: '2020-08-13 00:00:00' },
      { timestamp: '2020-12-31 00:00:00' },
      { timestamp: '2021-01-01 00:00:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: ['2020-07-01', '2021-01-31'], dimensions: ['time:month'] },
    expect: {
      results: [
        { dimensions: ['2020-08-01'], metrics: [1] },
        { dimensions: ['2020-12-01'], metrics: [1] },
        { dimensions: ['2021-01-01'], metrics: [2] },
      ],
    },
  },
  {
    name: 'timeseries: shows last 12 months of visitors',
    events: TWELVE_MONTHS,
    v2: { metrics: ['visitors'], date_range: ['2020-01-01', '2021-01-01'], dimensions: ['time:month'] },
    expect: {
      results: [
        { dimensions: ['2020-02-01'], metrics: [1] },
        { dimensions: ['2020-12-01'], metrics: [1] },
        { dimensions: ['2021-01-01'], metrics: [2] },
      ],
    },
  },
  {
    name: 'timeseries: shows last 12 months of visitors with interval daily',
    events: TWELVE_MONTHS,
    v2: { metrics: ['visitors'], date_range: ['2020-01-01', '2021-01-07'], dimensions: ['time:day'], include: { time_labels: true } },
    expect: {
      results: [
        { dimensions: ['2020-02-01'], metrics: [1] },
        { dimensions: ['2020-12-31'], metrics: [1] },
        { dimensions: ['2021-01-01'], metrics: [2] },
      ],
      meta: { time_labels: days('2020-01-01', '2021-01-07') }, // Plausible asserts length 373
    },
  },
  {
    name: 'timeseries: shows a custom range with daily interval',
    events: [{ timestamp: '2021-01-01 00:00:00' }, { timestamp: '2021-01-01 00:00:00' }, { timestamp: '2021-01-02 00:00:00' }],
    v2: { metrics: ['visitors'], date_range: ['2021-01-01', '2021-01-02'], dimensions: ['time:day'] },
    expect: {
      results: [
        { dimensions: ['2021-01-01'], metrics: [2] },
        { dimensions: ['2021-01-02'], metrics: [1] },
      ],
    },
  },
  {
    name: 'timeseries: shows a custom range with monthly interval',
    events: [
      { user_id: U, timestamp: '2020-12-01 00:00:00' },
      { user_id: U, timestamp: '2020-12-01 00:05:00' },
      { timestamp: '2021-01-01 00:00:00' },
      { timestamp: '2021-01-02 00:00:00' },
    ],
    v2: { metrics: FILTER_METRICS, date_range: ['2020-12-01', '2021-01-02'], dimensions: ['time:month'] },
    expect: {
      results: [
        { dimensions: ['2020-12-01'], metrics: [2, 1, 0, 300] },
        { dimensions: ['2021-01-01'], metrics: [2, 2, 100, 0] },
      ],
    },
  },
  {
    name: 'timeseries: timeseries with explicit order_by',
    events: ['01', '02', '02', '02', '03', '03', '04', '04'].map((d) => ({ timestamp: `2021-01-${d} 00:00:00` })),
    v2: { metrics: ['pageviews'], date_range: ['2020-12-01', '2021-01-04'], dimensions: ['time'], order_by: [['pageviews', 'desc'], ['time', 'asc']] },
    expect: {
      results: [
        { dimensions: ['2021-01-02'], metrics: [3] },
        { dimensions: ['2021-01-03'], metrics: [2] },
        { dimensions: ['2021-01-04'], metrics: [2] },
        { dimensions: ['2021-01-01'], metrics: [1] },
      ],
    },
  },
  {
    name: 'timeseries: timeseries with quarter-hour timezone',
    timezone: 'Asia/Katmandu', // GMT+05:45
    events: ['05:00', '05:15', '05:30', '05:45', '06:00', '06:15', '06:30'].map((t) => ({ timestamp: `2021-01-02 ${t}:00` })),
    v2: { metrics: ['visits'], date_range: ['2021-01-02', '2021-01-02'], dimensions: ['time:hour'] },
    expect: {
      results: [
        { dimensions: ['2021-01-02 10:00:00'], metrics: [1] },
        { dimensions: ['2021-01-02 11:00:00'], metrics: [4] },
        { dimensions: ['2021-01-02 12:00:00'], metrics: [2] },
      ],
    },
  },
  // breakdowns
  {
    name: 'breakdown by visit:source',
    events: [
      { referrer_source: 'Google', timestamp: '2021-01-01 00:00:00' },
      { referrer_source: 'Google', timestamp: '2021-01-01 00:25:00' },
      { referrer_source: '', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'] },
    expect: {
      results: [
        { dimensions: ['Google'], metrics: [2] },
        { dimensions: ['Direct / None'], metrics: [1] },
      ],
    },
  },
  {
    name: 'breakdown by visit:channel',
    events: [
      { referrer_source: 'Google', timestamp: '2021-01-01 00:00:00' },
      { referrer_source: 'Google', timestamp: '2021-01-01 00:25:00' },
      { timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:channel'] },
    expect: {
      results: [
        { dimensions: ['Organic Search'], metrics: [2] },
        { dimensions: ['Direct'], metrics: [1] },
      ],
    },
  },
  {
    name: 'breakdown by visit:country',
    events: [
      { country_code: 'EE', timestamp: '2021-01-01 00:00:00' },
      { country_code: 'EE', timestamp: '2021-01-01 00:25:00' },
      { country_code: 'US', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:country'] },
    expect: {
      results: [
        { dimensions: ['EE'], metrics: [2] },
        { dimensions: ['US'], metrics: [1] },
      ],
    },
  },
  ...(['utm_campaign', 'utm_source', 'utm_term', 'utm_content'] as const).map((attr): PCase => ({
    name: `breakdown by visit:${attr} when filtered by hostname`,
    events: [
      // session starts at two.example.com with the utm param, continues on one.example.com without it
      { [attr]: 'ad', user_id: U, hostname: 'two.example.com', timestamp: '2021-01-01 00:00:00' },
      { user_id: U, hostname: 'one.example.com', timestamp: '2021-01-01 00:15:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', filters: [['is', 'event:hostname', ['one.example.com']]], dimensions: [`visit:${attr}`] },
    expect: { results: [] },
  })),
  ...([
    ['visit:source', 'referrer_source', 'Google', 'Twitter', 'Direct / None'],
    ['visit:referrer', 'referrer', 'example.com', 'google.com', 'Direct / None'],
    ['visit:utm_medium', 'utm_medium', 'Search', 'social', '(not set)'],
    ['visit:utm_source', 'utm_source', 'Google', 'Bing', '(not set)'],
    ['visit:utm_campaign', 'utm_campaign', 'ads', 'profile', '(not set)'],
    ['visit:utm_content', 'utm_content', 'Content1', 'blog2', '(not set)'],
    ['visit:utm_term', 'utm_term', 'Term1', 'favicon', '(not set)'],
    ['visit:os', 'operating_system', 'Mac', 'Windows', '(not set)'],
    ['visit:browser', 'browser', 'Chrome', 'Safari', '(not set)'],
    ['visit:device', 'screen_size', 'Mobile', 'Desktop', '(not set)'],
  ] as const).map(([dimension, column, value1, value2, blank]): PCase => ({
    name: `simple breakdown by ${dimension}`,
    events: [
      { [column]: value1, timestamp: '2021-01-01 00:00:00' },
      { [column]: value1, timestamp: '2021-01-01 00:25:00' },
      { [column]: value1, timestamp: '2021-01-01 00:55:00' },
      { [column]: value2, timestamp: '2021-01-01 01:00:00' },
      { [column]: value2, timestamp: '2021-01-01 01:25:00' },
      { [column]: '', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors', 'percentage'], date_range: ['2021-01-01', '2021-01-01'], dimensions: [dimension] },
    expect: {
      results: [
        { dimensions: [value1], metrics: [3, 50] },
        { dimensions: [value2], metrics: [2, 33.3] },
        { dimensions: [blank], metrics: [1, 16.7] },
      ],
    },
  })),
  {
    name: 'breakdown by visit:os and visit:os_version',
    events: [
      { operating_system: 'Mac', operating_system_version: '14' },
      { operating_system: 'Mac', operating_system_version: '14' },
      { operating_system: 'Mac', operating_system_version: '14' },
      { operating_system_version: '14' },
      { operating_system: 'Windows', operating_system_version: '11' },
      { operating_system: 'Windows', operating_system_version: '11' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:os', 'visit:os_version'] },
    expect: {
      results: [
        { dimensions: ['Mac', '14'], metrics: [3] },
        { dimensions: ['Windows', '11'], metrics: [2] },
        { dimensions: ['(not set)', '14'], metrics: [1] },
      ],
    },
  },
  {
    name: 'breakdown by visit:browser and visit:browser_version',
    events: [
      { browser: 'Chrome', browser_version: '14' },
      { browser: 'Chrome', browser_version: '14' },
      { browser: 'Chrome', browser_version: '14' },
      { browser_version: '14' },
      { browser: 'Firefox', browser_version: '11' },
      { browser: 'Firefox', browser_version: '11' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser', 'visit:browser_version'] },
    expect: {
      results: [
        { dimensions: ['Chrome', '14'], metrics: [3] },
        { dimensions: ['Firefox', '11'], metrics: [2] },
        { dimensions: ['(not set)', '14'], metrics: [1] },
      ],
    },
  },
  {
    name: 'explicit order_by',
    events: [
      { operating_system: 'Windows', browser: 'Chrome' },
      { operating_system: 'Windows', browser: 'Firefox' },
      { operating_system: 'Linux', browser: 'Firefox' },
      { operating_system: 'Linux', browser: 'Firefox' },
      { operating_system: 'Mac', browser: 'Chrome' },
    ],
    v2: {
      metrics: ['visitors'],
      date_range: 'all',
      dimensions: ['visit:os', 'visit:browser'],
      order_by: [['visitors', 'asc'], ['visit:browser', 'desc'], ['visit:os', 'asc']],
    },
    expect: {
      results: [
        { dimensions: ['Windows', 'Firefox'], metrics: [1] },
        { dimensions: ['Mac', 'Chrome'], metrics: [1] },
        { dimensions: ['Windows', 'Chrome'], metrics: [1] },
        { dimensions: ['Linux', 'Firefox'], metrics: [2] },
      ],
    },
  },
  {
    name: 'breakdown by event:page',
    events: [
      { pathname: '/', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/', timestamp: '2021-01-01 00:25:00' },
      { pathname: '/plausible.io', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'] },
    expect: {
      results: [
        { dimensions: ['/'], metrics: [2] },
        { dimensions: ['/plausible.io'], metrics: [1] },
      ],
    },
  },
  {
    name: 'attempting to breakdown by event:hostname returns an error',
    events: [{ hostname: 'a.example.com' }, { hostname: 'a.example.com' }, { hostname: 'a.example.com' }, { hostname: 'b.example.com' }],
    v2: { date_range: 'all', metrics: ['pageviews'], dimensions: ['event:hostname'] },
    expect: {
      results: [
        { dimensions: ['a.example.com'], metrics: [3] },
        { dimensions: ['b.example.com'], metrics: [1] },
      ],
    },
  },
  // custom events
  {
    name: 'custom events: can breakdown by event:name',
    events: [
      { name: 'Signup', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', timestamp: '2021-01-01 00:00:00' },
      { timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:name'] },
    expect: {
      results: [
        { dimensions: ['Signup'], metrics: [2] },
        { dimensions: ['pageview'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: can breakdown by event:name with visitors and events metrics',
    events: [
      { pathname: '/non-existing', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { name: '404', pathname: '/non-existing', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { pathname: '/non-existing', timestamp: '2021-01-01 00:00:01' },
      { pathname: '/non-existing', user_id: U, timestamp: '2021-01-01 00:00:02' },
      { name: '404', pathname: '/non-existing', user_id: U, timestamp: '2021-01-01 00:00:02' },
      { pathname: '/non-existing', user_id: U, timestamp: '2021-01-01 00:00:03' },
    ],
    v2: { metrics: ['visitors', 'events'], date_range: 'all', dimensions: ['event:name'] },
    expect: {
      results: [
        { dimensions: ['pageview'], metrics: [2, 4] },
        { dimensions: ['404'], metrics: [1, 2] },
      ],
    },
  },
  {
    name: 'custom events: can breakdown by event:name while filtering for something',
    events: [
      { name: 'Signup', pathname: '/pageA', browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', pathname: '/pageA', browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', pathname: '/pageA', browser: 'Safari', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', pathname: '/pageB', browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/pageA', browser: 'Chrome', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: {
      metrics: ['visitors'],
      date_range: 'all',
      dimensions: ['event:name'],
      filters: [['is', 'event:page', ['/pageA']], ['is', 'visit:browser', ['Chrome']]],
    },
    expect: {
      results: [
        { dimensions: ['Signup'], metrics: [2] },
        { dimensions: ['pageview'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: can breakdown by a visit:property when filtering by event:name',
    events: [
      { referrer_source: 'Google', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', user_id: U, timestamp: '2021-01-01 00:00:00' },
      { referrer_source: 'Twitter', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:source'], filters: [['is', 'event:name', ['Signup']]] },
    expect: { results: [{ dimensions: ['Google'], metrics: [1] }] },
  },
  {
    name: 'custom events: can breakdown by event:name when filtering by event:page',
    events: [
      { pathname: '/pageA', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/pageA', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/pageA', name: 'Signup', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/pageB', referrer_source: 'Twitter', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:name'], filters: [['contains', 'event:page', ['/pageA']]] },
    expect: {
      results: [
        { dimensions: ['pageview'], metrics: [2] },
        { dimensions: ['Signup'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: can breakdown by event:page when filtering by event:name',
    events: [
      { name: 'Signup', pathname: '/pageA', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', pathname: '/pageA', timestamp: '2021-01-01 00:00:00' },
      { name: 'Signup', pathname: '/pageB', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/pageB', referrer_source: 'Twitter', timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:name', ['Signup']]] },
    expect: {
      results: [
        { dimensions: ['/pageA'], metrics: [2] },
        { dimensions: ['/pageB'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: can filter event:page with a wildcard',
    events: [{ pathname: '/en/page1' }, { pathname: '/en/page2' }, { pathname: '/en/page2' }, { pathname: '/pl/page1' }],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['contains', 'event:page', ['/en/']]] },
    expect: {
      results: [
        { dimensions: ['/en/page2'], metrics: [2] },
        { dimensions: ['/en/page1'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: can filter event:hostname with a contains',
    events: [
      { hostname: 'alice-m.example.com', pathname: '/a' },
      { hostname: 'anna-m.example.com', pathname: '/a' },
      { hostname: 'adam-m.example.com', pathname: '/a' },
      { hostname: 'bob.example.com', pathname: '/b' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:page'], filters: [['contains', 'event:hostname', ['-m.example.com']]] },
    expect: { results: [{ dimensions: ['/a'], metrics: [3] }] },
  },
  {
    name: 'custom events: breakdown by custom event property',
    events: [
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['business'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['personal'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['package'], 'meta.value': ['business'], timestamp: '2021-01-01 00:25:00' },
      { name: 'Some other event', 'meta.key': ['package'], 'meta.value': ['business'], timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:props:package'], filters: [['is', 'event:name', ['Purchase']]] },
    expect: {
      results: [
        { dimensions: ['business'], metrics: [2] },
        { dimensions: ['personal'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: breakdown by custom event property, with pageviews metric',
    events: [
      { 'meta.key': ['package'], 'meta.value': ['business'], timestamp: '2021-01-01 00:00:00' },
      { 'meta.key': ['package'], 'meta.value': ['personal'], timestamp: '2021-01-01 00:00:00' },
      { 'meta.key': ['package'], 'meta.value': ['business'], timestamp: '2021-01-01 00:25:00' },
    ],
    v2: { metrics: ['pageviews'], date_range: 'all', dimensions: ['event:props:package'] },
    expect: {
      results: [
        { dimensions: ['business'], metrics: [2] },
        { dimensions: ['personal'], metrics: [1] },
      ],
    },
  },
  {
    name: 'custom events: breakdown by custom event property, with (none)',
    events: [
      { name: 'Purchase', 'meta.key': ['cost'], 'meta.value': ['16'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['cost'], 'meta.value': ['16'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', 'meta.key': ['cost'], 'meta.value': ['16'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Purchase', timestamp: '2021-01-01 00:25:00' },
      { name: 'Purchase', 'meta.key': ['cost'], 'meta.value': ['14'], timestamp: '2021-01-01 00:25:00' },
      { name: 'Purchase', 'meta.key': ['cost'], 'meta.value': ['14'], timestamp: '2021-01-01 00:26:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['event:props:cost'], filters: [['is', 'event:name', ['Purchase']]] },
    expect: {
      results: [
        { dimensions: ['16'], metrics: [3] },
        { dimensions: ['14'], metrics: [2] },
        { dimensions: ['(none)'], metrics: [1] },
      ],
    },
  },
  {
    // Plausible: `msg =~ "The goal `Register` is not configured for this site. Find out how"` (substring; status only here)
    name: 'event:goal filter returns 400 when goal not configured',
    events: [],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is', 'event:goal', ['Register']]] },
    status: 400,
    expect: {},
  },
  {
    // Plausible: `msg =~ "Invalid filter"` (substring; status only here)
    name: 'validates that filters are valid',
    events: [],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is', 'badproperty', ['bar']]] },
    status: 400,
    expect: {},
  },
  {
    name: 'event:page filter for breakdown by session props',
    events: [
      { pathname: '/ignore', browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/plausible.io', browser: 'Chrome', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/plausible.io', browser: 'Chrome', timestamp: '2021-01-01 00:25:00' },
      { browser: 'Safari', pathname: '/plausible.io', timestamp: '2021-01-01 00:00:00' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: ['visit:browser'], filters: [['is', 'event:page', ['/plausible.io']]] },
    expect: {
      results: [
        { dimensions: ['Chrome'], metrics: [2] },
        { dimensions: ['Safari'], metrics: [1] },
      ],
    },
  },
  ...['visit:source', 'visit:utm_medium', 'visit:utm_source', 'visit:utm_campaign'].map((dimension): PCase => ({
    name: `event:page filter shows sources of sessions that have visited that page (${dimension})`,
    events: [
      { pathname: '/', referrer_source: 'Twitter', utm_medium: 'Twitter', utm_source: 'Twitter', utm_campaign: 'Twitter', user_id: U },
      { pathname: '/plausible.io', user_id: U },
      { pathname: '/plausible.io', referrer_source: 'Google', utm_medium: 'Google', utm_source: 'Google', utm_campaign: 'Google' },
      { pathname: '/plausible.io', referrer_source: 'Google', utm_medium: 'Google', utm_source: 'Google', utm_campaign: 'Google' },
    ],
    v2: { metrics: ['visitors'], date_range: 'all', dimensions: [dimension], filters: [['is', 'event:page', ['/plausible.io']]] },
    expect: {
      results: [
        { dimensions: ['Google'], metrics: [2] },
        { dimensions: ['Twitter'], metrics: [1] },
      ],
    },
  })),
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
  // ---- end of the first half ----
]);
