// Runs before each worker test file: D1 schema and the demo workspace (wk_demo / sk_demo / ids_demo).
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// Setup files may run more than once per file; the seed is an upsert, so that is harmless.
const sql = env.TEST_SEED_SQL.replace(/^--.*$/gm, "");
for (const statement of sql.split(";").map((s) => s.trim()).filter(Boolean))
  await env.DB.prepare(statement).run();
