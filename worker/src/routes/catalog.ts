// Catalog admin (secret key): upsert products one by one or in bulk, read a product back.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import * as z from "zod/mini";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { MAX_PRODUCTS_PER_UPSERT, productFromInput, productInputSchema, type Product } from "../catalog/product.ts";
import { afterResponse } from "../background.ts";
import { importProducts, productById } from "../stores/catalog.ts";
import { badRequest, notFound } from "../errors.ts";
import { fanOutCatalogChange } from "../stores/product-interest.ts";
import { jsonBody } from "../validation.ts";

const upsertBody = z.union([
  z.object({ products: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_PRODUCTS_PER_UPSERT)) }),
  z.looseObject({ product_id: z.unknown() }),
]);

interface RowResult {
  index: number;
  product_id: string | null;
  status: "upserted" | "rejected";
  reason?: string;
}

export const catalogRoutes = new Hono<WorkspaceEnv>()
  .use(secretKeyAuth)
  /**
   * Upserts one product or `{ products: [...] }` (up to 1,000). Like ingest, a bulk request
   * answers per row: valid rows are written, invalid ones are reported with a reason.
   */
  .post("/products", doc("Catalog", "secret key", "Upsert one product or up to 1,000 (per-row results)"), jsonBody(upsertBody), async (c) => {
    const body = c.req.valid("json");
    const rows = "products" in body && Array.isArray(body.products) ? body.products : [body];
    const results: RowResult[] = [];
    const products: Product[] = [];
    rows.forEach((row, index) => {
      const parsed = productInputSchema.safeParse(row);
      const id = (row as { product_id?: unknown } | null)?.product_id;
      const productId = typeof id === "string" || typeof id === "number" ? String(id) : null;
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        results.push({ index, product_id: productId, status: "rejected", reason: `${issue.path.join(".") || "product"}: ${issue.message}` });
        return;
      }
      products.push(productFromInput(parsed.data));
      results.push({ index, product_id: productId, status: "upserted" });
    });
    const rejected = results.filter((r) => r.status === "rejected");
    if (products.length === 0)
      throw badRequest("invalid_products", "no product in the request is valid", { results: rejected });

    const now = Date.now();
    const workspaceId = c.var.workspace.id;
    // Cards and newest lists are published before the answer (a new store's strips show its
    // newest products until the cron has aggregates), not left to waitUntil.
    const { changes, arrivals, cards } = await importProducts(c.env, workspaceId, products, now);
    // Price drops and restocks reach the customers who viewed or carted the product, new arrivals
    // those who favour the category (their objects decide, under caps and consent), after the response.
    const card = new Map(cards.map((k) => [k.product_id, k]));
    for (const change of changes)
      afterResponse(c.executionCtx, "catalog change fan-out", fanOutCatalogChange(c.env, workspaceId, { ...change, product: { ...card.get(change.product_id) } }, now));
    for (const arrival of arrivals) afterResponse(c.executionCtx, "new arrivals fan-out", fanOutCatalogChange(c.env, workspaceId, arrival, now));
    return c.json({ upserted: products.length, rejected: rejected.length, results: rejected, changes });
  })
  .get("/products/:id", doc("Catalog", "secret key", "A product and its variants"), async (c) => {
    const variants = await productById(c.env.DB, c.var.workspace.id, c.req.param("id"));
    if (variants.length === 0) throw notFound(`no product ${c.req.param("id")} in the catalog`);
    return c.json({ product_id: c.req.param("id"), variants });
  });
