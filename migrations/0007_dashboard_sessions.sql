-- Dashboard sessions: a workspace's secret key exchanged for a signed cookie (worker/src/dashboard/sessions.ts).
-- The row, not the cookie, is the session, so signing out ends it everywhere at once; it keeps the
-- hash of the secret key it was opened with, so rotating that key ends every session opened with it.
CREATE TABLE dashboard_sessions (
  -- SHA-256 of the session id: a copy of this table opens no session.
  id_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  secret_key_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX dashboard_sessions_by_workspace ON dashboard_sessions (workspace_id, created_at);
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);
