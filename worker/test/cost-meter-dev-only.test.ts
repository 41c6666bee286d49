// The cost meter (metering.ts) counts only under SEAM_DEV_METER=on (npm run bench:cost): anywhere
// else the bindings are handed back untouched and /__meter is an ordinary 404.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../src/env.ts";
import { METER_PATH, meterActive, meteredEnv, meterResponse, type MeterCounts } from "../src/metering.ts";
import { request } from "./helpers.ts";

const workerEnv = env as unknown as Env;

describe("cost meter is dev-only", () => {
  it("without the dev var, /__meter answers 404 and the bindings are not wrapped", async () => {
    expect(workerEnv.SEAM_DEV_METER).toBeUndefined();
    for (const method of ["GET", "DELETE"]) {
      const res = await request(METER_PATH, { method });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    expect(meterActive(workerEnv)).toBe(false);
    expect(meteredEnv(workerEnv)).toBe(workerEnv);
  });

  it("any value but the exact dev one is refused", () => {
    for (const value of ["true", "1", "ON", "allow", ""]) {
      const other = { ...workerEnv, SEAM_DEV_METER: value };
      expect(meterActive(other)).toBe(false);
      expect(meteredEnv(other)).toBe(other);
    }
  });

  it("under the dev var, D1 rows and KV operations are counted from the runtime's answers", async () => {
    const metered = meteredEnv({ ...workerEnv, SEAM_DEV_METER: "on" });
    await meterResponse(new Request(`https://seam.test${METER_PATH}`, { method: "DELETE" })).text();
    await metered.DB.prepare(`SELECT COUNT(*) AS n FROM workspaces`).first();
    await metered.RECS_KV.put("nb:meter-test:x", "[]");
    await metered.RECS_KV.get("nb:meter-test:x");
    const counts = (await meterResponse(new Request(`https://seam.test${METER_PATH}`)).json()) as MeterCounts;
    expect(counts.d1_queries).toBe(1);
    expect(counts.d1_rows_read).toBeGreaterThan(0);
    expect(counts.kv_writes).toBe(1);
    expect(counts.kv_writes_by_prefix).toEqual({ nb: 1 });
    expect(counts.kv_reads).toBe(1);
  });
});
