-- What the events queue consumer folds item facts into, and the cron materialises into KV.
-- (0004 is the triggers' migration.)

-- Each customer session's recent clicks per kind (view, cart, buy): a new click pairs with the
-- ones before it. (message_id, item) makes a redelivered fact a no-op. Pruned after two days.
CREATE TABLE session_clicks (
  workspace_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  session TEXT NOT NULL,
  message_id TEXT NOT NULL,
  item TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, kind, session, message_id, item)
);
CREATE INDEX session_clicks_order ON session_clicks (workspace_id, kind, session, ts);
CREATE INDEX session_clicks_age ON session_clicks (ts);

-- Summed pair weights per (kind, relation, item, other), decay-scaled (see recs/aggregate.ts).
-- A rowid table on purpose: ORDER BY weight DESC, rowid is the first-seen tie-break of the top-K.
CREATE TABLE item_pairs (
  workspace_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  relation TEXT NOT NULL,
  item TEXT NOT NULL,
  other TEXT NOT NULL,
  weight REAL NOT NULL
);
CREATE UNIQUE INDEX item_pairs_key ON item_pairs (workspace_id, kind, relation, item, other);

-- Per item: decay-scaled view/cart/buy weights, popularity (trending) and its category.
CREATE TABLE item_stats (
  workspace_id TEXT NOT NULL,
  item TEXT NOT NULL,
  category TEXT,
  views REAL NOT NULL DEFAULT 0,
  carts REAL NOT NULL DEFAULT 0,
  buys REAL NOT NULL DEFAULT 0,
  popularity REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, item)
);
CREATE INDEX item_stats_trending ON item_stats (workspace_id, popularity DESC);
CREATE INDEX item_stats_category ON item_stats (workspace_id, category, popularity DESC);

-- Items whose lists changed since the cron last materialised them.
CREATE TABLE dirty_items (
  workspace_id TEXT NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (workspace_id, item)
);
