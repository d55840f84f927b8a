import { plausibleCases, type PCase } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_special_metrics_test.exs
// (inputs and expected answers only).
//
// Not ported:
// - "can break down by visit:device with only percentage metric": imported data (site_import, imported_visitors/devices).
// - "exit_rate with imported data": imported data (imported_pages, imported_exit_pages).
//
// Notes:
// - Plausible runs the exit_rate cases against its internal endpoint (/api/v2/query-internal-test); here they go to
//   /api/v2/query. "with comparisons" injects exit_rate and previous_period comparisons into the query (fix_query); here
//   that is the body itself.
// - "sorting and pagination" makes several requests on one data set: each is a case here (the asc/desc limit-4 answers
//   are the ones its `asc == reverse(desc)` assertion and the later ones imply).

const blogAuthors = [
  { pathname: '/blog/1', 'meta.key': ['author'], 'meta.value': ['Uku'] },
  { pathname: '/blog/2', 'meta.key': ['author'], 'meta.value': ['Uku'] },
  { pathname: '/blog/3', 'meta.key': ['author'], 'meta.value': ['Uku'] },
  { pathname: '/blog/1', 'meta.key': ['author'], 'meta.value': ['Marko'] },
  { pathname: '/blog/2', 'meta.key': ['author'], 'meta.value': ['Marko'], user_id: 1 },
  { pathname: '/blog/3', 'meta.key': ['author'], 'meta.value': ['Marko'], user_id: 1 },
  { pathname: '/blog' },
  { 'meta.key': ['author'], 'meta.value': ['Marko'] },
  {},
];

const pagination = [
  { pathname: '/one', timestamp: '2021-01-01 00:00:00' },
  { user_id: 2, pathname: '/two', timestamp: '2021-01-01 00:00:00' },
  { user_id: 2, pathname: '/two', timestamp: '2021-01-01 00:01:00' },
  { user_id: 3, pathname: '/three', timestamp: '2021-01-01 00:00:00' },
  { user_id: 3, pathname: '/three', timestamp: '2021-01-01 00:01:00' },
  { user_id: 3, pathname: '/three', timestamp: '2021-01-01 00:02:00' },
  { user_id: 4, pathname: '/four', timestamp: '2021-01-01 00:00:00' },
  { user_id: 4, pathname: '/four', timestamp: '2021-01-01 00:01:00' },
  { user_id: 4, pathname: '/four', timestamp: '2021-01-01 00:02:00' },
  { user_id: 4, pathname: '/four', timestamp: '2021-01-01 00:03:00' },
];
const paginationCase = (order: 'asc' | 'desc', page: { limit: number; offset?: number }, results: unknown[]): PCase => ({
  name: `exit_rate: sorting and pagination (${order}, limit ${page.limit}, offset ${page.offset ?? 0})`,
  events: pagination,
  v2: { metrics: ['exit_rate'], date_range: 'all', dimensions: ['visit:exit_page'], order_by: [['exit_rate', order]], pagination: page },
  expect: { results },
});
const r = (dimensions: unknown[], metrics: unknown[]) => ({ dimensions, metrics });

plausibleCases('special', [
  {
    name: 'returns conversion_rate in a goal filtered custom prop breakdown',
    goals: [{ page_path: '/blog**' }],
    events: blogAuthors,
    v2: { date_range: 'all', filters: [['is', 'event:goal', ['Visit /blog**']]], metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:props:author'] },
    expect: { results: [r(['Uku'], [3, 3, 37.5]), r(['Marko'], [2, 3, 25.0]), r(['(none)'], [1, 1, 12.5])] },
  },
  {
    name: 'returns conversion_rate alone in a goal filtered custom prop breakdown',
    goals: [{ page_path: '/blog**' }],
    events: [{ pathname: '/blog/1', 'meta.key': ['author'], 'meta.value': ['Uku'] }, {}],
    v2: { metrics: ['conversion_rate'], date_range: 'all', dimensions: ['event:props:author'], filters: [['is', 'event:goal', ['Visit /blog**']]] },
    expect: { results: [r(['Uku'], [50])] },
  },
  {
    name: 'returns conversion_rate in a goal filtered event:page breakdown',
    goals: [{ event_name: 'Signup' }],
    events: [
      { pathname: '/en/register', name: 'pageview' },
      { pathname: '/en/register', name: 'Signup' },
      { pathname: '/en/register', name: 'Signup' },
      { pathname: '/it/register', name: 'Signup', user_id: 1 },
      { pathname: '/it/register', name: 'Signup', user_id: 1 },
      { pathname: '/it/register', name: 'pageview' },
    ],
    v2: { date_range: 'all', dimensions: ['event:page'], filters: [['is', 'event:goal', ['Signup']]], metrics: ['visitors', 'events', 'group_conversion_rate'] },
    expect: { results: [r(['/en/register'], [2, 2, 66.67]), r(['/it/register'], [1, 2, 50.0])] },
  },
  {
    name: 'returns conversion_rate alone in a goal filtered event:page breakdown',
    goals: [{ event_name: 'Signup' }],
    events: [{ pathname: '/en/register', name: 'pageview' }, { pathname: '/en/register', name: 'Signup' }],
    v2: { date_range: 'all', filters: [['is', 'event:goal', ['Signup']]], metrics: ['group_conversion_rate'], dimensions: ['event:page'] },
    expect: { results: [r(['/en/register'], [50.0])] },
  },
  {
    name: 'returns conversion_rate in a multi-goal filtered visit:screen_size breakdown',
    goals: [{ event_name: 'Purchase', currency: 'EUR' }, { event_name: 'AddToCart' }],
    events: [
      { screen_size: 'Mobile', name: 'pageview' },
      { screen_size: 'Mobile', name: 'AddToCart' },
      { screen_size: 'Mobile', name: 'AddToCart' },
      { screen_size: 'Desktop', name: 'AddToCart', user_id: 1 },
      { screen_size: 'Desktop', name: 'Purchase', user_id: 1 },
      { screen_size: 'Desktop', name: 'pageview' },
    ],
    v2: { metrics: ['visitors', 'events', 'group_conversion_rate'], date_range: 'all', dimensions: ['visit:device'], filters: [['is', 'event:goal', ['AddToCart', 'Purchase']]] },
    expect: { results: [r(['Mobile'], [2, 2, 66.67]), r(['Desktop'], [1, 2, 50])] },
  },
  {
    name: 'returns conversion_rate alone in a goal filtered visit:screen_size breakdown',
    goals: [{ event_name: 'AddToCart' }],
    events: [{ screen_size: 'Mobile', name: 'pageview' }, { screen_size: 'Mobile', name: 'AddToCart' }],
    v2: { metrics: ['conversion_rate'], date_range: 'all', dimensions: ['visit:device'], filters: [['is', 'event:goal', ['AddToCart']]] },
    expect: { results: [r(['Mobile'], [50])] },
  },
  {
    name: 'exit_rate: in visit:exit_page breakdown without filters',
    events: [
      { user_id: 1, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/two', timestamp: '2021-01-01 00:10:00' },
      { user_id: 3, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 3, pathname: '/never-exit', timestamp: '2021-01-01 00:00:00' },
      { user_id: 3, name: 'a', pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 3, pathname: '/one', timestamp: '2021-01-01 00:10:00' },
    ],
    v2: { metrics: ['exit_rate'], date_range: 'all', dimensions: ['visit:exit_page'], order_by: [['exit_rate', 'desc']] },
    expect: { results: [r(['/two'], [100]), r(['/one'], [33.3])] },
  },
  {
    name: 'exit_rate: in visit:exit_page breakdown filtered by visit:exit_page',
    events: [
      { pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/two', timestamp: '2021-01-01 00:10:00' },
    ],
    v2: { metrics: ['exit_rate'], date_range: 'all', dimensions: ['visit:exit_page'], filters: [['is', 'visit:exit_page', ['/one']]] },
    expect: { results: [r(['/one'], [66.7])] },
  },
  {
    name: 'exit_rate: in visit:exit_page breakdown filtered by visit:exit_page and visit:entry_page',
    events: [
      { pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/two', timestamp: '2021-01-01 00:10:00' },
      { user_id: 1, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 2, pathname: '/one', timestamp: '2021-01-01 00:00:00' },
      { user_id: 2, pathname: '/two', timestamp: '2021-01-01 00:10:00' },
      { user_id: 3, pathname: '/two', timestamp: '2021-01-01 00:00:00' },
      { user_id: 3, pathname: '/one', timestamp: '2021-01-01 00:20:00' },
    ],
    v2: {
      metrics: ['exit_rate'],
      date_range: 'all',
      dimensions: ['visit:exit_page'],
      filters: [['is', 'visit:exit_page', ['/one']], ['is', 'visit:entry_page', ['/one']]],
    },
    expect: { results: [r(['/one'], [60])] },
  },
  {
    name: 'exit_rate: in visit:exit_page breakdown filtered by visit:country',
    events: [
      { pathname: '/one', country_code: 'EE', timestamp: '2021-01-01 00:00:00' },
      { pathname: '/one', country_code: 'US', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/one', country_code: 'EE', timestamp: '2021-01-01 00:00:00' },
      { user_id: 1, pathname: '/two', country_code: 'EE', timestamp: '2021-01-01 00:10:00' },
    ],
    v2: { metrics: ['exit_rate'], date_range: 'all', filters: [['is', 'visit:country', ['EE']]], dimensions: ['visit:exit_page'], order_by: [['exit_rate', 'asc']] },
    expect: { results: [r(['/one'], [50]), r(['/two'], [100.0])] },
  },
  paginationCase('asc', { limit: 4 }, [r(['/four'], [25]), r(['/three'], [33.3]), r(['/two'], [50]), r(['/one'], [100])]),
  paginationCase('desc', { limit: 4 }, [r(['/one'], [100]), r(['/two'], [50]), r(['/three'], [33.3]), r(['/four'], [25])]),
  paginationCase('desc', { limit: 2, offset: 0 }, [r(['/one'], [100]), r(['/two'], [50])]),
  paginationCase('desc', { limit: 2, offset: 2 }, [r(['/three'], [33.3]), r(['/four'], [25])]),
  paginationCase('asc', { limit: 3, offset: 1 }, [r(['/three'], [33.3]), r(['/two'], [50]), r(['/one'], [100])]),
  {
    name: 'exit_rate: with comparisons',
    events: [
      { user_id: 1, pathname: '/one', timestamp: '2021-01-09 00:00:00' },
      { user_id: 1, pathname: '/three', timestamp: '2021-01-09 00:00:00' },
      { pathname: '/one', timestamp: '2021-01-09 00:10:00' },
      { user_id: 2, pathname: '/one', timestamp: '2021-01-10 00:00:00' },
      { user_id: 2, pathname: '/two', timestamp: '2021-01-10 00:10:00' },
      { user_id: 3, pathname: '/one', timestamp: '2021-01-10 00:00:00' },
      { user_id: 3, pathname: '/one', timestamp: '2021-01-10 00:10:00' },
    ],
    v2: {
      metrics: ['exit_rate'],
      date_range: ['2021-01-10', '2021-01-10'],
      dimensions: ['visit:exit_page'],
      include: { comparisons: { mode: 'previous_period' } },
    },
    expect: {
      results: [
        { dimensions: ['/two'], metrics: [100], comparison: { change: [null], dimensions: ['/two'], metrics: [null] } },
        { dimensions: ['/one'], metrics: [33.3], comparison: { change: [-16.7], dimensions: ['/one'], metrics: [50] } },
      ],
    },
  },
]);
