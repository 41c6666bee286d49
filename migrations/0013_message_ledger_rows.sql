-- Issue 15: what each trigger message writes to D1. A message was 8 billed rows: its ledger row in
-- message_deliveries (the table, its primary-key index, the profile index: 3), the ledger's status
-- change (1), and its local outbox entry (the table, its primary-key index, two indexes: 4).
-- WITHOUT ROWID, the primary key is the table: the ledger row is 2 rows (the table, the profile
-- index a privacy delete needs), and the outbox entry 1, keyed by (workspace, time, message) in the
-- order GET /v1/outbox reads and the retention deletes; a message reaches the outbox once because
-- the ledger claims it once (stores/deliveries.ts). Per message: 4 rows.

CREATE TABLE message_deliveries_next (
  message_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  channel TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  status TEXT NOT NULL,
  via TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  sent_at INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO message_deliveries_next SELECT message_id, workspace_id, profile_key, channel, trigger_id, status, via, attempts, lease_until, sent_at, last_error, updated_at FROM message_deliveries;
DROP TABLE message_deliveries;
ALTER TABLE message_deliveries_next RENAME TO message_deliveries;
CREATE INDEX message_deliveries_profile ON message_deliveries (workspace_id, profile_key);

CREATE TABLE outbox_next (
  workspace_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  channel TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  template TEXT NOT NULL,
  step INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (workspace_id, created_at, message_id)
) WITHOUT ROWID;
INSERT INTO outbox_next SELECT workspace_id, created_at, message_id, profile_key, channel, trigger_id, template, step, body FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
