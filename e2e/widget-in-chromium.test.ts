// The widget in a real browser: a product page with the SDK and one placeholder shows the
// recommendations the worker computed, and reports the impression and the click.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customer, snippet, startHarness, type Harness } from "./harness.ts";

let h: Harness;

const productPage = (worker: string, item: string) => `<!doctype html>
<html lang="de-DE"><head><title>${item}</title>
<script>${snippet("/dist/sdk/seam.js")}
seam.init({ writeKey: "wk_demo", host: "${worker}" });
seam.page();
seam.productViewed({ product_id: "${item}", category: "Shoes" });
</script>
<script async src="/dist/widget/seam-widget.js" data-write-key="wk_demo" data-host="${worker}"></script>
</head>
<body><h1>${item}</h1>
<div id="recs" data-seam-recs data-type="similar" data-item="${item}" data-limit="4" data-title="Dazu passt"></div>
</body></html>`;

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  h = await startHarness((worker) => Object.fromEntries(["s1", "s2", "s3", "s4"].map((id) => [`/p/${id}`, productPage(worker, id)])));
  const products = ["s1", "s2", "s3", "s4"].map((id, i) => ({
    product_id: id, name: `Schuh ${i + 1}`, price: 49.5 + i, currency: "EUR", category: "Shoes", url: `${h.site}/p/${id}`,
  }));
  await post(`${h.worker}/v1/catalog/products`, { products }, { authorization: "Bearer sk_demo" });
  // Shoppers who looked at s1 went on to s2, then s3.
  const t0 = Date.now() - 3600_000;
  const batch = [0, 1, 2].flatMap((s) =>
    ["s1", "s2", "s3"].map((item, i) => ({
      type: "track", event: "Product Viewed", anonymousId: `history-${s}`, properties: { product_id: item },
      timestamp: new Date(t0 + s * 600_000 + i * 60_000).toISOString(),
    })),
  );
  await post(`${h.worker}/v1/batch`, { batch }, { authorization: `Basic ${btoa("wk_demo:")}` });
  // Let the events queue fold them, then run the cron that materialises the lists (an answer
  // without lists is cached for 5 s, so this can take that long to see them).
  for (let i = 0; i < 80; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await fetch(`${h.worker}/__scheduled?cron=*/10+*+*+*+*`);
    const recs = await (await fetch(`${h.worker}/v1/recs?type=similar&item=s1&writeKey=wk_demo`)).json();
    // Its own list, not the catalog's newest products that stand in until the cron has run.
    if (recs.fallback === null && recs.items.length >= 2) break;
  }

});
afterAll(async () => h?.stop());

describe("widget in Chromium", () => {
  it("renders the strip, then sends one impression and the click with its rec_id", async () => {
    const page = await (await h.browser.newContext()).newPage();
    await page.goto(`${h.site}/p/s1`);
    const cards = page.locator("#recs a");
    await cards.first().waitFor();
    expect(await page.locator("#recs [aria-label]").first().getAttribute("aria-label")).toBe("Dazu passt");
    const names = await cards.allInnerTexts();
    expect(names[0]).toContain("Schuh 2");
    expect(names.join(" ")).not.toContain("Schuh 1");
    expect(names[0]).toMatch(/50,50\s€/); // de-DE price format from <html lang>

    const anonymousId: string = await page.evaluate(() => (window as any).seam.anonymousId());
    await page.evaluate(() => (window as any).seam.flush());
    await expect.poll(async () => (await customer(h.worker, anonymousId))?.recent_events.map((e: any) => e.event)).toContain("Product List Viewed");

    await Promise.all([page.waitForURL(`${h.site}/p/s2`), cards.first().click()]);
    await page.evaluate(() => (window as any).seam.flush());
    const state = await customer(h.worker, anonymousId);
    const clicked = state.recent_events.find((e: any) => e.event === "Product Clicked");
    // Newest first: the last impression is the one on s1's page (s2's page shows its own strip).
    const impressions = state.recent_events.filter((e: any) => e.event === "Product List Viewed");
    expect(clicked.properties).toMatchObject({ product_id: "s2", position: 1, list_id: "similar" });
    expect(clicked.properties.rec_id).toBe(impressions.at(-1).properties.rec_id);
    expect(impressions.at(-1).properties.products[0]).toEqual({ product_id: "s2", position: 1 });
  });
});
