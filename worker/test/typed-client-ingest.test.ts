// The typed client (`hc<AppType>`) knows the ingest routes and their answer, so a store's TypeScript backend gets checked calls.
import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import type { AppType } from "../src/app.ts";
import { INGEST_PATHS } from "../src/routes/ingest-paths.ts";
import { ingestRoutes } from "../src/routes/ingest.ts";
import { BASE, DEMO_SECRET_KEY, trackEvent, uid } from "./helpers.ts";

const client = hc<AppType>(BASE, { fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)) });
const headers = { "content-type": "application/json", authorization: `Bearer ${DEMO_SECRET_KEY}` };

describe("hc<AppType>", () => {
  it("posts a batch, a single event and an analytics.js alias, and reads their typed answers", async () => {
    const id = uid();
    const batch = await client.v1.batch.$post(undefined, { headers, init: { body: JSON.stringify({ batch: [trackEvent(id, "Product Viewed", { product_id: "a" })] }) } });
    const answer = await batch.json();
    expect(batch.status).toBe(200);
    // `accepted` and `results` are typed (IngestResponse): a misspelt field is a compile error here.
    expect(answer.accepted).toBe(1);
    expect(answer.results[0]?.status).toBe("accepted");

    const track = await client.v1.track.$post(undefined, { headers, init: { body: JSON.stringify(trackEvent(id, "Product Added", { product_id: "a" })) } });
    expect((await track.json()).accepted).toBe(1);
    const short = await client.v1.t.$post(undefined, { headers, init: { body: JSON.stringify(trackEvent(id, "Cart Viewed")) } });
    expect((await short.json()).accepted).toBe(1);
  });

  it("has every ingest path CORS knows of, and no other", () => {
    // Each path is routed twice: its doc middleware, then its handler.
    expect([...new Set(ingestRoutes.routes.map((r) => r.path))].sort()).toEqual([...INGEST_PATHS].sort());
  });
});
