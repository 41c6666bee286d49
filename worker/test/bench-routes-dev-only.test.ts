// The benchmarks' routes (bench/: bench:ingest's floor, one RPC and one row appended; bench:scale's
// shard driver) are served only under SEAM_DEV_BENCH=on; anywhere else they are ordinary 404s.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FLOOR_PATH, benchRoutesActive, floorResponse } from "../src/bench/floor.ts";
import { SHARD_BENCH_PATH, shardBenchResponse } from "../src/bench/shard.ts";
import type { Env } from "../src/env.ts";
import { request } from "./helpers.ts";

const workerEnv = env as unknown as Env;

describe("the benchmarks' routes are dev-only", () => {
  it("without the dev var, /__floor and /__shard answer 404", async () => {
    expect(workerEnv.SEAM_DEV_BENCH).toBeUndefined();
    for (const path of [`${FLOOR_PATH}?c=1`, `${SHARD_BENCH_PATH}?op=add`]) {
      const res = await request(path, { method: "POST", body: "{}" });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    for (const value of ["true", "1", "ON", ""]) expect(benchRoutesActive({ SEAM_DEV_BENCH: value })).toBe(false);
  });

  it("under the dev var, each call appends one row to the object it names", async () => {
    const on = { ...workerEnv, SEAM_DEV_BENCH: "on" };
    expect(benchRoutesActive(on)).toBe(true);
    const post = (c: number) => floorResponse(new Request(`https://seam.test${FLOOR_PATH}?c=${c}`, { method: "POST", body: '{"batch":[]}' }), on);
    const seqs = [];
    for (const c of [7, 7, 1007, 8]) seqs.push(((await (await post(c)).json()) as { seq: number }).seq);
    // Object 7 (1007 mod 1,000 is 7 again) has three rows; object 8 its first.
    expect(seqs).toEqual([1, 2, 3, 1]);
  });

  it("under the dev var, the shard driver logs a call of real pair increments into one shard and folds it", async () => {
    const on = { ...workerEnv, SEAM_DEV_BENCH: "on" };
    const call = async (query: string) => (await shardBenchResponse(new Request(`https://seam.test${SHARD_BENCH_PATH}?shard=1&${query}`, { method: "POST" }), on)).json();
    const added = (await call("op=add&facts=50&items=100&seed=7")) as { applied: number; facts: number; pairs: number; items: number };
    expect(added).toMatchObject({ applied: 1, facts: 50 });
    expect(added.pairs).toBeGreaterThan(50);
    // The same call again is the same queue message: it adds nothing.
    expect(await call("op=add&facts=50&items=100&seed=7")).toMatchObject({ applied: 0, duplicates: 1 });
    const folded = (await call("op=fold")) as { items: number };
    expect(folded.items).toBe(added.items);
    // The fold deleted the call it folded (its increments are in the item rows) and kept its id.
    const logged = await runInDurableObject(env.RECS_SHARDS.getByName("bench:0"), (_, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM calls`).one().n);
    expect(logged).toBe(0);
    expect(await call("op=add&facts=50&items=100&seed=7")).toMatchObject({ applied: 0, duplicates: 1 });
  });

  it("a fold of more item rows than one SQLite value holds (2 MB) writes them in several statements", { timeout: 60_000 }, async () => {
    const on = { ...workerEnv, SEAM_DEV_BENCH: "on" };
    const call = async (query: string) => (await shardBenchResponse(new Request(`https://seam.test${SHARD_BENCH_PATH}?shard=2&${query}`, { method: "POST" }), on)).json();
    // Found by bench:scale: ten busy minutes of calls touch thousands of items of a few KB each.
    for (let seed = 1; seed <= 30; seed++) expect(await call(`op=add&facts=2000&items=2000&seed=${seed}`)).toMatchObject({ applied: 1 });
    const folded = (await call("op=fold")) as { items: number };
    expect(folded.items).toBeGreaterThan(1500);
  });
});
