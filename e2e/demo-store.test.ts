// The demo store at /demo in Chromium, as a shopper uses it: browse on a phone, add to cart, sign
// in; then on a laptop (a second browser context: another device) sign in and find the phone's
// cart restored, with real recommendation strips; check out. Screenshots go to e2e/artifacts/.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalWorker } from "../scripts/lib/local-worker.mjs";
import { CHROMIUM, CHROMIUM_ARGS, customer } from "./harness.ts";

const root = path.resolve(import.meta.dirname, "..");
const ARTIFACTS = path.join(import.meta.dirname, "artifacts");
/** Enough simulated shoppers for every product to have its own lists, in seconds. */
const SIMULATED_SESSIONS = "400";
/** The page waits for Seam's answers (a flush, then the cart): allow a loaded machine its seconds. */
const POLL = { timeout: 15_000, interval: 200 };
const EMAIL = `ada-${Date.now()}@example.com`;

let worker: { url: string; stop(): void };
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  worker = await startLocalWorker();
  const seeded = spawnSync(process.execPath, [path.join(root, "scripts/seed-traffic.ts"), "--host", worker.url, "--sessions", SIMULATED_SESSIONS, "--seed", "e2e"], {
    cwd: root,
    encoding: "utf8",
  });
  if (seeded.status !== 0) throw new Error(`seed:traffic failed: ${seeded.stdout}\n${seeded.stderr}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  worker?.stop();
});

/** Full pages on the laptop; the phone's viewport only (a full-page capture draws its sticky header mid-page). */
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `demo-${name}.png`), fullPage: !name.includes("phone") });

/** Cards the widget rendered into the strip titled `title`. */
async function stripCards(page: Page, title: string): Promise<string[]> {
  const strip = page.locator(`section[aria-label="${title}"]`);
  await strip.locator("a").first().waitFor({ timeout: 15_000 });
  return strip.locator("a").allInnerTexts();
}

/** Console errors and uncaught exceptions of the store's pages (a CSP violation is one). */
const pageProblems: string[] = [];
function watched(page: Page): Page {
  page.on("console", (m) => m.type() === "error" && pageProblems.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => pageProblems.push(`${page.url()}: ${e.message}`));
  return page;
}

async function signIn(page: Page) {
  await page.goto(`${worker.url}/demo/account`);
  await page.fill('input[name="email"]', EMAIL);
  await Promise.all([page.waitForURL(`${worker.url}/demo/cart`), page.click('button[type="submit"]')]);
}

describe("the demo store", () => {
  it("is built with exactly the tags a store pastes: the built SDK snippet and the widget tag", async () => {
    const html = await (await fetch(`${worker.url}/demo`)).text();
    const snippet = readFileSync(path.join(root, "sdk/dist/snippet.min.js"), "utf8").replace("SEAM_SRC", `${worker.url}/seam.js`);
    expect(html).toContain(snippet);
    expect(html).toContain(`<script async src="${worker.url}/seam-widget.js" data-write-key="wk_demo" data-host="${worker.url}"></script>`);
  });

  it("browse, add to cart, sign in on a second device, see the cart restored and real strips, check out", async () => {
    // The phone: browse a category, open a product, add it to the cart, sign in.
    const phone = watched(await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage());
    await phone.goto(`${worker.url}/demo`);
    expect((await stripCards(phone, "Trending now")).length).toBeGreaterThan(0);
    await shot(phone, "1-phone-home");
    await Promise.all([phone.waitForURL(/\/demo\/c\/mugs$/), phone.click('.tile[href="/demo/c/mugs"]')]);
    await Promise.all([phone.waitForURL(/\/demo\/p\//), phone.locator(".grid .card").nth(2).click()]);
    const phoneProduct = (await phone.locator("h1").innerText()).trim();
    await phone.click("[data-add-to-cart]");
    await expect.poll(() => phone.locator("[data-cart-count]").innerText(), POLL).toBe("1");
    await shot(phone, "2-phone-product");
    await signIn(phone);
    await expect.poll(() => phone.locator(".cart-line h3").allInnerTexts(), POLL).toEqual([phoneProduct]);

    // The laptop: another device. Browse a product page: its strips come from the simulated shoppers.
    const laptop = watched(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage());
    await laptop.goto(`${worker.url}/demo/p/tees-dune-sand`);
    await laptop.goto(`${worker.url}/demo/p/sneakers-dune-sand`);
    const similar = await stripCards(laptop, "You may also like");
    const together = await stripCards(laptop, "Frequently bought together");
    const recent = await stripCards(laptop, "Recently viewed");
    expect(similar.length).toBeGreaterThan(2);
    expect(together.length).toBeGreaterThan(0);
    expect(recent.join(" ")).toContain("Dune Everyday Tee — Sand");
    // The product itself is in none of its own strips.
    for (const cards of [similar, together, recent]) expect(cards.join(" ")).not.toContain("Dune Court Sneaker — Sand");
    // Real co-view lists, not the new-store fallback.
    const recs = await (await fetch(`${worker.url}/v1/recs?type=similar&item=sneakers-dune-sand&writeKey=wk_demo`)).json();
    expect(recs.fallback).toBeNull();
    await laptop.click("[data-add-to-cart]");
    await expect.poll(() => laptop.locator("[data-cart-count]").innerText(), POLL).toBe("1");
    await shot(laptop, "3-laptop-product");

    // Signing in on the laptop brings the phone's cart over, and says so.
    await signIn(laptop);
    const banner = laptop.locator("[data-restore-banner]");
    await banner.waitFor({ state: "visible" });
    expect(await banner.innerText()).toMatch(/brought over the item you added on another device/);
    await expect.poll(async () => (await laptop.locator(".cart-line h3").allInnerTexts()).sort(), POLL).toEqual([phoneProduct, "Dune Court Sneaker — Sand"].sort());
    expect((await stripCards(laptop, "Complete your order")).length).toBeGreaterThan(0);
    await shot(laptop, "4-laptop-cart-restored");

    // Check out: Order Completed reaches the customer, and the cart is empty on every device.
    await Promise.all([laptop.waitForURL(`${worker.url}/demo/checkout`), laptop.click('a[href="/demo/checkout"]')]);
    await laptop.locator("[data-checkout-summary] .summary-line").first().waitFor();
    await shot(laptop, "5-laptop-checkout");
    await laptop.click("[data-place-order]");
    await laptop.locator("[data-confirmation]").waitFor({ state: "visible" });
    const orderId = (await laptop.locator("[data-order-id]").innerText()).trim();
    await shot(laptop, "6-laptop-order-placed");
    const userId: string = await laptop.evaluate(() => JSON.parse(localStorage.getItem("seam")!).u);
    const state = await customer(worker.url, userId);
    expect(state.orders.map((o: any) => o.order_id)).toContain(orderId);
    expect(state.cart.lines).toEqual([]);
    expect(state.recent_events.map((e: any) => e.event)).toContain("Order Completed");
    // Every page ran under its strict CSP without a violation or an error.
    expect(pageProblems).toEqual([]);
  });
});
