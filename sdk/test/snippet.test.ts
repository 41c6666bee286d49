// The inline snippet queues calls made before seam.js loads; the script-tag build replays them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { build } from "../../scripts/build.ts";
import { acceptAll, fakeServer } from "./helpers.ts";

const snippet = readFileSync(path.join(import.meta.dirname, "../src/snippet.js"), "utf8").replace(
  "SEAM_SRC",
  "https://cdn.test/seam.js",
);
// The real artifact: what `npm run build` writes to sdk/dist/seam.js and snippet.min.js.
const built = await build();
const scriptTag = built.find((b) => b.out === "sdk/dist/seam.js")!.code;
const snippetMin = built.find((b) => b.out === "sdk/dist/snippet.min.js")!.code.replace("SEAM_SRC", "https://cdn.test/seam.js");

type Stub = unknown[] & Record<string, (...args: unknown[]) => Promise<unknown>>;
const win = window as unknown as { seam?: Stub };

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  delete win.seam;
  document.head.innerHTML = "";
});
afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
});

const run = (code: string) => new Function(code)();

it.each([
  ["source", snippet],
  ["minified", snippetMin],
])("the %s snippet records calls, returns promises, and adds one async script tag", (_, code) => {
  run(code);
  run(code); // pasted twice by mistake: still one queue, one script
  const stub = win.seam!;
  expect(Array.isArray(stub)).toBe(true);
  expect(stub.track!("Early")).toBeInstanceOf(Promise);
  expect(stub).toHaveLength(1);
  const scripts = document.head.querySelectorAll("script");
  expect(scripts).toHaveLength(1);
  expect(scripts[0]!.src).toBe("https://cdn.test/seam.js");
  expect(scripts[0]!.async).toBe(true);
});

it("seam.js replays the queue in order (init first) and settles the snippet's promises", async () => {
  run(snippetMin);
  const server = fakeServer();
  const profile = { cart: { lines: [{ product_id: "sku_1", quantity: 1 }] } };
  server.reply = (req) => acceptAll(req, { profile });
  const stub = win.seam!;
  stub.track!("Before Init");
  stub.init!({ writeKey: "wk_snippet", host: "https://seam.test", fetch: server.fetch });
  const identified = stub.identify!("u_1", { plan: "gold" }, { userHash: "aa" });
  stub.page!();
  stub.addToCart!({ product_id: "sku_1" });

  run(scriptTag); // the script has loaded
  const seam = win.seam!;
  expect(Array.isArray(seam)).toBe(false);
  await vi.advanceTimersByTimeAsync(1000);
  await expect(identified).resolves.toEqual(profile);
  expect(server.sent.map((e) => e.event ?? e.type)).toEqual(["Before Init", "identify", "page", "Product Added"]);
  expect(server.batches[0]!.body!.writeKey).toBe("wk_snippet");
  // After loading, calls go straight to the SDK.
  seam.track!("After Load");
  await vi.advanceTimersByTimeAsync(1000);
  expect(server.sent.at(-1)!.event).toBe("After Load");
});
