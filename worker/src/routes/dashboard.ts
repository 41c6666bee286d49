// The marketer's dashboard: its HTML shell at /dashboard (the Preact app itself is a static asset,
// /dashboard/app.js, built from dashboard/), and the session API it signs in with at /v1/session.
import { Hono, type Context } from "hono";
import { html } from "hono/html";
import * as z from "zod/mini";
import { sha256Hex } from "../crypto.ts";
import { csrfTokenValid, endSession, openSession, readSession, type DashboardSession } from "../dashboard/sessions.ts";
import type { AppEnv } from "../env.ts";
import { forbidden, unauthorized } from "../errors.ts";
import { doc } from "../openapi.ts";
import { enforceSignInLimit, recordFailedSignIn } from "../rate-limit/limit.ts";
import { dashboardPageSecurityHeaders } from "../security-headers.ts";
import { jsonBody } from "../validation.ts";
import { workspaceBySecretKey } from "../stores/workspaces.ts";

/** Longer than any key Seam issues (`sk_` and 32 characters); a longer one is refused before hashing. */
const MAX_SECRET_KEY_LENGTH = 200;

const signInBody = z.strictObject({
  secret_key: z.string().check(z.minLength(1, "the workspace's secret key"), z.maxLength(MAX_SECRET_KEY_LENGTH)),
});

function sessionView(session: DashboardSession) {
  return {
    // The write key is public (every store page carries it); the dashboard reads /v1/recs with it.
    workspace: { id: session.workspace.id, name: session.workspace.name, write_key: session.workspace.writeKey },
    expires_at: new Date(session.expiresAt).toISOString(),
    csrf_token: session.csrfToken,
  };
}

/**
 * Sign-in is refused from another site (login CSRF: a page elsewhere signing the browser into the
 * attacker's workspace). Browsers send Sec-Fetch-Site, and Origin on every POST; tools send neither.
 */
function fromThisSite(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = c.req.header("origin");
  return !origin || origin === new URL(c.req.url).origin;
}

export const dashboardSessionRoutes = new Hono<AppEnv>()
  /** Exchanges the workspace's secret key for a session cookie; the key is not kept by the page. */
  .post("/session", doc("Dashboard", "none", "Sign in to the dashboard: the secret key for a session cookie"), jsonBody(signInBody), async (c) => {
    if (!fromThisSite(c)) throw forbidden("cross_site_sign_in", "sign-in is only accepted from the dashboard's own origin");
    const key = c.req.valid("json").secret_key;
    const ip = c.req.header("cf-connecting-ip");
    await enforceSignInLimit(c.env, ip);
    const workspace = await workspaceBySecretKey(c.env, key);
    if (!workspace) {
      await recordFailedSignIn(c.env, ip);
      throw unauthorized("unknown secret key");
    }
    const session = await openSession(c, workspace, await sha256Hex(key), Date.now());
    return c.json({ signed_in: true, ...sessionView(session) }, 201);
  })
  /**
   * The session the cookie names (the workspace, when it ends, the CSRF token for changes), or
   * `signed_in: false`: "nobody" is an answer here, not an error, so a signed-out page load logs none.
   */
  .get("/session", doc("Dashboard", "session", "The dashboard session: workspace, expiry, CSRF token (or signed_in: false)"), async (c) => {
    const session = await readSession(c, Date.now());
    return c.json(session ? { signed_in: true, ...sessionView(session) } : { signed_in: false });
  })
  /** Signs out: the session ends on the server (a copied cookie stops working too) and the cookie is cleared. */
  .delete("/session", doc("Dashboard", "session", "Sign out of the dashboard"), async (c) => {
    const session = await readSession(c, Date.now());
    if (session && !csrfTokenValid(c, session))
      throw forbidden("csrf_token_required", "signing out needs the session's CSRF token in the x-seam-csrf header");
    await endSession(c, session);
    return c.json({ signed_out: session !== null });
  });

/** The one HTML page; every path under /dashboard is the app's own route, drawn by the app. */
function dashboardShell(c: Context) {
  c.header("cache-control", "no-cache");
  return c.html(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Seam</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script type="module" src="/dashboard/app.js"></script>
</head>
<body>
<div id="app"><p class="boot" role="status">Loading Seam…</p></div>
</body>
</html>`);
}

export const dashboardPageRoutes = new Hono<AppEnv>()
  .use(dashboardPageSecurityHeaders)
  .get("/", dashboardShell)
  .get("/*", dashboardShell);
