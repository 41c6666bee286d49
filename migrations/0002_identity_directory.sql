-- Email and phone identities → the profile that owns them, so a backend call that knows only an
-- email (a till, a call centre) lands in the right customer. Values are stored as SHA-256 hashes
-- of `${workspace_id}:${kind}:${normalised value}`, never in clear. Written off the hot path.
CREATE TABLE identity_directory (
  workspace_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value_hash TEXT NOT NULL,
  profile_key TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, kind, value_hash)
);
CREATE INDEX identity_directory_profile ON identity_directory (workspace_id, profile_key);
