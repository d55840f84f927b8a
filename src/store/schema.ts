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
];
