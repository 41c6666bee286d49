// The dashboard signs in with the workspace's secret key once and then works on a session cookie:
// accepted wherever the secret key is, changes only with the session's CSRF token, ended by expiry,
// by sign-out and by rotating the key; bad input is a JSON 4xx that changes nothing.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { readSession, SESSION_TTL_MS } from "../src/dashboard/sessions.ts";
import type { AppEnv } from "../src/env.ts";
import { ADMIN_TOKEN, BASE, backendBatch, createWorkspace, DEMO_SECRET_KEY, request, uid } from "./helpers.ts";

interface Signed {
  cookie: string;
  setCookie: string;
  csrf: string;
  body: any;
}

async function signIn(secretKey = DEMO_SECRET_KEY, headers: Record<string, string> = {}): Promise<Signed> {
  const res = await request("/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ secret_key: secretKey }),
  });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const body = (await res.json()) as any;
  return { cookie: setCookie.split(";")[0]!, setCookie, csrf: body.csrf_token, body };
}

function withCookie(cookie: string, init: RequestInit & { csrf?: string } = {}): RequestInit {
  const { csrf, ...rest } = init;
  return { ...rest, headers: { ...(rest.headers as Record<string, string>), cookie, ...(csrf ? { "x-seam-csrf": csrf } : {}) } };
}

const putTrigger = (id: string, auth: RequestInit) =>
  request(`/v1/admin/triggers/${id}`, {
    ...auth,
    method: "PUT",
    headers: { "content-type": "application/json", ...(auth.headers as Record<string, string>) },
    body: JSON.stringify({ template: "abandoned_cart", steps: [{ delay_minutes: 30 }] }),
  });

const getTrigger = (id: string) => request(`/v1/admin/triggers/${id}`, { headers: { authorization: `Bearer ${DEMO_SECRET_KEY}` } });

describe("dashboard sessions", () => {
  it("signing in sets a signed HttpOnly, SameSite=Strict, __Host- cookie with an expiry; the key is not echoed", async () => {
    const { setCookie, body } = await signIn();
    expect(setCookie).toMatch(/^__Host-seam_session=[^;]+\.[^;]+;/);
    expect(setCookie).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(body.signed_in).toBe(true);
    expect(body.workspace).toEqual({ id: "demo", name: expect.any(String), write_key: "wk_demo" });
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now() + SESSION_TTL_MS - 60_000);
    expect(body.csrf_token).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(body) + setCookie).not.toContain(DEMO_SECRET_KEY);
  });

  it("the cookie is accepted by the secret-key routes: reads of customers, triggers and the outbox", async () => {
    const { cookie } = await signIn();
    const userId = uid("user");
    await backendBatch([{ type: "identify", userId, traits: { name: "Ada" }, messageId: crypto.randomUUID() }]);
    const customer = await request(`/v1/customers/${userId}`, withCookie(cookie));
    expect(customer.status).toBe(200);
    expect(((await customer.json()) as any).traits.name).toBe("Ada");
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(200);
    expect((await request("/v1/outbox", withCookie(cookie))).status).toBe(200);
    const session = await request("/v1/session", withCookie(cookie));
    expect(((await session.json()) as any).workspace.id).toBe("demo");
  });

  it("a change made with the cookie needs the session's CSRF token; without it, 403 and nothing changes", async () => {
    const { cookie, csrf } = await signIn();
    const id = `dash-${crypto.randomUUID().slice(0, 8)}`;
    const refused = await putTrigger(id, withCookie(cookie));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe("csrf_token_required");
    const forged = await putTrigger(id, withCookie(cookie, { csrf: "0".repeat(64) }));
    expect(forged.status).toBe(403);
    expect((await getTrigger(id)).status).toBe(404);
    // Another session's token is not this one's.
    const other = await signIn();
    expect((await putTrigger(id, withCookie(cookie, { csrf: other.csrf }))).status).toBe(403);

    const saved = await putTrigger(id, withCookie(cookie, { csrf }));
    expect(saved.status).toBe(201);
    expect(((await (await getTrigger(id)).json()) as any).trigger.steps).toEqual([{ delay_minutes: 30 }]);
    const removed = await request(`/v1/admin/triggers/${id}`, withCookie(cookie, { method: "DELETE" }));
    expect(removed.status).toBe(403);
    expect((await getTrigger(id)).status).toBe(200);
  });

  it("a Bearer key decides alone: a wrong key is refused even with a valid session", async () => {
    const { cookie } = await signIn();
    const res = await request("/v1/admin/triggers", { headers: { cookie, authorization: "Bearer sk_wrong" } });
    expect(res.status).toBe(401);
  });

  it("no cookie, a forged cookie or a tampered signature is a JSON 401", async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split("=") as [string, string];
    const [id, signature] = decodeURIComponent(value).split(".") as [string, string];
    const forged = [
      "",
      `${name}=${encodeURIComponent(`${id}x.${signature}`)}`,
      `${name}=${encodeURIComponent(`${id}.${signature.slice(0, -2)}AA`)}`,
      `${name}=${encodeURIComponent(`ses_${"a".repeat(43)}.${signature}`)}`,
      `seam_session=${value}`,
    ];
    for (const bad of forged) {
      const res = await request("/v1/admin/triggers", bad ? { headers: { cookie: bad } } : {});
      expect(res.status, bad).toBe(401);
      expect(((await res.json()) as any).error.code).toBe("unauthorized");
    }
    expect(await (await request("/v1/session")).json()).toEqual({ signed_in: false });
  });

  it("a session expires: valid until its expiry, refused from then on (clock passed in), and an expired row is a 401", async () => {
    const { cookie } = await signIn();
    const signedInAt = Date.now();
    const probe = new Hono<AppEnv>().get("/probe", async (c) => c.json({ valid: (await readSession(c, Number(c.req.query("now")))) !== null }));
    const validAt = async (now: number) => ((await (await probe.request(`${BASE}/probe?now=${now}`, { headers: { cookie } }, env)).json()) as any).valid;
    expect(await validAt(signedInAt + SESSION_TTL_MS - 60_000)).toBe(true);
    expect(await validAt(signedInAt + SESSION_TTL_MS + 60_000)).toBe(false);

    // Through the API: a session whose expiry has passed.
    await env.DB.prepare(`UPDATE dashboard_sessions SET expires_at = ? WHERE expires_at > ?`).bind(Date.now() - 1, Date.now()).run();
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(401);
  });

  it("signing out ends the session on the server (a copied cookie stops working) and clears the cookie; it needs the CSRF token", async () => {
    const { cookie, csrf } = await signIn();
    const refused = await request("/v1/session", withCookie(cookie, { method: "DELETE" }));
    expect(refused.status).toBe(403);
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(200);

    const out = await request("/v1/session", withCookie(cookie, { method: "DELETE", csrf }));
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ signed_out: true });
    expect(out.headers.get("set-cookie")).toMatch(/^__Host-seam_session=;.*Max-Age=0/);
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(401);
    expect(await (await request("/v1/session", withCookie(cookie))).json()).toEqual({ signed_in: false });
    // Signing out again is harmless.
    expect(await (await request("/v1/session", withCookie(cookie, { method: "DELETE", csrf }))).json()).toEqual({ signed_out: false });
  });

  it("rotating the secret key ends every session opened with it", async () => {
    const { workspace, keys } = await createWorkspace({ name: "Rotating shop" });
    const { cookie, body } = await signIn(keys.secret_key);
    expect(body.workspace.name).toBe("Rotating shop");
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(200);
    const rotated = await request(`/admin/workspaces/${workspace.id}/rotate-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ keys: ["secret"] }),
    });
    expect(rotated.status).toBe(200);
    expect((await request("/v1/admin/triggers", withCookie(cookie))).status).toBe(401);
    const again = await signIn(((await rotated.json()) as any).keys.secret_key);
    expect((await request("/v1/admin/triggers", withCookie(again.cookie))).status).toBe(200);
  });

  it("bad sign-ins are JSON 4xx and set no cookie: wrong key, bad body, not JSON, from another site", async () => {
    const attempts: [RequestInit, number, string][] = [
      [{ body: JSON.stringify({ secret_key: "sk_nope" }) }, 401, "unauthorized"],
      [{ body: JSON.stringify({}) }, 400, "invalid_body"],
      [{ body: JSON.stringify({ secret_key: "" }) }, 400, "invalid_body"],
      [{ body: JSON.stringify({ secret_key: "x".repeat(201) }) }, 400, "invalid_body"],
      [{ body: JSON.stringify({ secret_key: DEMO_SECRET_KEY, remember: true }) }, 400, "invalid_body"],
      [{ body: "{not json" }, 400, "bad_request"],
      [{ body: `secret_key=${DEMO_SECRET_KEY}`, headers: { "content-type": "application/x-www-form-urlencoded" } }, 400, "invalid_body"],
      [{ body: JSON.stringify({ secret_key: DEMO_SECRET_KEY }), headers: { "content-type": "application/json", origin: "https://evil.example" } }, 403, "cross_site_sign_in"],
      [{ body: JSON.stringify({ secret_key: DEMO_SECRET_KEY }), headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" } }, 403, "cross_site_sign_in"],
    ];
    const sessionsBefore = await env.DB.prepare(`SELECT COUNT(*) AS n FROM dashboard_sessions`).first<{ n: number }>();
    for (const [init, status, code] of attempts) {
      const res = await request("/v1/session", { method: "POST", headers: { "content-type": "application/json" }, ...init });
      expect(res.status, String(init.body)).toBe(status);
      expect(((await res.json()) as any).error.code, String(init.body)).toBe(code);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const sessionsAfter = await env.DB.prepare(`SELECT COUNT(*) AS n FROM dashboard_sessions`).first<{ n: number }>();
    expect(sessionsAfter!.n).toBe(sessionsBefore!.n);
  });

  it("the dashboard page is served at /dashboard and every path under it, under the script-page CSP", async () => {
    for (const path of ["/dashboard", "/dashboard/", "/dashboard/customers/ada", "/dashboard/triggers"]) {
      const res = await request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self' 'nonce-");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const page = await res.text();
      expect(page).toContain('<script type="module" src="/dashboard/app.js"></script>');
      expect(page).not.toContain("sk_");
    }
  });
});
