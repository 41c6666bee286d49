// @vitest-environment node
// The size budget: the script-tag build and each ESM entry stay within 3.0 KB min+gzip.
import { expect, it } from "vitest";
import { build, SDK_BUDGET } from "../../scripts/build.ts";

const built = await build();

it.each(built.filter((b) => b.budget).map((b) => [b.out, b] as const))("%s is within its min+gzip budget", (_, b) => {
  expect(b.gzip).toBeLessThanOrEqual(b.budget!);
});

it("the budget is the issue's 3.0 KB and covers the script tag, the browser ESM and the DOM-free core", () => {
  expect(SDK_BUDGET).toBeLessThanOrEqual(3000);
  expect(built.filter((b) => b.budget === SDK_BUDGET).map((b) => b.out)).toEqual([
    "sdk/dist/seam.js",
    "sdk/dist/seam.mjs",
    "sdk/dist/core.mjs",
  ]);
});

it("the DOM-free core touches no DOM global (it runs in React Native and servers)", () => {
  const core = built.find((b) => b.out === "sdk/dist/core.mjs")!.code;
  for (const name of ["window", "document", "localStorage", "navigator", "location", "history"])
    expect(core).not.toMatch(new RegExp(`\\b${name}\\b`));
});
