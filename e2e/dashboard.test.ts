// The marketer's dashboard at /dashboard in Chromium: sign in with sk_demo, every page renders with
// data seeded through the API, switching the attribution model changes the Overview's chart, a
// custom segment is previewed and saved, a trigger tuned in the page is what GET /v1/admin/triggers/:id
// answers, a validation problem is shown in words, export and delete work behind a confirmation,
// sign-out ends the session; no console error, no failed request, no serious or critical axe
// violation. Screenshots of every page at 1280×800 and 390×844 go to e2e/artifacts/.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { startLocalWorker } from "../scripts/lib/local-worker.mjs";
import { seedDashboardData, waitForOutbox, type DashboardSeed } from "./dashboard-seed.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "./harness.ts";

const ARTIFACTS = path.join(import.meta.dirname, "artifacts");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const VIEWPORTS = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const WAIT = { timeout: 15_000 };

let worker: { url: string; stop(): void };
let browser: Browser;
let seed: DashboardSeed;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  worker = await startLocalWorker();
  seed = await seedDashboardData(worker.url, `e2e${Date.now().toString(36)}`);
  await waitForOutbox(worker.url, 8);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  worker?.stop();
});

/** Console errors, uncaught exceptions, failed requests and error answers of a page, as lines. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // A read the page itself cancelled (it moved on: navigation, or a newer query) is not a failure.
  page.on("requestfailed", (r) => r.failure()?.errorText !== "net::ERR_ABORTED" && problems.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.request().method()} ${r.url()}`));
  return problems;
}

async function newPage(viewport: keyof typeof VIEWPORTS): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], ...(viewport === "phone" ? { isMobile: true, hasTouch: true } : {}), acceptDownloads: true });
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

async function signIn(page: Page) {
  await page.goto(`${worker.url}/dashboard`);
  await page.getByLabel("Secret key").fill("sk_demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Dashboard" }).waitFor(WAIT);
}

/** axe-core's serious and critical violations on the page as it is now (evaluated over DevTools: the page's CSP allows no injected script). */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(" ")).slice(0, 3) }));
  });
  return violations.filter((v: any) => v.impact === "serious" || v.impact === "critical").map((v: any) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

/** The pages, each with what must be on screen once its data is there. */
const PAGES: { name: string; path: () => string; ready: (page: Page) => Promise<void> }[] = [
  { name: "overview", path: () => "/dashboard/overview", ready: async (p) => (await p.locator(".chart-plot canvas").first().waitFor(WAIT), await p.locator(".bars li").first().waitFor(WAIT)) },
  { name: "channels", path: () => "/dashboard/channels", ready: (p) => p.locator("table.table tbody tr").first().waitFor(WAIT) },
  { name: "customers", path: () => "/dashboard/customers", ready: (p) => p.locator(".people a").first().waitFor(WAIT) },
  { name: "customer-360", path: () => `/dashboard/customers/${seed.customer.userId}`, ready: (p) => p.locator(".timeline-item").first().waitFor(WAIT) },
  { name: "segments", path: () => "/dashboard/segments", ready: (p) => p.locator("table.table tbody tr").first().waitFor(WAIT) },
  { name: "segment", path: () => "/dashboard/segments/recent_buyers", ready: async (p) => (await p.locator(".chart-plot canvas").first().waitFor(WAIT), await p.locator(".lines li").first().waitFor(WAIT)) },
  { name: "triggers", path: () => "/dashboard/triggers", ready: (p) => p.locator("table.table tbody tr").first().waitFor(WAIT) },
  { name: "trigger", path: () => `/dashboard/triggers/${seed.triggerId}`, ready: async (p) => (await p.locator(".versions li").first().waitFor(WAIT), await p.locator(".bars li").first().waitFor(WAIT)) },
  { name: "messages", path: () => "/dashboard/messages", ready: (p) => p.locator(".chart-plot canvas").first().waitFor(WAIT) },
  { name: "recommendations", path: () => `/dashboard/recommendations?product=${seed.productId}`, ready: async (p) => (await p.locator(".product-card").first().waitFor(WAIT), await p.locator("table.table tbody tr").first().waitFor(WAIT)) },
];

describe("the dashboard", () => {
  for (const viewport of ["laptop", "phone"] as const)
    it(`on a ${viewport}: every page renders with data, without errors, failed requests or serious accessibility violations`, async () => {
      const { context, page, problems } = await newPage(viewport);
      await page.goto(`${worker.url}/dashboard`);
      await page.getByLabel("Secret key").waitFor(WAIT);
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${viewport}-0-sign-in.png`) });
      expect(await accessibilityViolations(page)).toEqual([]);
      await signIn(page);
      for (const [i, p] of PAGES.entries()) {
        await page.goto(`${worker.url}${p.path()}`);
        await p.ready(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${viewport}-${i + 1}-${p.name}.png`) });
        expect(await accessibilityViolations(page), p.name).toEqual([]);
      }
      expect(problems).toEqual([]);
      await context.close();
    });

  it("Customer 360 shows the customer across channels: timeline, cart with its devices, consent, messages; export downloads everything", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    // Search by email, as a marketer would: the one match opens.
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Email, phone or customer id").fill(seed.customer.email.toUpperCase());
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("heading", { level: 1, name: seed.customer.name }).waitFor(WAIT);
    expect(page.url()).toBe(`${worker.url}/dashboard/customers/${seed.customer.userId}`);
    const timeline = await page.locator(".timeline-item").allInnerTexts();
    expect(timeline.join("\n")).toMatch(/Product Added/);
    expect(timeline.join("\n")).toMatch(/via newsletter \/ email \/ spring/);
    const cart = await page.getByRole("region", { name: /^Cart/ }).innerText();
    expect(cart).toContain(`added on App (${seed.customer.userId.split("-")[0]}-iphone)`);
    expect(cart).toContain("added on Web");
    expect(await page.getByRole("region", { name: "Consent" }).innerText()).toMatch(/SMS\s*granted/);
    await page.getByRole("region", { name: "Messages" }).locator(".badge").first().waitFor(WAIT);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export" }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(exported.customer.traits.email).toBe(seed.customer.email);
    expect(exported.messaging.messages.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("switching the attribution model changes the revenue chart: first touch credits the search ad the buyers came from", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    await page.goto(`${worker.url}/dashboard/overview`);
    const legend = page.locator(".chart-legend").first();
    await legend.waitFor(WAIT);
    const lastTouch = await legend.innerText();
    // Under last touch the orders go to where the buyers were last (the app, the newsletter), not the ad.
    expect(lastTouch).not.toMatch(/Cpc/);
    await page.getByRole("button", { name: "First touch" }).click();
    await expect.poll(() => legend.innerText(), WAIT).toMatch(/Cpc/);
    expect(await legend.innerText()).not.toBe(lastTouch);
    expect(await page.getByRole("button", { name: "First touch" }).getAttribute("aria-pressed")).toBe("true");
    expect(page.url()).toContain("model=first_touch");
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-laptop-overview-first-touch.png") });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a custom segment written in the editor is previewed, saved and listed by the API", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    await page.goto(`${worker.url}/dashboard/segments/new`);
    await page.getByLabel("Id").fill("e2e-buyers-from-email");
    await page.getByLabel("Name").fill("Buyers from email");
    const rule = page.getByLabel(/^Rule/);
    // A broken rule is explained in words, nothing is saved.
    await rule.fill('{"bought": {}, "spend": {}}');
    await page.getByText(/a rule has exactly one of/).waitFor(WAIT);
    await rule.fill('{"and": [{"bought": {}}, {"consent": {"channel": "sms"}}]}');
    await page.getByText(/customers match, counted\.|customers \(estimate/).waitFor(WAIT);
    await page.getByRole("button", { name: "Create segment" }).click();
    await page.waitForURL(`${worker.url}/dashboard/segments/e2e-buyers-from-email`);
    const saved = await (await fetch(`${worker.url}/v1/segments/e2e-buyers-from-email`, { headers: { authorization: "Bearer sk_demo" } })).json();
    expect(saved.segment).toMatchObject({ kind: "custom", name: "Buyers from email", rule: { and: [{ bought: {} }, { consent: { channel: "sms" } }] } });
    expect(problems.filter((p) => !/^(400: POST .*\/v1\/segments\/preview|console: Failed to load resource.*400)/.test(p))).toEqual([]);
    await context.close();
  });

  it("a trigger tuned in the page is what the API answers; a bad value is refused with the problem in words", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    await page.goto(`${worker.url}/dashboard/triggers/${seed.triggerId}`);
    const before = await (await fetch(`${worker.url}/v1/admin/triggers/${seed.triggerId}`, { headers: { authorization: "Bearer sk_demo" } })).json();
    await page.getByLabel("Step 1 delay", { exact: true }).fill("90");
    await page.getByLabel("Cool-down after a message (hours)").fill("36");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await page.getByText(`Saved as version ${before.trigger.version + 1}.`).waitFor(WAIT);
    const after = await (await fetch(`${worker.url}/v1/admin/triggers/${seed.triggerId}`, { headers: { authorization: "Bearer sk_demo" } })).json();
    expect(after.trigger.steps.map((s: any) => s.delay_minutes)).toEqual([90, 1440]);
    expect(after.trigger.cooldown_hours).toBe(36);
    expect(after.trigger.version).toBe(before.trigger.version + 1);
    // The history shows the change between the two versions.
    await expect.poll(() => page.locator("table.diff").innerText(), WAIT).toMatch(/Step 1 delay\s*45\s*90/);
    expect(problems).toEqual([]);

    // A delay later than the next step's: the API refuses it, the page says why, nothing changes.
    await page.getByLabel("Step 1 delay", { exact: true }).fill("2000");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await page.getByText("Steps: step delays must not decrease.").waitFor(WAIT);
    expect(problems.sort()).toEqual([expect.stringMatching(new RegExp(`^400: PUT .*/v1/admin/triggers/${seed.triggerId}$`)), expect.stringMatching(/^console: Failed to load resource.*400/)]);
    const unchanged = await (await fetch(`${worker.url}/v1/admin/triggers/${seed.triggerId}`, { headers: { authorization: "Bearer sk_demo" } })).json();
    expect(unchanged.trigger.version).toBe(after.trigger.version);
    await context.close();
  });

  it("delete asks first; cancel keeps the customer, confirm deletes them", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    const victim = seed.customer.userId.replace(/^ada/, "edsger");
    await page.goto(`${worker.url}/dashboard/customers/${victim}`);
    await page.getByRole("heading", { level: 1, name: "Edsger Dijkstra" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete Edsger Dijkstra?" });
    await dialog.waitFor(WAIT);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect((await fetch(`${worker.url}/v1/customers/${victim}`, { headers: { authorization: "Bearer sk_demo" } })).status).toBe(200);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("button", { name: "Delete customer" }).click();
    await page.waitForURL(`${worker.url}/dashboard/customers`);
    expect((await fetch(`${worker.url}/v1/customers/${victim}`, { headers: { authorization: "Bearer sk_demo" } })).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("signing out ends the session: the page asks for the key again and the old cookie opens nothing", async () => {
    const { context, page, problems } = await newPage("laptop");
    await signIn(page);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "seam_session", httpOnly: true, sameSite: "Strict" });
    expect(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toContain("sk_demo");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Secret key").waitFor(WAIT);
    const replay = await fetch(`${worker.url}/v1/admin/triggers`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(replay.status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });
});
