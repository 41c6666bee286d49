-- Triggers and messages: definitions (versioned), messaging policy, channel webhooks, the delivery
-- ledger and local outbox, and the product-interest index that catalog changes fan out through.

-- The current definition of each trigger of a workspace (the resolved JSON: template defaults + tuning).
CREATE TABLE trigger_definitions (
  workspace_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  template TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, trigger_id)
);

-- Every version ever saved (a deleted trigger keeps its history; re-creating it continues the count).
CREATE TABLE trigger_definition_versions (
  workspace_id TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  definition TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, trigger_id, version)
);

-- Caps, quiet hours, cascade, links; `revision` counts publishes of the whole config to KV.
CREATE TABLE messaging_policies (
  workspace_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 0,
  policy TEXT,
  revision INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);

-- Where each channel's messages go, and the HMAC secret that signs them.
CREATE TABLE channel_webhooks (
  workspace_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, channel)
);

-- One row per message id: the consumer's idempotency ledger (a redelivered message is never sent
-- twice) and the way back from a message id to its customer for delivery receipts.
CREATE TABLE message_deliveries (
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
);
CREATE INDEX message_deliveries_profile ON message_deliveries (workspace_id, profile_key);

-- Messages of channels with no webhook (the local default), listed by GET /v1/outbox.
CREATE TABLE outbox (
  message_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  channel TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  template TEXT NOT NULL,
  step INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_workspace ON outbox (workspace_id, created_at);
CREATE INDEX outbox_profile ON outbox (workspace_id, profile_key);

-- Who viewed, carted or bought which product (from the events queue), so a price drop or a restock
-- reaches the interested customers without scanning every customer object.
CREATE TABLE product_interest (
  workspace_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  viewed_at INTEGER,
  carted_at INTEGER,
  bought_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, product_id, profile_key)
);
CREATE INDEX product_interest_profile ON product_interest (workspace_id, profile_key);
CREATE INDEX product_interest_updated ON product_interest (updated_at);
