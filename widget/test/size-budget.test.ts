// @vitest-environment node
// The script tag ships to every shopper on every product page: it stays within its min+gzip budget.
import { describe, expect, test } from "vitest";
import { WIDGET_BUDGET_BYTES, buildWidget } from "../../scripts/build-widget.mjs";

describe("bundle size", () => {
  test("the IIFE, Preact included, is at most 8 KB min+gzip and loads nothing else", { timeout: 30_000 }, async () => {
    const bundles = await buildWidget({ write: false });
    const iife = bundles.find((bundle) => bundle.file === "seam-widget.js")!;
    expect(WIDGET_BUDGET_BYTES).toBe(8 * 1024);
    expect(iife.gzipBytes).toBeLessThanOrEqual(WIDGET_BUDGET_BYTES);
    // No external stylesheet, font or second script: one request is the whole widget.
    expect(iife.code).not.toMatch(/@import|@font-face|url\(|import\(/);
    expect(bundles.find((bundle) => bundle.file === "seam-widget.mjs")!.code).toMatch(/export\{/);
  });
});
