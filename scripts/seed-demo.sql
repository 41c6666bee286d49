-- The local `demo` workspace with fixed development keys (README lists them). Never deploy this.
-- secret_key_hash = sha256('sk_demo')
INSERT INTO workspaces (id, name, write_key, secret_key_hash, identity_secret, allowed_origins, settings, created_at, updated_at)
VALUES ('demo', 'Demo store', 'wk_demo',
        'ab4f4d87468ad201748a0a592342c4b9c02480bdf855e35b98e91c6399fc1107',
        'ids_demo', '["*"]', '{"rateLimit":{"requestsPerMinute":1000000}}', 0, 0)
ON CONFLICT (id) DO UPDATE SET
  write_key = excluded.write_key,
  secret_key_hash = excluded.secret_key_hash,
  identity_secret = excluded.identity_secret,
  -- Benchmarks and load tests drive the demo workspace from one address: its browser traffic is not limited.
  settings = json_set(settings, '$.rateLimit', json('{"requestsPerMinute":1000000}'));
