// The floor of this architecture, for `npm run bench:ingest`: a route that makes one RPC to one of
// 1,000 objects, which appends one row. No real request can cost less (parse, one object, one row),
// so ingest's rate beside it shows how far the event path is from what the design can ever do.
// Dev-only like the cost meter: served only when the worker runs with `SEAM_DEV_BENCH=on` (a
// `--var` the benchmarks pass, never in wrangler.toml); anywhere else /__floor is a plain 404.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

export const FLOOR_PATH = "/__floor";
const BENCH_VAR_VALUE = "on";
/** Objects the floor spreads over, as the ingest benchmark spreads over 1,000 customers. */
const FLOOR_OBJECTS = 1000;

/** The benchmarks' dev-only routes are served (the floor, and the shard bench's). */
export function benchRoutesActive(env: Pick<Env, "SEAM_DEV_BENCH">): boolean {
  return env.SEAM_DEV_BENCH === BENCH_VAR_VALUE;
}

/** POST /__floor?c=N: the body appended as one row in object N (mod 1,000); answers the row's number. */
export async function floorResponse(request: Request, env: Env): Promise<Response> {
  if (request.method !== "POST") return Response.json({ error: { code: "method_not_allowed", message: "POST a body" } }, { status: 405 });
  const object = Math.abs(Number(new URL(request.url).searchParams.get("c")) || 0) % FLOOR_OBJECTS;
  const seq = await env.FLOOR.getByName(`floor:${object}`).append(await request.text());
  return Response.json({ seq });
}

export class FloorDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
  }

  /** One row appended (a rowid table with no other index: one billed row). */
  append(body: string): number {
    return this.ctx.storage.sql.exec<{ seq: number }>(`INSERT INTO log (body) VALUES (?) RETURNING seq`, body).one().seq;
  }
}
