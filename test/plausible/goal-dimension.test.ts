import { plausibleCases, type PCase, type PEvent } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_goal_dimension_test.exs
// (inputs and expected answers only).
//
// Not ported:
// - "a scroll depth of 255 (missing) is not considered a conversion" (goal filter, and goal breakdown): Plausible's
//   factory stores scroll_depth 255 (missing) directly; the harness sends every engagement through the Events API with
//   an `sd`, and 255 there is clamped to 100 (a full scroll) — a missing `sd` with no engagement time is rejected.

const UID = 4242; // Plausible's @user_id (a random 1000..9999)


const scrollGoals = [25, 50, 75].map((t) => ({ page_path: '/blog**', scroll_threshold: t, display_name: `Scroll /blog ${t}` }));
const authorPost = (author: string, user_id: number, scroll_depth: number): PEvent[] => [
  { user_id, pathname: `/blog/${author}-post`, timestamp: '2021-01-01 00:00:00', 'meta.key': ['author'], 'meta.value': [author] },
  { name: 'engagement', user_id, pathname: `/blog/${author}-post`, timestamp: '2021-01-01 00:00:10', scroll_depth, 'meta.key': ['author'], 'meta.value': [author] },
];
const authorEvents: PEvent[] = [
  { pathname: '/blog/john-post', 'meta.key': ['author'], 'meta.value': ['john'] },
  ...authorPost('john', 12, 30),
  ...authorPost('jane', 34, 50),
  ...authorPost('jane', 56, 75),
];
const r = (dimensions: unknown[], metrics: unknown[]) => ({ dimensions, metrics });

plausibleCases('goaldim', [
  {
    name: 'breakdown by event:goal: returns custom event goals and pageview goals',
    goals: [{ event_name: 'Purchase' }, { page_path: '/test' }],
    events: [
      { timestamp: '2021-01-01 00:00:01', pathname: '/test' },
      { name: 'Purchase', timestamp: '2021-01-01 00:00:03' },
      { name: 'Purchase', timestamp: '2021-01-01 00:00:03' },
    ],
    v2: { date_range: 'all', metrics: ['visitors'], dimensions: ['event:goal'] },
    expect: { results: [r(['Purchase'], [2]), r(['Visit /test'], [1])] },
  },
  {
    name: 'breakdown by event:goal: returns pageview goals containing wildcards',
    goals: [{ page_path: '/**/post' }, { page_path: '/blog**' }],
    events: [
      { pathname: '/blog', user_id: UID },
      { pathname: '/blog/post-1', user_id: UID },
      { pathname: '/blog/post-2', user_id: UID },
      { pathname: '/blog/something/post' },
      { pathname: '/different/page/post' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], dimensions: ['event:goal'], order_by: [['pageviews', 'desc']] },
    expect: { results: [r(['Visit /blog**'], [2, 4]), r(['Visit /**/post'], [2, 2])] },
  },
  {
    name: 'breakdown by event:goal: does not return goals that are not configured for the site',
    events: [{ pathname: '/register' }, { name: 'Signup' }],
    v2: { date_range: 'all', metrics: ['visitors', 'pageviews'], dimensions: ['event:goal'] },
    expect: { results: [] },
  },
  {
    name: 'breakdown by event:goal: returns conversion_rate in an event:goal breakdown',
    goals: [{ event_name: 'Signup' }, { page_path: '/blog**' }],
    events: [{ name: 'Signup', user_id: 1 }, { name: 'Signup', user_id: 1 }, { pathname: '/blog' }, { pathname: '/blog/post' }, {}],
    v2: { date_range: 'all', metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] },
    expect: { results: [r(['Visit /blog**'], [2, 2, 50.0]), r(['Signup'], [1, 2, 25.0])] },
  },
  {
    name: 'breakdown by event:goal: returns conversion_rate alone in an event:goal breakdown',
    goals: [{ event_name: 'Signup' }],
    events: [{ name: 'Signup', user_id: 1 }, {}],
    v2: { date_range: 'all', metrics: ['conversion_rate'], dimensions: ['event:goal'] },
    expect: { results: [r(['Signup'], [50.0])] },
  },
  {
    name: 'page scroll goals: returns group_conversion_rate for a page scroll goal filter in source breakdown',
    goals: [{ page_path: '/blog', scroll_threshold: 50, display_name: 'Scroll /blog 50' }],
    events: [
      { referrer_source: 'Twitter' },
      { user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:00:00', referrer_source: 'Google' },
      { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:00:10', scroll_depth: 30, referrer_source: 'Google' },
      { user_id: 34, pathname: '/blog', timestamp: '2021-01-01 00:00:00', referrer_source: 'Twitter' },
      { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2021-01-01 00:00:10', scroll_depth: 50, referrer_source: 'Twitter' },
    ],
    v2: { metrics: ['visitors', 'events', 'group_conversion_rate'], date_range: 'all', filters: [['is', 'event:goal', ['Scroll /blog 50']]], dimensions: ['visit:source'] },
    expect: { results: [r(['Twitter'], [1, 0, 50.0])] },
  },
  {
    name: 'page scroll goals: returns page scroll goals and pageview goals in breakdown with page filter',
    goals: [{ page_path: '/blog' }, { page_path: '/blog', scroll_threshold: 25, display_name: 'Scroll /blog 25' }],
    events: [
      { user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 12, pathname: '/blog', timestamp: '2021-01-01 00:00:00', scroll_depth: 10 },
      { user_id: 34, pathname: '/blog', timestamp: '2021-01-01 00:00:00' },
      { name: 'engagement', user_id: 34, pathname: '/blog', timestamp: '2021-01-01 00:00:00', scroll_depth: 30 },
      {},
    ],
    v2: { metrics: ['visitors', 'events', 'conversion_rate'], filters: [['is', 'event:page', ['/blog']]], date_range: 'all', dimensions: ['event:goal'] },
    expect: { results: [r(['Visit /blog'], [2, 2, 100.0]), r(['Scroll /blog 25'], [1, 0, 50.0])] },
  },
  {
    name: 'page scroll goals: custom props and page scroll goals in a double-dimension breakdown',
    goals: scrollGoals,
    events: authorEvents,
    v2: { metrics: ['visitors', 'events', 'conversion_rate'], date_range: 'all', dimensions: ['event:goal', 'event:props:author'] },
    expect: {
      results: [
        r(['Scroll /blog 25', 'jane'], [2, 0, 50.0]),
        r(['Scroll /blog 50', 'jane'], [2, 0, 50.0]),
        r(['Scroll /blog 25', 'john'], [1, 0, 25.0]),
        r(['Scroll /blog 75', 'jane'], [1, 0, 25.0]),
      ],
    },
  },
  {
    name: 'page scroll goals: breakdown by event:props:author with a page scroll goal filter',
    goals: scrollGoals,
    events: authorEvents,
    v2: { metrics: ['visitors', 'events', 'conversion_rate'], date_range: 'all', filters: [['is', 'event:goal', ['Scroll /blog 25']]], dimensions: ['event:props:author'] },
    expect: { results: [r(['jane'], [2, 0, 50.0]), r(['john'], [1, 0, 25.0])] },
  },
  {
    name: 'page scroll goals: breaks down page scroll goals with a custom prop filter',
    goals: scrollGoals,
    events: authorEvents,
    v2: { metrics: ['visitors', 'events', 'conversion_rate'], date_range: 'all', filters: [['is', 'event:props:author', ['jane']]], dimensions: ['event:goal'] },
    expect: { results: [r(['Scroll /blog 25'], [2, 0, 50.0]), r(['Scroll /blog 50'], [2, 0, 50.0]), r(['Scroll /blog 75'], [1, 0, 25.0])] },
  },
]);
