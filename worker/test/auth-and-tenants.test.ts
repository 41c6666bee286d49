// Keys, origins and tenants: a key of workspace A never reads or writes workspace B.
import { describe, expect, it } from "vitest";
import { basic, batch, createWorkspace, customer, post, request, trackEvent, uid } from "./helpers.ts";

describe("write key", () => {
  it("is required", async () => {
    const anonymousId = uid();
    const res = await request("/v1/track", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(trackEvent(anonymousId, "X")),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("must be known", async () => {
    const anonymousId = uid();
    const res = await post("/v1/track", trackEvent(anonymousId, "X"), "wk_nope");
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error).toEqual({ code: "unauthorized", message: "unknown write key" });
    expect((await customer(anonymousId)).status).toBe(404);
  });

  it("rejects a malformed Basic header as missing", async () => {
    const res = await request("/v1/track", {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: "Basic %%%" },
      body: JSON.stringify(trackEvent(uid(), "X")),
    });
    expect(res.status).toBe(401);
  });
});

describe("allowed origins", () => {
  it("lets listed origins and subdomain wildcards in, keeps others out with 403 and changes nothing", async () => {
    const { keys } = await createWorkspace({
      name: "Origins shop",
      allowedOrigins: ["https://shop.example", "https://*.brand.example"],
    });
    const send = (origin: string, anonymousId: string) =>
      post("/v1/track", trackEvent(anonymousId, "X"), keys.write_key, { origin });

    const ok = uid();
    expect((await send("https://shop.example", ok)).status).toBe(200);
    expect((await send("https://eu.brand.example", uid())).status).toBe(200);

    const blocked = uid();
    const res = await send("https://evil.example", blocked);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("origin_not_allowed");
    expect((await customer(blocked, keys.secret_key)).status).toBe(404);
    expect((await customer(ok, keys.secret_key)).status).toBe(200);
  });

  it("does not apply to server calls without an Origin header", async () => {
    const { keys } = await createWorkspace({ name: "Server shop", allowedOrigins: ["https://only.example"] });
    expect((await post("/v1/track", trackEvent(uid(), "X"), keys.write_key)).status).toBe(200);
  });
});

describe("tenant isolation", () => {
  it("keeps the same customer id apart in two workspaces", async () => {
    const a = await createWorkspace({ name: "Shop A" });
    const b = await createWorkspace({ name: "Shop B" });
    const shared = uid("same-id");
    await batch([trackEvent(shared, "Product Added", { product_id: "a-only" })], a.keys.write_key);
    await batch([trackEvent(shared, "Product Added", { product_id: "b-only" })], b.keys.write_key);

    const inA = await customer(shared, a.keys.secret_key);
    const inB = await customer(shared, b.keys.secret_key);
    expect(inA.body.workspace_id).toBe(a.workspace.id);
    expect(inA.body.cart.lines.map((l: any) => l.product_id)).toEqual(["a-only"]);
    expect(inB.body.cart.lines.map((l: any) => l.product_id)).toEqual(["b-only"]);
  });

  it("never lets a secret key read another workspace's customer", async () => {
    const a = await createWorkspace({ name: "Shop C" });
    const b = await createWorkspace({ name: "Shop D" });
    const onlyInA = uid();
    await batch([trackEvent(onlyInA, "Signed Up")], a.keys.write_key);
    expect((await customer(onlyInA, a.keys.secret_key)).status).toBe(200);
    expect((await customer(onlyInA, b.keys.secret_key)).status).toBe(404);
    expect((await customer(onlyInA, "sk_demo")).status).toBe(404);
  });

  it("never lets a write key read another workspace's visitor profile", async () => {
    const a = await createWorkspace({ name: "Shop E" });
    const visitor = uid();
    await batch([trackEvent(visitor, "Product Added", { product_id: "p1" })], a.keys.write_key);
    const own = await request(`/v1/profile?anonymousId=${visitor}`, { headers: { authorization: basic(a.keys.write_key) } });
    expect(((await own.json()) as any).cart.lines).toHaveLength(1);
    const other = await request(`/v1/profile?anonymousId=${visitor}`, { headers: { authorization: basic("wk_demo") } });
    expect(((await other.json()) as any).cart.lines).toHaveLength(0);
  });
});

describe("secret key", () => {
  it("is required for customer reads, as a Bearer token", async () => {
    const id = uid();
    await batch([trackEvent(id, "X")]);
    expect((await request(`/v1/customers/${id}`)).status).toBe(401);
    expect((await request(`/v1/customers/${id}`, { headers: { authorization: "Bearer sk_wrong" } })).status).toBe(401);
    // The write key is public: it must not read a whole customer.
    expect((await request(`/v1/customers/${id}`, { headers: { authorization: "Bearer wk_demo" } })).status).toBe(401);
  });
});
