// The operator API creates workspaces, edits them and rotates their keys.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, basic, createWorkspace, customer, post, request, trackEvent, uid } from "./helpers.ts";

function admin(path: string, method: string, body?: unknown, token = ADMIN_TOKEN) {
  return request(`/admin${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("operator API", () => {
  it("requires the admin token", async () => {
    const res = await admin("/workspaces", "POST", { name: "X" }, "wrong");
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
    expect((await request("/admin/workspaces/demo")).status).toBe(401);
  });

  it("creates a workspace whose keys work at once, and shows the secret key only once", async () => {
    const res = await admin("/workspaces", "POST", { id: "acme-shop", name: "Acme", allowedOrigins: ["*"] });
    expect(res.status).toBe(201);
    const created = (await res.json()) as any;
    expect(created.workspace).toMatchObject({ id: "acme-shop", name: "Acme", allowed_origins: ["*"] });
    expect(created.keys.write_key).toMatch(/^wk_[0-9A-Za-z]{32}$/);
    expect(created.keys.secret_key).toMatch(/^sk_[0-9A-Za-z]{32}$/);
    expect(created.keys.identity_secret).toMatch(/^ids_[0-9A-Za-z]{32}$/);

    const id = uid();
    expect((await post("/v1/track", trackEvent(id, "X"), created.keys.write_key)).status).toBe(200);
    expect((await customer(id, created.keys.secret_key)).body.workspace_id).toBe("acme-shop");

    const read = (await (await admin("/workspaces/acme-shop", "GET")).json()) as any;
    expect(JSON.stringify(read)).not.toContain(created.keys.secret_key);
    expect(JSON.stringify(read)).not.toContain(created.keys.identity_secret);
  });

  it("refuses a duplicate id with 409 and an invalid body with 400", async () => {
    await createWorkspace({ id: "dup-shop", name: "One" });
    const dup = await admin("/workspaces", "POST", { id: "dup-shop", name: "Two" });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as any).error.code).toBe("conflict");

    const bad = await admin("/workspaces", "POST", { id: "Bad Id!", name: "" , extra: 1 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as any;
    expect(body.error.code).toBe("invalid_body");
    expect(body.error.details.length).toBeGreaterThan(0);
  });

  it("rotates keys: the old write and secret keys stop working, the new ones work", async () => {
    const { workspace, keys } = await createWorkspace({ name: "Rotate me" });
    const res = await admin(`/workspaces/${workspace.id}/rotate-keys`, "POST", { keys: ["write", "secret"] });
    expect(res.status).toBe(200);
    const rotated = ((await res.json()) as any).keys;
    expect(Object.keys(rotated).sort()).toEqual(["secret_key", "write_key"]);

    const id = uid();
    expect((await post("/v1/track", trackEvent(id, "X"), keys.write_key)).status).toBe(401);
    expect((await post("/v1/track", trackEvent(id, "X"), rotated.write_key)).status).toBe(200);
    expect((await customer(id, keys.secret_key)).status).toBe(401);
    expect((await customer(id, rotated.secret_key)).status).toBe(200);
  });

  it("updates allowed origins, and answers 404 for an unknown workspace", async () => {
    const { workspace, keys } = await createWorkspace({ name: "Patch me" });
    const res = await admin(`/workspaces/${workspace.id}`, "PATCH", { allowedOrigins: ["https://only.example"] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).workspace.allowed_origins).toEqual(["https://only.example"]);
    const blocked = await post("/v1/track", trackEvent(uid(), "X"), keys.write_key, { origin: "https://other.example" });
    expect(blocked.status).toBe(403);

    expect((await admin("/workspaces/nope", "PATCH", { name: "x" })).status).toBe(404);
    expect((await admin("/workspaces/nope/rotate-keys", "POST", {})).status).toBe(404);
  });

  it("visitor reads need the write key too", async () => {
    expect((await request("/v1/profile?anonymousId=x")).status).toBe(401);
    const res = await request("/v1/profile", { headers: { authorization: basic("wk_demo") } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("invalid_query");
  });
});
