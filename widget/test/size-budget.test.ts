// @vitest-environment node
// The script tag ships to every shopper on every product page: it stays within its min+gzip budget.
import { describe, expect, test } from "vitest";
import { build, WIDGET_BUDGET } from "../../scripts/build.ts";

describe("bundle size", () => {
  test("the IIFE, Preact included, is at most 8 KB min+gzip and loads nothing else", { timeout: 30_000 }, async () => {
    const bundles = await build();
    const iife = bundles.find((bundle) => bundle.out === "widget/dist/seam-widget.js")!;
    expect(WIDGET_BUDGET).toBe(8 * 1024);
    expect(iife.budget).toBe(WIDGET_BUDGET);
    expect(iife.gzip).toBeLessThanOrEqual(WIDGET_BUDGET);
    // No external stylesheet, font or second script: one request is the whole widget.
    expect(iife.code).not.toMatch(/@import|@font-face|url\(|import\(/);
    expect(bundles.find((bundle) => bundle.out === "widget/dist/seam-widget.mjs")!.code).toMatch(/export\{/);
  });
});
