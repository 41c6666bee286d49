// The Hono root: CORS, the one error shape, and each area's routes.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { BrowserEnv } from "./auth.ts";
import { browserCors } from "./cors.ts";
import { apiReferencePage, doc, openApiDocument } from "./openapi.ts";
import { apiSecurityHeaders, scriptPageSecurityHeaders } from "./security-headers.ts";
import { ApiError } from "./errors.ts";
import { adminRoutes } from "./routes/admin.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import { customerRoutes } from "./routes/customers.ts";
import { dashboardPageRoutes, dashboardSessionRoutes } from "./routes/dashboard.ts";
import { demoRoutes } from "./routes/demo.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { messageRoutes } from "./routes/messages.ts";
import { messagingAdminRoutes } from "./routes/messaging-admin.ts";
import { recsRoutes } from "./routes/recs.ts";
import { reportRoutes } from "./routes/reports.ts";
import { storesAdminRoutes } from "./routes/stores-admin.ts";
import { segmentRoutes } from "./routes/segments.ts";
import { trackingRoutes } from "./routes/tracking.ts";
import type { ErrorBody } from "./schemas.ts";

export const app = new Hono<BrowserEnv>()
  .use(apiSecurityHeaders)
  .use("/v1/*", browserCors)
  .get("/", doc("Meta", "none", "Service name and health"), (c) => c.json({ name: "seam", ok: true }))
  // A route that does nothing: the baseline for `npm run bench:ingest`.
  .get("/v1/ping", doc("Meta", "none", "Does nothing (the benchmarks' baseline)"), (c) => c.json({ ok: true }))
  .route("/v1", ingestRoutes)
  .route("/v1", customerRoutes)
  .route("/v1/catalog", catalogRoutes)
  .route("/v1", recsRoutes)
  .route("/v1", messageRoutes)
  .route("/v1", trackingRoutes)
  // Before messaging admin: its `use(secretKeyAuth)` covers /v1/admin/*, and would check the key twice.
  .route("/v1/admin", storesAdminRoutes)
  .route("/v1/admin", messagingAdminRoutes)
  .route("/v1/reports", reportRoutes)
  .route("/v1/segments", segmentRoutes)
  .route("/v1", dashboardSessionRoutes)
  .route("/admin", adminRoutes)
  .route("/demo", demoRoutes)
  .route("/dashboard", dashboardPageRoutes);

/** The OpenAPI 3.1 document of every route above, generated from their schemas, and its reference page. */
app.get("/openapi.json", async (c) => c.json(await openApiDocument(app)));
app.get("/docs", scriptPageSecurityHeaders, apiReferencePage);

app.notFound((c) =>
  c.json<ErrorBody>({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
);

app.onError((err, c) => {
  if (err instanceof ApiError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return c.json(body, err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    // Hono's own (e.g. a validator that rejects a content type) carry a status and message.
    return c.json<ErrorBody>({ error: { code: "bad_request", message: err.message } }, err.status);
  }
  // The route's pattern, never the path: a path holds tokens and customer ids (often emails).
  console.error("unhandled error", c.req.method, c.req.routePath, err);
  return c.json<ErrorBody>({ error: { code: "internal", message: "internal error" } }, 500);
});

export type AppType = typeof app;
