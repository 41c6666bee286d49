// Trigger definitions, messaging policy and channel webhooks per workspace: validated, versioned, published to the edge cache.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { request } from "./helpers.ts";
import { admin, messagingWorkspace } from "./messaging-helpers.ts";

describe("trigger definitions (admin API)", () => {
  it("lists the built-in templates with their defaults", async () => {
    const ws = await messagingWorkspace();
    const res = await admin(ws, "GET", "/triggers/templates");
    expect(res.status).toBe(200);
    expect(res.body.templates.map((t: any) => t.template)).toEqual([
      "abandoned_cart",
      "browse_abandonment",
      "welcome_series",
      "post_purchase",
      "product_interest",
      "price_drop",
      "back_in_stock",
      "new_in_favourite_category",
      "near_store_offer",
    ]);
    expect(res.body.templates[2].defaults.steps.map((s: any) => s.delay_minutes)).toEqual([0, 2 * 1440, 5 * 1440]);
  });

  it("switches a template on, tuned; every change is a new version, kept in the history", async () => {
    const ws = await messagingWorkspace();
    const created = await admin(ws, "PUT", "/triggers/cart-reminder", { template: "abandoned_cart", steps: [{ delay_minutes: 45 }] });
    expect(created.status).toBe(201);
    expect(created.body.trigger).toMatchObject({ id: "cart-reminder", template: "abandoned_cart", enabled: true, version: 1, steps: [{ delay_minutes: 45 }], cooldown_hours: 24 });

    const updated = await admin(ws, "PUT", "/triggers/cart-reminder", { template: "abandoned_cart", enabled: false, cooldown_hours: 48 });
    expect(updated.status).toBe(200);
    expect(updated.body.trigger).toMatchObject({ version: 2, enabled: false, cooldown_hours: 48, steps: [{ delay_minutes: 60 }, { delay_minutes: 1440 }] });

    expect((await admin(ws, "GET", "/triggers")).body.triggers.map((t: any) => [t.id, t.version])).toEqual([["cart-reminder", 2]]);
    expect((await admin(ws, "GET", "/triggers/cart-reminder")).body.trigger.version).toBe(2);
    expect((await admin(ws, "GET", "/triggers/cart-reminder/versions")).body.versions.map((v: any) => v.version)).toEqual([2, 1]);

    // Published for the customer objects (KV), with a revision that counts publishes.
    const published = await env.CONFIG_KV.get<any>(`messaging:v1:${ws.id}`, "json");
    expect(published.triggers).toMatchObject([{ id: "cart-reminder", version: 2, enabled: false }]);
    expect(published.revision).toBeGreaterThanOrEqual(3);

    expect((await admin(ws, "DELETE", "/triggers/cart-reminder")).body).toEqual({ deleted: true });
    expect((await admin(ws, "GET", "/triggers/cart-reminder")).status).toBe(404);
    expect((await admin(ws, "DELETE", "/triggers/cart-reminder")).body).toEqual({ deleted: false });
    // Re-created, it continues the version count; the deletion is in the history as a null definition.
    expect((await admin(ws, "PUT", "/triggers/cart-reminder", { template: "abandoned_cart" })).body.trigger.version).toBe(4);
    expect((await admin(ws, "GET", "/triggers/cart-reminder/versions")).body.versions[1]).toMatchObject({ version: 3, definition: null });
    expect((await env.CONFIG_KV.get<any>(`messaging:v1:${ws.id}`, "json")).triggers).toHaveLength(1);
  });

  it("refuses invalid definitions with a 400 naming the field, and changes nothing", async () => {
    const ws = await messagingWorkspace();
    const bad: [string, unknown][] = [
      ["/triggers/x", { template: "fax_blast" }],
      ["/triggers/x", { template: "abandoned_cart", steps: [] }],
      ["/triggers/x", { template: "abandoned_cart", steps: [{ delay_minutes: 120 }, { delay_minutes: 60 }] }],
      ["/triggers/x", { template: "abandoned_cart", steps: [{ delay_minutes: -1 }] }],
      ["/triggers/x", { template: "abandoned_cart", channels: ["email", "email"] }],
      ["/triggers/x", { template: "abandoned_cart", channels: ["fax"] }],
      ["/triggers/x", { template: "abandoned_cart", cooldown_hours: "soon" }],
      ["/triggers/x", { template: "abandoned_cart", surprise: true }],
      ["/triggers/x", { template: "abandoned_cart", content: { blob: "x".repeat(20_000) } }],
    ];
    for (const [path, body] of bad) {
      const res = await admin(ws, "PUT", path, body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(res.body.error.code).toBe("invalid_body");
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    const badId = await admin(ws, "PUT", "/triggers/Not%20Valid", { template: "abandoned_cart" });
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe("invalid_trigger_id");
    const notJson = await admin(ws, "PUT", "/triggers/x", "{nope");
    expect(notJson.status).toBe(400);
    expect((await admin(ws, "GET", "/triggers")).body.triggers).toEqual([]);
    expect((await admin(ws, "GET", "/triggers/nope")).status).toBe(404);
  });

  it("needs the workspace's secret key; another workspace's triggers are invisible", async () => {
    const a = await messagingWorkspace({ triggers: { welcome: { template: "welcome_series" } } });
    const b = await messagingWorkspace();
    expect((await admin(b, "GET", "/triggers")).body.triggers).toEqual([]);
    expect((await request("/v1/admin/triggers")).status).toBe(401);
    expect((await request("/v1/admin/triggers", { headers: { authorization: `Basic ${btoa(`${a.writeKey}:`)}` } })).status).toBe(401);
  });
});

describe("messaging policy and channel webhooks (admin API)", () => {
  it("stores the policy with defaults for what is omitted, and validates it", async () => {
    const ws = await messagingWorkspace();
    const res = await admin(ws, "PUT", "/messaging", {
      caps: [{ channel: "*", max_messages: 2, window_days: 7, min_gap_hours: 72 }, { channel: "sms", max_messages: 1, window_days: 7 }],
      quiet_hours: { start: "21:00", end: "08:00" },
      default_time_zone: "Europe/Berlin",
    });
    expect(res.status).toBe(200);
    expect(res.body.policy).toMatchObject({
      version: 2,
      default_time_zone: "Europe/Berlin",
      cascade: { channels: ["email", "messenger", "sms"], wait_hours: 24 },
      opt_in_channels: ["sms"],
    });
    expect((await admin(ws, "GET", "/messaging")).body.policy.caps).toHaveLength(2);
    for (const body of [
      { quiet_hours: { start: "25:00", end: "08:00" } },
      { quiet_hours: { start: "08:00", end: "08:00" } },
      { default_time_zone: "Mars/Olympus" },
      { caps: [{ channel: "*", max_messages: 2 }] },
      { caps: [{ channel: "*" }] },
      { cascade: { channels: [], wait_hours: 24 } },
      { links: { product_url: "javascript:alert(1)" } },
    ]) {
      const bad = await admin(ws, "PUT", "/messaging", body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("sets a channel webhook with a signing secret shown once; a URL change keeps it, a rotation replaces it", async () => {
    const ws = await messagingWorkspace();
    const created = await admin(ws, "PUT", "/channels/sms", { url: "https://hooks.example/sms" });
    expect(created.status).toBe(201);
    expect(created.body.signing_secret).toMatch(/^whsec_/);
    const moved = await admin(ws, "PUT", "/channels/sms", { url: "https://hooks.example/sms2" });
    expect(moved.status).toBe(200);
    expect(moved.body.signing_secret).toBeUndefined();
    const rotated = await admin(ws, "PUT", "/channels/sms", { url: "https://hooks.example/sms2", rotate_secret: true });
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.signing_secret).not.toBe(created.body.signing_secret);
    const list = (await admin(ws, "GET", "/channels")).body.channels;
    expect(list).toMatchObject([{ channel: "sms", url: "https://hooks.example/sms2" }]);
    expect(JSON.stringify(list)).not.toContain("whsec_");
    expect((await admin(ws, "PUT", "/channels/fax", { url: "https://x.example" })).body.error.code).toBe("invalid_channel");
    expect((await admin(ws, "PUT", "/channels/sms", { url: "ftp://x.example" })).status).toBe(400);
    expect((await admin(ws, "DELETE", "/channels/sms")).body).toEqual({ deleted: true });
  });
});
