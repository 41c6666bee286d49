// bench:ingest's floor route (bench/floor.ts: one RPC, one row appended) is served only under
// SEAM_DEV_BENCH=on; anywhere else /__floor is an ordinary 404.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FLOOR_PATH, benchRoutesActive, floorResponse } from "../src/bench/floor.ts";
import type { Env } from "../src/env.ts";
import { request } from "./helpers.ts";

const workerEnv = env as unknown as Env;

describe("the floor route is dev-only", () => {
  it("without the dev var, /__floor answers 404", async () => {
    expect(workerEnv.SEAM_DEV_BENCH).toBeUndefined();
    const res = await request(`${FLOOR_PATH}?c=1`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
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
});
