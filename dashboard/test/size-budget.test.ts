// @vitest-environment node
// The dashboard's first load is one module: Preact, its router, uPlot and every page, within 60 KB min+gzip.
import { describe, expect, test } from "vitest";
import { build, DASHBOARD_BUDGET, SERVED_BUNDLES } from "../../scripts/build.ts";

describe("dashboard bundle size", () => {
  test("app.js is at most 60,000 bytes min+gzip and is the only script the page loads", { timeout: 60_000 }, async () => {
    const bundles = await build();
    const app = bundles.find((b) => b.out === "dist/dashboard/app.js")!;
    expect(DASHBOARD_BUDGET).toBe(60_000);
    expect(app.budget).toBe(DASHBOARD_BUDGET);
    expect(app.gzip).toBeLessThanOrEqual(DASHBOARD_BUDGET);
    // No code splitting and no dynamic import: the first load is the whole app.
    expect(app.code).not.toMatch(/\bimport\(/);
    expect(SERVED_BUNDLES["dashboard/app.js"]).toBe(app.out);
    expect(SERVED_BUNDLES["dashboard/app.css"]).toBe("dist/dashboard/app.css");
  });
});
