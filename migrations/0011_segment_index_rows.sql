-- Issue 15: the customer and segment indexes are written once per customer and per membership change
-- (through the events queue). As rowid tables with secondary indexes, each new row cost D1 three to
-- five billed rows (the table, its primary-key index, every other index). As WITHOUT ROWID tables the
-- primary key is the table, and the indexes that only the cron's pruning reads hold only the rows it
-- prunes (partial indexes): a new customer costs one row, a membership change three.

CREATE TABLE customer_index_next (
  workspace_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  gone_at INTEGER,
  PRIMARY KEY (workspace_id, profile_key)
) WITHOUT ROWID;
INSERT INTO customer_index_next SELECT workspace_id, profile_key, seen_at, gone_at FROM customer_index;
DROP TABLE customer_index;
ALTER TABLE customer_index_next RENAME TO customer_index;
CREATE INDEX customer_index_gone ON customer_index (gone_at) WHERE gone_at IS NOT NULL;

CREATE TABLE segment_members_next (
  workspace_id TEXT NOT NULL,
  segment_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  member INTEGER NOT NULL,
  since INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, profile_key)
) WITHOUT ROWID;
INSERT INTO segment_members_next SELECT workspace_id, segment_id, profile_key, member, since, at FROM segment_members;
DROP TABLE segment_members;
ALTER TABLE segment_members_next RENAME TO segment_members;
-- Members page by page (and the size) without reading the rows of those who left.
CREATE INDEX segment_members_listing ON segment_members (workspace_id, segment_id, member, profile_key);
CREATE INDEX segment_members_profile ON segment_members (workspace_id, profile_key);
CREATE INDEX segment_members_left ON segment_members (at) WHERE member = 0;
