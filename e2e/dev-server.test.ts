// `npm run dev -- --port N` on a non-default port: the worker serves its own browser files (right
// content type, CORS, ETag caching), and the tracked links of a message point at that port.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalWorker } from "../scripts/lib/local-worker.mjs";
import { CHROMIUM, CHROMIUM_ARGS } from "./harness.ts";

const root = path.resolve(import.meta.dirname, "..");
const ARTIFACTS = path.join(import.meta.dirname, "artifacts");
const SECRET = { authorization: "Bearer sk_demo", "content-type": "application/json" };
const BROWSER_FILES: Record<string, string> = {
  "/seam.js": "sdk/dist/seam.js",
  "/seam.mjs": "sdk/dist/seam.mjs",
  "/seam-widget.js": "widget/dist/seam-widget.js",
  "/seam-widget.mjs": "widget/dist/seam-widget.mjs",
};

let worker: { url: string; stop(): void };

beforeAll(async () => {
  // As `npm run dev -- --port N` starts it: no --ip, so it names itself http://localhost:N.
  worker = await startLocalWorker({ host: "localhost" });
});
afterAll(() => worker?.stop());

async function call(pathname: string, init: RequestInit = {}) {
  const res = await fetch(`${worker.url}${pathname}`, init);
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

describe("npm run dev on a non-default port", () => {
  it("serves the SDK and widget builds with their content type, CORS and ETag caching", async () => {
    expect(new URL(worker.url).port).not.toBe("8787");
    for (const [file, built] of Object.entries(BROWSER_FILES)) {
      const res = await fetch(`${worker.url}${file}`, { headers: { origin: "https://shop.example" } });
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toMatch(/^text\/javascript/);
      expect(res.headers.get("access-control-allow-origin"), file).toBe("*");
      expect(res.headers.get("cache-control"), file).toContain("max-age=300");
      expect(await res.text(), file).toBe(readFileSync(path.join(root, built), "utf8"));
      // A revalidation costs no body.
      const etag = res.headers.get("etag");
      expect(etag, file).toBeTruthy();
      const again = await fetch(`${worker.url}${file}`, { headers: { "if-none-match": etag! } });
      expect(again.status, file).toBe(304);
    }
    // A path with no file still reaches the worker and its JSON errors.
    const missing = await fetch(`${worker.url}/nope.js`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("not_found");
  });

  it("points a message's open, click and unsubscribe links at this port", async () => {
    // An in-session trigger with nothing in its way: the message is in the outbox at once.
    await call("/v1/admin/messaging", { method: "PUT", headers: SECRET, body: JSON.stringify({ caps: [], quiet_hours: null, opt_in_channels: [] }) });
    await call("/v1/admin/triggers/port-check", { method: "PUT", headers: SECRET, body: JSON.stringify({ template: "post_purchase", steps: [{ delay_minutes: 0 }], cooldown_hours: 0 }) });
    // The demo store's first page view puts its catalog (urls on this origin) into Seam's.
    expect((await fetch(`${worker.url}/demo`)).status).toBe(200);
    const product = "mugs-harbor-navy";
    const anonymousId = `port-check-${Date.now()}`;
    await call("/v1/batch", {
      method: "POST",
      headers: SECRET,
      body: JSON.stringify({
        batch: [
          { type: "identify", anonymousId, traits: { email: `${anonymousId}@example.com` } },
          { type: "track", anonymousId, event: "Order Completed", properties: { order_id: `o-${anonymousId}`, products: [{ product_id: product, price: 16 }] } },
        ],
      }),
    });
    let message: any;
    for (let i = 0; i < 100 && !message; i++) {
      message = (await call(`/v1/outbox?customer=${encodeURIComponent(anonymousId)}`, { headers: SECRET })).messages[0];
      if (!message) await new Promise((r) => setTimeout(r, 200));
    }
    expect(message, "a message in the outbox").toBeTruthy();
    const links = [...JSON.stringify(message).matchAll(/https?:\/\/[^"\s]+\/v1\/(?:t\/[oc]|unsubscribe)\/[^"\s]+/g)].map((m) => m[0]);
    expect(links.some((l) => l.includes("/v1/t/c/")), "a click link").toBe(true);
    expect(links.some((l) => l.includes("/v1/t/o/")), "an open pixel").toBe(true);
    expect(links.some((l) => l.includes("/v1/unsubscribe/")), "an unsubscribe link").toBe(true);
    for (const link of links) expect(link.startsWith(`${worker.url}/v1/`), link).toBe(true);
    // And the click link works on this port: it redirects to the product.
    const click = links.find((l) => l.includes("/v1/t/c/"))!;
    const res = await fetch(click, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${worker.url}/demo/p/${product}\\?utm_`));
  });

  it("serves /openapi.json and an interactive reference at /docs that renders offline, under its CSP, with no console errors", async () => {
    const spec = await call("/openapi.json");
    expect(spec.openapi).toMatch(/^3\.1/);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/v1/batch", "/v1/recs", "/v1/customers/{id}"]));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("requestfailed", (r) => problems.push(`${r.url()} ${r.failure()?.errorText}`));
      const res = await page.goto(`${worker.url}/docs`);
      expect(res!.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
      // Swagger UI has read the document when the operations are listed.
      await page.getByText("/v1/batch", { exact: true }).first().waitFor({ timeout: 20_000 });
      await page.getByText("Seam API").first().waitFor();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "docs-api-reference.png") });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("the CLI: --help lists commands and flags; each failure is one clear line; bad rows are rejected with their reason", () => {
    const seam = (...args: string[]) => {
      const run = spawnSync(process.execPath, [path.join(root, "scripts/seam.mjs"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, SEAM_HOST: worker.url } });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr.trim() };
    };
    const help = seam("--help");
    expect(help.status).toBe(0);
    for (const words of ["import-catalog FILE", "--host URL", "--key SECRET_KEY", "--batch N", "product_id", "attributes.NAME"]) expect(help.stdout).toContain(words);

    const oneLine = (run: { status: number | null; stderr: string }, pattern: RegExp) => {
      expect(run.status).toBe(1);
      expect(run.stderr.split("\n")).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
      expect(run.stderr).toMatch(pattern);
    };
    oneLine(seam("import-catalog", "no-such-file.csv"), /^seam: no such file: no-such-file\.csv$/);
    oneLine(seam("import-catalog", "examples/catalog.csv", "--host", "http://127.0.0.1:9"), /could not reach the Seam worker at http:\/\/127\.0\.0\.1:9\/v1\/catalog\/products/);
    oneLine(seam("import-catalog", "examples/catalog.csv", "--key", "sk_wrong"), /refused the secret key \(401/);
    oneLine(seam("frobnicate"), /unknown command frobnicate/);

    expect(seam("import-catalog", "examples/catalog.csv").status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), "seam-cli-"));
    const file = path.join(dir, "bad.csv");
    writeFileSync(file, "product_id,name,price\nok-1,Fine,12.50\nneg-1,Negative,-3\n,No id,5\nnan-1,Not a number,twelve\n");
    const bad = seam("import-catalog", file);
    expect(bad.status).toBe(1); // rows were rejected
    expect(bad.stdout).toContain("4 rows read, 1 upserted, 3 rejected");
    expect(bad.stdout).toContain("line 3 (neg-1): price: must not be negative");
    expect(bad.stdout).toContain("line 4: product_id: required");
    expect(bad.stdout).toContain("line 5 (nan-1): price: must be a number");
  });
});
