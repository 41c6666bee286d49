// A read of a customer who never sent an event (profile, cart, recommendations, the admin views,
// delete) answers as for an empty customer and writes nothing: no tables in the customer's object
// (the migrations would write dozens of billed rows for a customer who does not exist).
// Regression: every such read used to run the migrations of the object it woke.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batch, DEMO_SECRET_KEY, DEMO_WRITE_KEY, request, trackEvent, uid } from "./helpers.ts";

const secret = { authorization: `Bearer ${DEMO_SECRET_KEY}` };

async function tablesOf(profileKey: string): Promise<number> {
  const stub = env.CUSTOMER.getByName(`demo:${profileKey}`);
  return runInDurableObject(stub, (_instance, state) => Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM sqlite_master`).one().n));
}

describe("reads of an unknown customer write nothing", () => {
  it("profile, cart, recommendations, customer views and delete answer empty and create no table", async () => {
    const visitor = uid("never-seen");
    const q = `writeKey=${DEMO_WRITE_KEY}&anonymousId=${visitor}`;
    const profile = await request(`/v1/profile?${q}`);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ anonymousId: visitor, cart: { lines: [], item_count: 0 }, recently_viewed: [], consent: {}, near_store: null });
    const cart = await request(`/v1/cart?${q}`);
    expect(await cart.json()).toMatchObject({ lines: [], item_count: 0, restored: false, restored_from: [] });
    const recs = await request(`/v1/recs?type=for_you&${q}`);
    expect(recs.status).toBe(200);
    expect((await request(`/v1/customers/${visitor}`, { headers: secret })).status).toBe(404);
    expect((await request(`/v1/customers/${visitor}/export`, { headers: secret })).status).toBe(404);
    expect((await request(`/v1/customers/${visitor}/messages`, { headers: secret })).status).toBe(404);
    expect(await (await request(`/v1/customers/${visitor}`, { method: "DELETE", headers: secret })).json()).toEqual({ deleted: false });

    // The admin routes look the id up as a user id and as an anonymous id: neither object may get tables.
    for (const key of [`a:${visitor}`, `u:${visitor}`]) expect(await tablesOf(key)).toBe(0);
  });

  it("the first event still creates the customer, and reads then see it", async () => {
    const visitor = uid("first-event");
    await request(`/v1/profile?writeKey=${DEMO_WRITE_KEY}&anonymousId=${visitor}`);
    expect((await batch([trackEvent(visitor, "Product Viewed", { product_id: "p-first" })])).status).toBe(200);
    expect(await tablesOf(`a:${visitor}`)).toBeGreaterThan(0);
    const profile = (await (await request(`/v1/profile?writeKey=${DEMO_WRITE_KEY}&anonymousId=${visitor}`)).json()) as { recently_viewed: { product_id: string }[] };
    expect(profile.recently_viewed.map((v) => v.product_id)).toEqual(["p-first"]);
  });
});
