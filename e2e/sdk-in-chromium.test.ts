// The SDK in a real browser: one tag on the store's page streams events to the worker, without a
// CORS preflight, survives a reload, and a sign-in on a second device brings the first one's cart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customer, snippet, startHarness, userHash, type Harness } from "./harness.ts";

let h: Harness;

const shopPage = (worker: string) => `<!doctype html>
<html><head><title>Linen shirt — Demo store</title>
<script>${snippet("/dist/sdk/seam.js")}
seam.init({ writeKey: "wk_demo", host: "${worker}" });
seam.page();
</script></head>
<body><h1>Linen shirt</h1>
<button id="add" onclick="seam.addToCart({ product_id: 'shirt', name: 'Linen shirt', price: 49, quantity: 1 })">Add to cart</button>
</body></html>`;

beforeAll(async () => {
  h = await startHarness((worker) => ({ "/p/shirt": shopPage(worker) }));
});
afterAll(async () => h?.stop());

describe("SDK in Chromium", () => {
  it("sends events as text/plain with no preflight, and they land in the visitor's object", async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    const requests: { method: string; url: string; type: string | undefined }[] = [];
    page.on("request", (r) => {
      if (r.url().startsWith(h.worker)) requests.push({ method: r.method(), url: r.url(), type: r.headers()["content-type"] });
    });
    await page.goto(`${h.site}/p/shirt?utm_source=newsletter&utm_medium=email&utm_campaign=bf`);
    await page.evaluate(() => (window as any).seam.productViewed({ product_id: "shirt", name: "Linen shirt", price: 49 }));
    await page.click("#add");
    await page.evaluate(() => (window as any).seam.flush());
    const anonymousId: string = await page.evaluate(() => (window as any).seam.anonymousId());

    const state = await customer(h.worker, anonymousId);
    expect(state.cart.lines.map((l: any) => [l.product_id, l.quantity])).toEqual([["shirt", 1]]);
    expect(state.viewed_items.map((v: any) => v.product_id)).toEqual(["shirt"]);
    // The landing page came from an email: the UTM medium makes it the email channel's touch.
    expect(state.channel_history.at(-1)).toMatchObject({ channel: "email", utm: { source: "newsletter", medium: "email", campaign: "bf" } });
    expect(requests.some((r) => r.method === "OPTIONS")).toBe(false);
    expect(requests.filter((r) => r.method === "POST").every((r) => r.type?.startsWith("text/plain"))).toBe(true);

    // A reload: the page view on the new page is sent; nothing is sent twice.
    await page.reload();
    await page.evaluate(() => (window as any).seam.flush());
    const after = await customer(h.worker, anonymousId);
    expect(await page.evaluate(() => (window as any).seam.anonymousId())).toBe(anonymousId);
    expect(after.event_count).toBe(state.event_count + 1);
    expect(after.cart.lines[0].quantity).toBe(1);
    await context.close();
  });

  it("restores the cart from another device when the customer signs in", async () => {
    const userId = `shopper-${Date.now()}`;
    const hash = await userHash(userId);

    const phone = await (await h.browser.newContext()).newPage();
    await phone.goto(`${h.site}/p/shirt`);
    await phone.click("#add");
    await phone.evaluate(([id, uh]) => (window as any).seam.identify(id, {}, { userHash: uh }), [userId, hash]);

    const laptop = await (await h.browser.newContext()).newPage();
    await laptop.goto(`${h.site}/p/shirt`);
    const profile = await laptop.evaluate(([id, uh]) => (window as any).seam.identify(id, {}, { userHash: uh }), [userId, hash]);
    expect(profile.cart.lines.map((l: any) => l.product_id)).toEqual(["shirt"]);

    const cart = await laptop.evaluate(() => (window as any).seam.getCart());
    expect(cart.restored).toBe(true);
    expect(cart.lines[0].source.channel).toBe("web");
  });
});
