// CORS for the routes a browser calls with the write key, and for nothing else.
import { createMiddleware } from "hono/factory";
import type { BrowserEnv } from "./auth.ts";
import { INGEST_PATHS } from "./routes/ingest-paths.ts";

/** Visitor reads: the SDK and the widget call them with `?writeKey=` (plain GETs, no preflight). */
const VISITOR_READS = ["/v1/profile", "/v1/cart", "/v1/recs"];
/** Ingest may set the first-party id cookie (workspace setting `firstPartyCookie`); reads never do. */
const COOKIE_PATHS = new Set(INGEST_PATHS.map((p) => `/v1${p}`));
const BROWSER_PATHS = new Set([...COOKIE_PATHS, ...VISITOR_READS]);
const PREFLIGHT_MAX_AGE_S = 86_400;

/**
 * A response carries `Access-Control-Allow-Origin` only when a browser route was called with a
 * known write key from one of that workspace's allowed origins (auth sets `browserWorkspace`): a
 * refused key or origin, a secret-key call and every other route get none, so no other site can
 * read them. Errors of an accepted caller (a 400, a 429 and its Retry-After) stay readable, or the
 * SDK would take them for network failures and retry forever. `Allow-Credentials` only where the
 * workspace uses its cookie. The preflight carries no key, so it cannot know the workspace: it
 * grants the shape of the request only, and the actual response decides.
 */
export const browserCors = createMiddleware<BrowserEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  const browserRoute = BROWSER_PATHS.has(c.req.path);
  if (c.req.method === "OPTIONS" && browserRoute && origin) {
    const headers: Record<string, string> = {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "Content-Type, Authorization",
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
      vary: "Origin",
    };
    if (COOKIE_PATHS.has(c.req.path)) headers["access-control-allow-credentials"] = "true";
    return c.body(null, 204, headers);
  }
  await next();
  const workspace = c.get("browserWorkspace");
  if (!origin || !browserRoute || !workspace) return;
  c.res.headers.set("access-control-allow-origin", origin);
  c.res.headers.append("vary", "Origin");
  c.res.headers.set("access-control-expose-headers", "Retry-After");
  if (COOKIE_PATHS.has(c.req.path) && workspace.settings.firstPartyCookie) c.res.headers.set("access-control-allow-credentials", "true");
});
