import { plausibleCases, type PCase, type PImported } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_imported_test.exs
// (inputs and expected answers only). Imported rows are Plausible's factory rows (`build(:imported_<table>, …)`,
// its defaults filled in by the harness) of one completed import from 2005-01-01 to today.

const r = (dimensions: unknown[], metrics: unknown[]) => ({ dimensions, metrics });
const meta = { imports_included: true };

const blog: PCase['events'] = [
  { pathname: '/blog', timestamp: '2023-01-01 00:00:00' },
  { pathname: '/blog', timestamp: '2023-01-01 00:00:00' },
  { pathname: '/blog/post/1', timestamp: '2023-01-01 00:00:00' },
  { pathname: '/about', timestamp: '2023-01-01 00:00:00' },
];
const purchases: PCase['events'] = [
  { name: 'Purchase', timestamp: '2023-01-01 00:00:00' },
  { name: 'Purchase', timestamp: '2023-01-01 00:00:00' },
  { name: 'Signup', timestamp: '2023-01-01 00:00:00' },
];
const purchaseRows: PImported[] = [
  { table: 'custom_events', name: 'Purchase', visitors: 3, events: 5, date: '2023-01-01' },
  { table: 'custom_events', name: 'Signup', visitors: 2, events: 2, date: '2023-01-01' },
];
const everyTable: PImported[] = [
  { table: 'browsers', browser: 'Chrome', pageviews: 1, date: '2021-01-01' },
  { table: 'devices', device: 'Desktop', pageviews: 1, date: '2021-01-01' },
  { table: 'entry_pages', entry_page: '/test', pageviews: 1, date: '2021-01-01' },
  { table: 'exit_pages', exit_page: '/test', pageviews: 1, date: '2021-01-01' },
  { table: 'locations', country: 'EE', pageviews: 1, date: '2021-01-01' },
  { table: 'operating_systems', operating_system: 'Mac', pageviews: 1, date: '2021-01-01' },
  { table: 'pages', page: '/test', pageviews: 1, date: '2021-01-01' },
  { table: 'sources', source: 'Google', pageviews: 1, date: '2021-01-01' },
];
const eventsAs = (dim: string, first: string): PCase => ({
  name: `pageviews are returned as events for breakdown reports other than custom events (${dim})`,
  events: [],
  imported: everyTable,
  v2: { metrics: ['events'], date_range: ['2021-01-01', '2021-01-01'], dimensions: [dim], include: { imports: true }, pagination: { limit: 1 } },
  expect: { results: [r([first], [1])] },
});

plausibleCases('imported', [
  {
    name: 'does not count imported stats unless specified (without include)',
    events: [{ timestamp: '2023-01-01 00:00:00' }],
    imported: [{ table: 'visitors', date: '2023-01-01' }],
    v2: { date_range: 'all', metrics: ['pageviews'] },
    expect: { results: [r([], [1])], meta: {} },
  },
  {
    name: 'does not count imported stats unless specified (with include.imports)',
    events: [{ timestamp: '2023-01-01 00:00:00' }],
    imported: [{ table: 'visitors', date: '2023-01-01' }],
    v2: { date_range: 'all', metrics: ['pageviews'], include: { imports: true } },
    expect: { results: [r([], [2])], meta },
  },
  {
    name: "filters correctly with 'is' operator",
    events: blog,
    imported: [
      { table: 'pages', page: '/blog', pageviews: 5, visitors: 3, date: '2023-01-01' },
      { table: 'pages', page: '/blog/post/1', pageviews: 2, visitors: 2, date: '2023-01-01' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['is', 'event:page', ['/blog']]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: "filters correctly with 'is' operator (case insensitive)",
    events: [
      { pathname: '/BLOG', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/blog', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/blog/post/1', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/about', timestamp: '2023-01-01 00:00:00' },
    ],
    imported: [
      { table: 'pages', page: '/BLOG', pageviews: 5, visitors: 3, date: '2023-01-01' },
      { table: 'pages', page: '/blog/post/1', pageviews: 2, visitors: 2, date: '2023-01-01' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['is', 'event:page', ['/blOG'], { case_sensitive: false }]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: "filters correctly with 'contains' operator",
    events: [
      { pathname: '/blog', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/blog/post/1', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/blog/post/2', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/about', timestamp: '2023-01-01 00:00:00' },
    ],
    imported: [
      { table: 'pages', page: '/blog', pageviews: 5, visitors: 3, date: '2023-01-01' },
      { table: 'pages', page: '/blog/post/1', pageviews: 2, visitors: 2, date: '2023-01-01' },
      { table: 'pages', page: '/blog/POST/2', pageviews: 3, visitors: 1, date: '2023-01-01' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['contains', 'event:page', ['blog/post']]], include: { imports: true } },
    expect: { results: [r([], [4, 4])], meta },
  },
  {
    name: "filters correctly with 'contains' operator (case insensitive)",
    events: [
      { pathname: '/BLOG/post/1', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/blog/POST/2', timestamp: '2023-01-01 00:00:00' },
      { pathname: '/about', timestamp: '2023-01-01 00:00:00' },
    ],
    imported: [
      { table: 'pages', page: '/BLOG/POST/1', pageviews: 5, visitors: 3, date: '2023-01-01' },
      { table: 'pages', page: '/blog/post/2', pageviews: 2, visitors: 2, date: '2023-01-01' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], filters: [['contains', 'event:page', ['blog/POST'], { case_sensitive: false }]], include: { imports: true } },
    expect: { results: [r([], [7, 9])], meta },
  },
  {
    name: "aggregates custom event goals with 'is' operator",
    goals: [{ event_name: 'Purchase' }],
    events: purchases,
    imported: purchaseRows,
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Purchase']]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: "aggregates custom event goals with 'contains' operator",
    goals: [{ event_name: 'Purchase' }],
    events: purchases,
    imported: purchaseRows,
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['contains', 'event:goal', ['Purch', 'sign']]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: "aggregates custom event goals with 'is' operator (case insensitive)",
    goals: [{ event_name: 'Purchase' }],
    events: purchases,
    imported: purchaseRows,
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['purchase'], { case_sensitive: false }]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: "aggregates custom event goals with 'contains' operator (case insensitive)",
    goals: [{ event_name: 'Purchase' }],
    events: purchases,
    imported: purchaseRows,
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['contains', 'event:goal', ['PURCH'], { case_sensitive: false }]], include: { imports: true } },
    expect: { results: [r([], [5, 7])], meta },
  },
  {
    name: 'breaks down all metrics by visit:referrer with imported data',
    events: [
      { referrer: 'site.com', timestamp: '2021-01-01 00:00:00' },
      { referrer: 'site.com/1', timestamp: '2021-01-01 00:00:00' },
    ],
    imported: [
      { table: 'sources', referrer: 'site.com', date: '2021-01-01', visitors: 2, visits: 2, pageviews: 2, bounces: 1, visit_duration: 120 },
      { table: 'sources', referrer: 'site.com/2', date: '2021-01-01', visitors: 2, visits: 2, pageviews: 2, bounces: 2, visit_duration: 0 },
      { table: 'sources', date: '2021-01-01', visitors: 10, visits: 11, pageviews: 50, bounces: 0, visit_duration: 1100 },
    ],
    v2: { metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'], date_range: 'all', dimensions: ['visit:referrer'], include: { imports: true } },
    expect: { results: [r(['Direct / None'], [10, 11, 50, 0, 100]), r(['site.com'], [3, 3, 3, 67, 40]), r(['site.com/2'], [2, 2, 2, 100, 0]), r(['site.com/1'], [1, 1, 1, 100, 0])], meta },
  },
  {
    name: 'breaks down all metrics by visit:utm_source with imported data',
    events: [
      { utm_source: 'SomeUTMSource', timestamp: '2021-01-01 00:00:00' },
      { utm_source: 'SomeUTMSource-1', timestamp: '2021-01-01 00:00:00' },
    ],
    imported: [
      { table: 'sources', utm_source: 'SomeUTMSource', date: '2021-01-01', visitors: 2, visits: 2, pageviews: 2, bounces: 1, visit_duration: 120 },
      { table: 'sources', utm_source: 'SomeUTMSource-2', date: '2021-01-01', visitors: 2, visits: 2, pageviews: 2, bounces: 2, visit_duration: 0 },
      { table: 'sources', date: '2021-01-01', visitors: 10, visits: 11, pageviews: 50, bounces: 0, visit_duration: 1100 },
    ],
    v2: { metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'], date_range: 'all', dimensions: ['visit:utm_source'], include: { imports: true } },
    expect: { results: [r(['SomeUTMSource'], [3, 3, 3, 67, 40]), r(['SomeUTMSource-2'], [2, 2, 2, 100, 0]), r(['SomeUTMSource-1'], [1, 1, 1, 100, 0])], meta },
  },
  {
    name: 'pageviews breakdown by event:page - imported data having pageviews=0 and visitors=n should be bypassed',
    events: [
      { pathname: '/', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/', timestamp: '2021-01-01 00:25:00' },
      { pathname: '/plausible.io', timestamp: '2021-01-01 00:00:00' },
    ],
    imported: [
      { table: 'pages', page: '/skip-me', date: '2021-01-01', visitors: 1, pageviews: 0 },
      { table: 'pages', page: '/include-me', date: '2021-01-01', visitors: 1, pageviews: 1 },
    ],
    v2: { metrics: ['pageviews'], date_range: 'all', dimensions: ['event:page'], include: { imports: true } },
    expect: { results: [r(['/'], [2]), r(['/plausible.io'], [1]), r(['/include-me'], [1])], meta },
    todo: 'the order of ties: Footfall answers rows of equal pageviews in dimension order (/include-me before /plausible.io), Plausible native rows first',
  },
  {
    name: 'breakdown by visit:exit_page with: can query with visit:exit_page dimension',
    events: [
      { pathname: '/a', timestamp: '2021-01-01 00:00:00' },
      { user_id: 4321, pathname: '/a', timestamp: '2021-01-01 00:25:00' },
      { user_id: 4321, pathname: '/b', timestamp: '2021-01-01 00:35:00' },
    ],
    imported: [{ table: 'exit_pages', exit_page: '/b', exits: 3, visitors: 2, pageviews: 5, date: '2021-01-01' }],
    v2: { metrics: ['visits'], date_range: 'all', dimensions: ['visit:exit_page'], include: { imports: true } },
    expect: { results: [r(['/b'], [4]), r(['/a'], [1])], meta },
  },
  {
    name: 'imported data: returns screen sizes breakdown when filtering by screen size',
    events: [{ timestamp: '2021-01-01 00:00:01', screen_size: 'Mobile' }],
    imported: [{ table: 'devices', device: 'Mobile', visitors: 3, pageviews: 5, date: '2021-01-01' }],
    v2: { metrics: ['visitors', 'pageviews'], date_range: 'all', dimensions: ['visit:device'], filters: [['is', 'visit:device', ['Mobile']]], include: { imports: true } },
    expect: { results: [r(['Mobile'], [4, 6])], meta },
  },
  {
    name: 'imported data: returns custom event goals and pageview goals',
    goals: [{ event_name: 'Purchase' }, { page_path: '/test' }],
    events: [
      { timestamp: '2021-01-01 00:00:01', pathname: '/test' },
      { name: 'Purchase', timestamp: '2021-01-01 00:00:03' },
      { name: 'Purchase', timestamp: '2021-01-01 00:00:03' },
    ],
    imported: [
      { table: 'custom_events', name: 'Purchase', visitors: 3, events: 5, date: '2021-01-01' },
      { table: 'pages', page: '/test', visitors: 2, pageviews: 2, date: '2021-01-01' },
      { table: 'visitors', visitors: 5, date: '2021-01-01' },
    ],
    v2: { date_range: 'all', dimensions: ['event:goal'], metrics: ['visitors', 'events', 'pageviews', 'conversion_rate'], include: { imports: true } },
    expect: { results: [r(['Purchase'], [5, 7, 0, 62.5]), r(['Visit /test'], [3, 3, 3, 37.5])], meta },
  },
  eventsAs('visit:browser', 'Chrome'),
  eventsAs('visit:device', 'Desktop'),
  eventsAs('visit:country', 'EE'),
  eventsAs('visit:os', 'Mac'),
  eventsAs('event:page', '/test'),
  eventsAs('visit:source', 'Google'),
  ...['Outbound Link: Click', 'File Download'].map(
    (goal): PCase => ({
      name: `returns url breakdown for ${goal} goal`,
      goals: [{ event_name: goal }],
      events: [{ name: goal, 'meta.key': ['url'], 'meta.value': ['https://one.com'] }],
      imported: [
        { table: 'custom_events', name: goal, visitors: 2, events: 5, link_url: 'https://one.com', date: new Date().toISOString().slice(0, 10) },
        { table: 'custom_events', name: goal, visitors: 5, events: 10, link_url: 'https://two.com', date: new Date().toISOString().slice(0, 10) },
        { table: 'custom_events', name: 'some goal', visitors: 5, events: 10, date: new Date().toISOString().slice(0, 10) },
        { table: 'visitors', visitors: 9, date: new Date().toISOString().slice(0, 10) },
      ],
      v2: { metrics: ['visitors', 'events', 'conversion_rate'], date_range: 'all', dimensions: ['event:props:url'], filters: [['is', 'event:goal', [goal]]], include: { imports: true } },
      expect: { results: [r(['https://two.com'], [5, 10, 50]), r(['https://one.com'], [3, 6, 30])], meta },
      todo: "the special goals' url and path properties are not answered from imported data yet (unsupported_query)",
    }),
  ),
  {
    name: 'gracefully ignores unsupported WP Search Queries goal for imported data',
    goals: [{ event_name: 'WP Search Queries' }],
    events: [{ name: 'WP Search Queries', 'meta.key': ['search_query', 'result_count'], 'meta.value': ['some phrase', '12'] }],
    imported: [
      { table: 'custom_events', name: 'view_search_results', visitors: 100, events: 200, date: new Date().toISOString().slice(0, 10) },
      { table: 'visitors', visitors: 9, date: new Date().toISOString().slice(0, 10) },
    ],
    v2: { metrics: ['visitors', 'events', 'conversion_rate'], date_range: 'all', dimensions: ['event:props:search_query'], filters: [['is', 'event:goal', ['WP Search Queries']]], include: { imports: true } },
    expect: {
      results: [r(['some phrase'], [1, 1, 100])],
      meta: { imports_included: false, imports_skip_reason: 'unsupported_query', imports_warning: 'Imported stats are not included in the results because query parameters are not supported. For more information, see: https://plausible.io/docs/stats-api#filtering-imported-stats' },
    },
  },
]);
