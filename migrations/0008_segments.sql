-- Segments (issue 12): definitions, the membership index the events consumer keeps from the
-- customer objects' facts, membership changes per day, the customer index, and back-fill jobs.
-- All of it is written off the hot path (the events queue, admin requests, the cron).

-- Custom segments, and built-ins whose params a workspace changed (a built-in without a row
-- runs with its defaults). `definition` is {"params": {…}} or {"rule": {…}}.
CREATE TABLE segment_definitions (
  workspace_id TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, segment_id)
);

-- Who is in which segment, as the customer objects last said. A customer who left keeps a row
-- with member = 0 for a while (pruned by the cron), so an older "entered" fact delivered late
-- cannot put them back: `at` orders the facts about one customer and segment.
CREATE TABLE segment_members (
  workspace_id TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  member INTEGER NOT NULL,
  since INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, profile_key)
);
-- Members page by page (and the size) without reading the rows of those who left.
CREATE INDEX segment_members_listing ON segment_members (workspace_id, segment_id, member, profile_key);
CREATE INDEX segment_members_profile ON segment_members (workspace_id, profile_key);
CREATE INDEX segment_members_left ON segment_members (member, at);

-- Entries and exits per segment and UTC day, counted once each (a redelivered fact changes nothing).
CREATE TABLE segment_changes_daily (
  workspace_id TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  day TEXT NOT NULL,
  entered INTEGER NOT NULL DEFAULT 0,
  exited INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, segment_id, day)
);

-- Every customer object of a workspace that holds a customer (written once when it gets its
-- first event, and when it is merged into another: `gone_at`), for lists, search and back-fills.
CREATE TABLE customer_index (
  workspace_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  gone_at INTEGER,
  PRIMARY KEY (workspace_id, profile_key)
);
CREATE INDEX customer_index_gone ON customer_index (gone_at);

-- One back-fill per segment: a new version replaces the job and starts it over. `cursor` is
-- the last profile key evaluated: a page continues from it, so an interrupted job resumes.
CREATE TABLE segment_backfills (
  workspace_id TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  cursor TEXT,
  processed INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (workspace_id, segment_id)
);
CREATE INDEX segment_backfills_running ON segment_backfills (status, updated_at);
