/**
 * The schema, as an ordered list of versioned migrations. A migration is never edited once released;
 * changes come as a new version. Column names follow Plausible's events_v2 / sessions_v2.
 * Every statement must run on chdb (ClickHouse 26.x) and on ClickHouse 18.16 (see design.md).
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements for database `db` (already a validated identifier); a CREATE should be IF NOT EXISTS. */
  up(db: string): string[];
}

/** Plausible's imported tables: their dimension and metric columns after `site_id, import_id, date`. */
export interface ImportedTable {
  name: string;
  /** Dimension columns (strings, or the city's GeoNames id). */
  dimensions: readonly string[];
  columns: ReadonlyArray<readonly [string, string]>;
}

const U = 'UInt64';
const visitMetrics: ReadonlyArray<readonly [string, string]> = [['visitors', U], ['visits', U], ['visit_duration', U], ['bounces', U], ['pageviews', U]];
const table = (name: string, dims: ReadonlyArray<readonly [string, string]>, metrics: ReadonlyArray<readonly [string, string]>): ImportedTable => ({
  name,
  dimensions: dims.map(([c]) => c),
  columns: [...dims, ...metrics],
});
const S = 'String';

export const IMPORTED_TABLES: readonly ImportedTable[] = [
  table('imported_visitors', [], [['visitors', U], ['pageviews', U], ['bounces', U], ['visits', U], ['visit_duration', U]]),
  table('imported_sources', [['source', S], ['referrer', S], ['utm_source', S], ['utm_medium', S], ['utm_campaign', S], ['utm_content', S], ['utm_term', S], ['channel', S]], [['pageviews', U], ['visitors', U], ['visits', U], ['visit_duration', U], ['bounces', U]]),
  table('imported_pages', [['hostname', S], ['page', S]], [['visits', U], ['visitors', U], ['pageviews', U], ['exits', U], ['total_scroll_depth', U], ['total_scroll_depth_visits', U], ['total_time_on_page', U], ['total_time_on_page_visits', U]]),
  table('imported_entry_pages', [['entry_page', S]], [['visitors', U], ['entrances', U], ['visit_duration', U], ['bounces', U], ['pageviews', U]]),
  table('imported_exit_pages', [['exit_page', S]], [['visitors', U], ['visit_duration', U], ['exits', U], ['bounces', U], ['pageviews', U]]),
  table('imported_custom_events', [['name', S], ['link_url', S], ['path', S]], [['visitors', U], ['events', U]]),
  table('imported_locations', [['country', S], ['region', S], ['city', U]], visitMetrics),
  table('imported_devices', [['device', S]], visitMetrics),
  table('imported_browsers', [['browser', S], ['browser_version', S]], visitMetrics),
  table('imported_operating_systems', [['operating_system', S], ['operating_system_version', S]], visitMetrics),
];

const visitFields = `
  referrer String,
  referrer_source String,
  utm_medium String,
  utm_source String,
  utm_campaign String,
  utm_content String,
  utm_term String,
  click_id_param String,
  country_code String,
  subdivision1_code String,
  subdivision2_code String,
  city_geoname_id UInt32,
  screen_size String,
  operating_system String,
  operating_system_version String,
  browser String,
  browser_version String`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, sessions, sites, api_keys',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.events (
  timestamp DateTime('UTC'),
  name String,
  site_id UInt64,
  user_id UInt64,
  session_id UInt64,
  hostname String,
  pathname String,${visitFields},
  meta Nested(key String, value String),
  revenue_source_amount Nullable(Decimal64(3)),
  revenue_source_currency String,
  revenue_reporting_amount Nullable(Decimal64(3)),
  revenue_reporting_currency String,
  interactive UInt8,
  scroll_depth UInt8,
  engagement_time UInt32,
  tracker_script_version UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (site_id, toDate(timestamp), name, user_id, timestamp)
SAMPLE BY user_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.sessions (
  session_id UInt64,
  sign Int8,
  site_id UInt64,
  user_id UInt64,
  hostname String,
  timestamp DateTime('UTC'),
  start DateTime('UTC'),
  is_bounce UInt8,
  entry_page String,
  entry_page_hostname String,
  exit_page String,
  exit_page_hostname String,
  pageviews Int32,
  events Int32,
  duration UInt32,${visitFields},
  entry_meta Nested(key String, value String)
) ENGINE = VersionedCollapsingMergeTree(sign, events)
PARTITION BY toYYYYMM(start)
ORDER BY (site_id, toDate(start), user_id, session_id)
SAMPLE BY user_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.sites (
  id UInt64,
  domain String,
  timezone String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${db}.api_keys (
  id UInt64,
  name String,
  key_prefix String,
  key_hash String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
    ],
  },
  {
    version: 2,
    name: 'per-site rate limits, shields',
    up: (db) => [
      // One statement (ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS): both columns or neither.
      `ALTER TABLE ${db}.sites ADD COLUMN rate_limit_per_minute UInt32 DEFAULT 0, ADD COLUMN rate_limit_burst UInt32 DEFAULT 0`,
      `CREATE TABLE IF NOT EXISTS ${db}.shields (
  site_id UInt64,
  kind String,
  value String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (site_id, kind, value)`,
    ],
  },
  // The journal's sequence number of each row (0 when written without the journal): after a crash, the rows of
  // the journal that reached the store are told from those to replay, so none is stored twice. One migration per
  // table, so that each is one statement (18.16 has no ADD COLUMN IF NOT EXISTS).
  {
    version: 3,
    name: 'events.journal_seq',
    up: (db) => [`ALTER TABLE ${db}.events ADD COLUMN journal_seq UInt64 DEFAULT 0`],
  },
  {
    version: 4,
    name: 'sessions.journal_seq',
    up: (db) => [`ALTER TABLE ${db}.sessions ADD COLUMN journal_seq UInt64 DEFAULT 0`],
  },
  {
    version: 5,
    name: 'goals',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.goals (
  id UInt64,
  site_id UInt64,
  event_name String,
  page_path String,
  currency String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
    ],
  },
  {
    version: 6,
    name: 'dashboard accounts, login sessions, shared links',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.users (
  id UInt64,
  email String,
  password_hash String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
      // A login: the SHA-256 of its cookie token (never the token), a user's or a shared link's.
      `CREATE TABLE IF NOT EXISTS ${db}.login_sessions (
  token_hash String,
  user_id UInt64,
  link_id UInt64,
  expires_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash`,
      `CREATE TABLE IF NOT EXISTS ${db}.shared_links (
  id UInt64,
  site_id UInt64,
  name String,
  token_hash String,
  password_hash String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
    ],
  },
  {
    version: 7,
    name: 'sites.public',
    up: (db) => [`ALTER TABLE ${db}.sites ADD COLUMN public UInt8 DEFAULT 0`],
  },
  // Teams: a site belongs to one team (0 on a store from before teams, moved to the first team at start), an API
  // key to one user (0: an operator's key from the CLI, which reaches every site).
  {
    version: 8,
    name: 'sites.team_id',
    up: (db) => [`ALTER TABLE ${db}.sites ADD COLUMN team_id UInt64 DEFAULT 0`],
  },
  {
    version: 9,
    name: 'api_keys.user_id',
    up: (db) => [`ALTER TABLE ${db}.api_keys ADD COLUMN user_id UInt64 DEFAULT 0`],
  },
  {
    version: 10,
    name: 'teams, memberships, invitations, password resets, two-factor',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.teams (
  id UInt64,
  name String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${db}.memberships (
  team_id UInt64,
  user_id UInt64,
  role String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (team_id, user_id)`,
      // An invitation: the SHA-256 of its link's token (never the token).
      `CREATE TABLE IF NOT EXISTS ${db}.invitations (
  id UInt64,
  team_id UInt64,
  email String,
  role String,
  token_hash String,
  invited_by UInt64,
  expires_at DateTime('UTC'),
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${db}.password_resets (
  token_hash String,
  user_id UInt64,
  expires_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash`,
      // TOTP: the secret sealed with the data directory's key (AES-256-GCM), the recovery codes as SHA-256 hashes.
      `CREATE TABLE IF NOT EXISTS ${db}.user_totp (
  user_id UInt64,
  secret_sealed String,
  recovery_hashes String,
  enabled UInt8,
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY user_id`,
    ],
  },
  // Goals as Plausible CE defines them beyond event and page: a display name (two goals on one event with different
  // properties), custom-property conditions (a JSON object of key → value, all must hold), a scroll-depth threshold
  // for page goals (-1: a pageview goal).
  {
    version: 11,
    name: 'goals.display_name, custom_props, scroll_threshold',
    up: (db) => [
      `ALTER TABLE ${db}.goals ADD COLUMN display_name String DEFAULT ''`,
      `ALTER TABLE ${db}.goals ADD COLUMN custom_props String DEFAULT '{}'`,
      `ALTER TABLE ${db}.goals ADD COLUMN scroll_threshold Int16 DEFAULT -1`,
    ],
  },
  // Saved segments (Plausible CE's): a name and a filter list, personal (its owner's) or for the whole site.
  {
    version: 12,
    name: 'segments',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.segments (
  id UInt64,
  site_id UInt64,
  owner_id UInt64,
  type String,
  name String,
  filters String,
  created_at DateTime('UTC'),
  updated_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
    ],
  },
  // History brought in: one row per import (raw events, Plausible's CSV export, Umami), and Plausible's imported_*
  // tables (daily aggregates per dimension, as its CSV export has them: columns in Plausible's names).
  {
    version: 13,
    name: 'imports, imported_* tables',
    up: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.imports (
  id UInt64,
  site_id UInt64,
  source String,
  label String,
  fingerprint String,
  start_date Date,
  end_date Date,
  status String,
  rows String,
  error String,
  created_at DateTime('UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id`,
      ...IMPORTED_TABLES.map(
        (t) => `CREATE TABLE IF NOT EXISTS ${db}.${t.name} (
  site_id UInt64,
  import_id UInt64,
  date Date,
${t.columns.map(([c, type]) => `  ${c} ${type}`).join(',\n')}
) ENGINE = MergeTree
ORDER BY (site_id, import_id, date)`,
      ),
    ],
  },
  // The import each raw event and session row came from (0: live), so that an import can be listed and removed.
  {
    version: 14,
    name: 'events.import_id',
    up: (db) => [`ALTER TABLE ${db}.events ADD COLUMN import_id UInt64 DEFAULT 0`],
  },
  {
    version: 15,
    name: 'sessions.import_id',
    up: (db) => [`ALTER TABLE ${db}.sessions ADD COLUMN import_id UInt64 DEFAULT 0`],
  },
  {
    version: 16,
    name: 'sites.umami_id',
    up: (db) => [`ALTER TABLE ${db}.sites ADD COLUMN umami_id String DEFAULT ''`],
  },
];
