-- Workspaces (tenants): keys, allowed origins and settings. The secret key is stored only as a
-- SHA-256 hash; the identity secret must stay readable because the edge computes HMACs with it.
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  write_key TEXT NOT NULL UNIQUE,
  secret_key_hash TEXT NOT NULL UNIQUE,
  identity_secret TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '["*"]',
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
