import { plausibleCases } from './harness.js';

// Ported from Plausible's test/plausible_web/controllers/api/external_stats_controller/query_timezone_test.exs
// (commit 26803bdf; inputs and expected answers only).
//
// Skipped:
// - "uses site timezone to determine 'today' (negative offset)" and "(positive offset)": they fix "now"
//   (Query.Test.fix_now) and ask for date_range "day"; the harness cannot pin the server's clock.
// - "legacy_time_on_page_cutoff timezone handling" (3 cases: EST, Santiago gap, Havana ambiguous midnight): they set
//   the site's legacy_time_on_page_cutoff and the :new_time_on_page flag, site settings the harness cannot express.

plausibleCases('tz', [
  {
    // On 2022-09-11 in America/Santiago clocks spring forward from 00:00 to 01:00: the day starts at 01:00 -03.
    name: 'handles timezone gap when date starts at non-existent midnight (spring forward)',
    timezone: 'America/Santiago',
    events: [
      { timestamp: '2022-09-11 03:59:00' }, // 2022-09-10 23:59 -04 (before the gap)
      { timestamp: '2022-09-11 04:00:00' }, // 2022-09-11 01:00 -03
      { timestamp: '2022-09-11 05:00:00' },
    ],
    v2: { metrics: ['pageviews'], date_range: ['2022-09-11', '2022-09-11'] },
    expect: { results: [{ metrics: [2], dimensions: [] }] },
  },
  {
    // On 2023-11-05 in America/Havana clocks fall back at 01:00 CDT to 00:00 CST: 00:00 happens twice; Plausible's
    // range is 05:00:00 UTC to 04:59:59 UTC the next day.
    name: 'handles ambiguous datetime at start of range (fall back)',
    timezone: 'America/Havana',
    events: [
      { timestamp: '2023-11-05 04:30:00' }, // 00:30 CDT (first occurrence)
      { timestamp: '2023-11-05 05:30:00' }, // 00:30 CST (second occurrence)
      { timestamp: '2023-11-05 06:30:00' },
    ],
    v2: { metrics: ['pageviews'], date_range: ['2023-11-05', '2023-11-05'] },
    expect: { results: [{ metrics: [2], dimensions: [] }] },
  },
  {
    // On 2024-03-23/24 in America/Asuncion clocks fall back, so the end of the 23rd is ambiguous.
    name: 'handles ambiguous datetime at end of range (fall back)',
    timezone: 'America/Asuncion',
    events: [
      { timestamp: '2024-03-23 12:00:00' },
      { timestamp: '2024-03-24 02:58:00' },
      { timestamp: '2024-03-24 03:00:00' }, // the 24th in Plausible's reading
    ],
    v2: { metrics: ['pageviews'], date_range: ['2024-03-23', '2024-03-23'] },
    expect: { results: [{ metrics: [2], dimensions: [] }] },
  },
]);
