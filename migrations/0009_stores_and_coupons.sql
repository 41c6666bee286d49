-- Near-store offers (issue 12): a workspace's physical stores, published to the edge with its
-- config, and coupon pools whose codes each go to one message.

-- Stores a visitor can be near: a point and a radius. Replaced as a whole by PUT /v1/admin/stores.
CREATE TABLE stores (
  workspace_id TEXT NOT NULL,
  store_id TEXT NOT NULL,
  name TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  radius_km REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, store_id)
);

-- Uploaded coupon codes: each is claimed by one message (claimed_by = its message id), once.
CREATE TABLE coupon_codes (
  workspace_id TEXT NOT NULL,
  pool TEXT NOT NULL,
  code TEXT NOT NULL,
  claimed_by TEXT,
  claimed_at INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, pool, code)
);
-- A message's code is looked up by its id (a retried send gets the same code), and a free one by pool.
CREATE INDEX coupon_codes_claimed ON coupon_codes (workspace_id, pool, claimed_by);
