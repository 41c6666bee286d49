-- The catalog, and the global aggregates that recommendations are materialised from.

CREATE TABLE catalog (
  workspace_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  -- '' when the store does not use variants, so (product_id, variant) is always a key.
  variant TEXT NOT NULL DEFAULT '',
  name TEXT,
  url TEXT,
  image_url TEXT,
  price REAL,
  currency TEXT,
  -- Category path as the store writes it, e.g. "Men > Shoes > Running".
  category TEXT,
  brand TEXT,
  in_stock INTEGER NOT NULL DEFAULT 1,
  attributes TEXT NOT NULL DEFAULT '{}',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, product_id, variant)
);
CREATE INDEX catalog_category ON catalog (workspace_id, category);

-- Price drops and restocks, recorded when the catalog changes, for triggers to fan out.
CREATE TABLE catalog_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  variant TEXT NOT NULL,
  kind TEXT NOT NULL,
  old_price REAL,
  new_price REAL,
  at INTEGER NOT NULL
);
CREATE INDEX catalog_changes_workspace ON catalog_changes (workspace_id, seq);
