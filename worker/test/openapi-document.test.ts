// The OpenAPI document describes every route the app serves, with the schemas the routes validate with.
import { describe, expect, it } from "vitest";
import { app } from "../src/app.ts";
import { request } from "./helpers.ts";

/** `/v1/customers/:id` → `/v1/customers/{id}`, as OpenAPI writes a path. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

describe("GET /openapi.json", () => {
  it("lists every route of the app, each with a summary, a tag and its security", async () => {
    const res = await request("/openapi.json");
    expect(res.status).toBe(200);
    const spec = (await res.json()) as any;
    expect(spec.openapi).toMatch(/^3\.1/);
    const routes = app.routes.filter((r) => r.method !== "ALL" && r.method !== "OPTIONS" && !r.path.includes("*") && r.path !== "/openapi.json" && r.path !== "/docs" && !r.path.startsWith("/demo") && !r.path.startsWith("/dashboard"));
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.filter((r) => !spec.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    for (const r of routes) {
      const operation = spec.paths[openApiPath(r.path)][r.method.toLowerCase()];
      expect(operation.summary, `${r.method} ${r.path}`).toBeTruthy();
      expect(operation.tags?.length, `${r.method} ${r.path}`).toBe(1);
      expect(Array.isArray(operation.security), `${r.method} ${r.path}`).toBe(true);
    }
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(["dashboardSession", "operatorToken", "secretKey", "writeKeyBasic", "writeKeyQuery"]);
  });

  it("documents bodies and parameters from the routes' own zod schemas", async () => {
    const spec = (await (await request("/openapi.json")).json()) as any;
    const batch = spec.paths["/v1/batch"].post.requestBody.content["application/json"].schema;
    expect(JSON.stringify(batch)).toContain("batch");
    const policy = spec.paths["/v1/admin/messaging"].put.requestBody.content["application/json"].schema;
    expect(JSON.stringify(policy)).toContain("quiet_hours");
    const recs = spec.paths["/v1/recs"].get.parameters.map((p: any) => p.name);
    expect(recs).toEqual(expect.arrayContaining(["type", "item", "limit", "anonymousId"]));
  });
});
