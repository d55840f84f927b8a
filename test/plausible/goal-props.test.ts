import { plausibleCases, type PCase } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_goal_custom_props_test.exs
// (inputs and expected answers only). Plausible creates these goals with Goals.create (custom_props, display_name).
//
// Ties: where Plausible asserts membership only (Enum.member?/Enum.find), the rows are listed in dimension order.

const r = (dimensions: unknown[], metrics: unknown[]) => ({ dimensions, metrics });

plausibleCases('goalprops', [
  {
    name: 'filters custom event goals by custom properties',
    goals: [{ event_name: 'Purchase', custom_props: { variant: 'A' } }],
    events: [
      { name: 'Purchase', 'meta.key': ['variant'], 'meta.value': ['A'], timestamp: '2021-01-01 00:00:01' },
      { name: 'Purchase', 'meta.key': ['variant'], 'meta.value': ['A'], timestamp: '2021-01-01 00:00:02' },
      { name: 'Purchase', 'meta.key': ['variant'], 'meta.value': ['B'], timestamp: '2021-01-01 00:00:03' },
      { name: 'Purchase', timestamp: '2021-01-01 00:00:04' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Purchase']]] },
    expect: { results: [r([], [2, 2])] },
  },
  {
    name: 'filters with multiple custom properties (AND logic)',
    goals: [{ event_name: 'Purchase', custom_props: { variant: 'A', plan: 'premium' } }],
    events: [
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['A', 'premium'] },
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['A', 'free'], user_id: 1 },
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['B', 'premium'], user_id: 2 },
      { name: 'Purchase', 'meta.key': ['variant'], 'meta.value': ['A'], user_id: 3 },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Purchase']]] },
    expect: { results: [r([], [1, 1])] },
  },
  {
    name: 'goals without custom_props filter match all events',
    goals: [{ event_name: 'Signup' }],
    events: [
      { name: 'Signup', 'meta.key': ['source'], 'meta.value': ['google'] },
      { name: 'Signup', 'meta.key': ['source'], 'meta.value': ['twitter'] },
      { name: 'Signup' },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], filters: [['is', 'event:goal', ['Signup']]] },
    expect: { results: [r([], [3, 3])] },
  },
  {
    name: 'breakdown by event:goal with custom property filters',
    goals: [
      { event_name: 'Purchase A', custom_props: { variant: 'A' } },
      { event_name: 'Purchase B', custom_props: { variant: 'B' } },
    ],
    events: [
      { name: 'Purchase A', 'meta.key': ['variant'], 'meta.value': ['A'], user_id: 1 },
      { name: 'Purchase A', 'meta.key': ['variant'], 'meta.value': ['A'], user_id: 1 },
      { name: 'Purchase B', 'meta.key': ['variant'], 'meta.value': ['B'], user_id: 1 },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], dimensions: ['event:goal'] },
    expect: { results: [r(['Purchase A'], [1, 2]), r(['Purchase B'], [1, 1])] },
  },
  {
    name: 'custom property filters work with conversion_rate metric',
    goals: [{ event_name: 'Signup', custom_props: { method: 'email' } }],
    events: [
      { user_id: 1 },
      { name: 'Signup', 'meta.key': ['method'], 'meta.value': ['email'], user_id: 1 },
      { user_id: 2 },
      { name: 'Signup', 'meta.key': ['method'], 'meta.value': ['google'], user_id: 2 },
      { user_id: 3 },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events', 'conversion_rate'], filters: [['is', 'event:goal', ['Signup']]] },
    expect: { results: [r([], [1, 1, 33.33])] },
  },
  {
    name: 'custom property filters work with multi-dimensional breakdown',
    goals: [{ event_name: 'Purchase', custom_props: { variant: 'A' } }],
    events: [
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['A', 'premium'] },
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['A', 'free'], user_id: 2 },
      { name: 'Purchase', 'meta.key': ['variant', 'plan'], 'meta.value': ['B', 'premium'], user_id: 3 },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], dimensions: ['event:goal', 'event:props:plan'], filters: [['is', 'event:goal', ['Purchase']]] },
    expect: { results: [r(['Purchase', 'free'], [1, 1]), r(['Purchase', 'premium'], [1, 1])] },
  },
  {
    name: 'custom property filters work with time series queries',
    goals: [{ event_name: 'Click', custom_props: { button: 'cta' } }],
    events: [
      { name: 'Click', 'meta.key': ['button'], 'meta.value': ['cta'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Click', 'meta.key': ['button'], 'meta.value': ['nav'], timestamp: '2021-01-01 00:00:00' },
      { name: 'Click', 'meta.key': ['button'], 'meta.value': ['cta'], timestamp: '2021-01-02 00:00:00' },
    ],
    v2: { date_range: ['2021-01-01', '2021-01-02'], metrics: ['visitors'], dimensions: ['time:day'], filters: [['is', 'event:goal', ['Click']]] },
    expect: { results: [r(['2021-01-01'], [1]), r(['2021-01-02'], [1])] },
  },
  {
    name: 'different goals with same event name but different custom props are distinguished',
    goals: [
      { event_name: 'Button Click', display_name: 'Red Button', custom_props: { color: 'red' } },
      { event_name: 'Button Click', display_name: 'Blue Button', custom_props: { color: 'blue' } },
    ],
    events: [
      { name: 'Button Click', 'meta.key': ['color'], 'meta.value': ['red'], user_id: 1 },
      { name: 'Button Click', 'meta.key': ['color'], 'meta.value': ['red'], user_id: 1 },
      { name: 'Button Click', 'meta.key': ['color'], 'meta.value': ['blue'], user_id: 2 },
      { name: 'Button Click', user_id: 3 },
    ],
    v2: { date_range: 'all', metrics: ['visitors', 'events'], dimensions: ['event:goal'] },
    // Plausible: Red Button [1, 2] and Blue Button [1, 1] among the rows, and no "Button Click" row
    expect: { results: [r(['Blue Button'], [1, 1]), r(['Red Button'], [1, 2])] },
  },
]);
