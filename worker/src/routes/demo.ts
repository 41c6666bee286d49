// The demo store at /demo: pages, product images and the store's own tiny backend (sign-in that
// computes the userHash server-side, product details for the cart). It exists only where the
// `demo` workspace does (seeded locally by `npm run dev`; never on a deployment).
import { Hono, type Context } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { hmacSha256Hex, sha256Hex } from "../crypto.ts";
import { importProducts } from "../stores/catalog.ts";
import { productFromInput, productInputSchema } from "../catalog/product.ts";
import { catalogRow, DEMO_PRODUCTS, DEMO_WORKSPACE_ID, demoCategory, demoProduct } from "../demo/catalog.ts";
import { productSvg } from "../demo/images.ts";
import type { PageContext } from "../demo/layout.ts";
import { accountPage, cartPage, categoryPage, checkoutPage, homePage, productPage } from "../demo/pages.ts";
import { notFound } from "../errors.ts";
import { scriptPageSecurityHeaders } from "../security-headers.ts";
import { jsonBody, queryParams } from "../validation.ts";
import { workspaceById } from "../stores/workspaces.ts";

/** Pages are rendered per request (they name this origin); images never change for an id. */
const PAGE_CACHE = "no-cache";
const IMAGE_CACHE = "public, max-age=86400, immutable";

/** The origins this isolate already put the demo catalog in Seam for (cards carry absolute urls). */
const seeded = new Map<string, Promise<void>>();

/**
 * Puts the demo catalog into Seam's catalog through the same code as `POST /v1/catalog/products`,
 * once per isolate and origin; again when the stored cards point at another origin (the worker
 * was started on another port), so the widget's cards link back to this one.
 */
async function seedDemoCatalog(env: AppEnv["Bindings"], origin: string): Promise<void> {
  const first = DEMO_PRODUCTS[0]!;
  const card = await env.RECS_KV.get<{ url: string | null }>(`card:${DEMO_WORKSPACE_ID}:${first.id}`, "json");
  if (card?.url === catalogRow(first, origin).url) return;
  const products = DEMO_PRODUCTS.map((p) => productFromInput(productInputSchema.parse(catalogRow(p, origin))));
  await importProducts(env, DEMO_WORKSPACE_ID, products, Date.now());
}

async function pageContext(c: Context<AppEnv>): Promise<PageContext> {
  // 404 (JSON, as every unknown route) where the demo workspace does not exist.
  const workspace = await workspaceById(c.env, DEMO_WORKSPACE_ID);
  const origin = new URL(c.req.url).origin;
  let seeding = seeded.get(origin);
  if (!seeding) {
    seeding = seedDemoCatalog(c.env, origin);
    seeded.set(origin, seeding);
    // A failed seed is tried again by the next page view.
    seeding.catch(() => seeded.delete(origin));
  }
  await seeding;
  return { origin, writeKey: workspace.writeKey, nonce: c.get("secureHeadersNonce") ?? "" };
}

const signInBody = z.object({ email: z.email({ error: "a valid email address" }) });
const productsQuery = z.object({ ids: z.string().check(z.maxLength(4096)) });

export const demoRoutes = new Hono<AppEnv>()
  .use(scriptPageSecurityHeaders)
  .use(async (c, next) => {
    await next();
    if (c.res.headers.get("content-type")?.startsWith("text/html")) c.res.headers.set("cache-control", PAGE_CACHE);
  })
  .get("/", async (c) => c.html(homePage(await pageContext(c))))
  .get("/c/:slug", async (c) => {
    const category = demoCategory(c.req.param("slug"));
    if (!category) throw notFound(`no category ${c.req.param("slug")} in the demo store`);
    return c.html(categoryPage(await pageContext(c), category, c.req.query("collection")));
  })
  .get("/p/:id", async (c) => {
    const product = demoProduct(c.req.param("id"));
    if (!product) throw notFound(`no product ${c.req.param("id")} in the demo store`);
    return c.html(productPage(await pageContext(c), product));
  })
  .get("/cart", async (c) => c.html(cartPage(await pageContext(c))))
  .get("/account", async (c) => c.html(accountPage(await pageContext(c))))
  .get("/checkout", async (c) => c.html(checkoutPage(await pageContext(c))))
  .get("/img/:file{[a-z0-9-]+\\.svg}", (c) => {
    const product = demoProduct(c.req.param("file").slice(0, -4));
    if (!product) throw notFound(`no image ${c.req.param("file")} in the demo store`);
    return c.body(productSvg(product), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": IMAGE_CACHE });
  })
  /**
   * The store's backend at sign-in: the userHash is computed here, with the workspace's identity
   * secret, and never in the page. (A real store would check the password first.)
   */
  .post("/api/sign-in", jsonBody(signInBody), async (c) => {
    const { email } = c.req.valid("json");
    const workspace = await workspaceById(c.env, DEMO_WORKSPACE_ID);
    // The store's own customer id for this email: stable, and not the email itself.
    const userId = `customer-${(await sha256Hex(email.trim().toLowerCase())).slice(0, 16)}`;
    return c.json({ userId, userHash: await hmacSha256Hex(workspace.identitySecret, userId), email });
  })
  /** Names, images and prices for the cart page's lines (the store's catalog, not Seam's). */
  .get("/api/products", queryParams(productsQuery), (c) => {
    const ids = c.req.valid("query").ids.split(",").slice(0, 100);
    const products = ids.flatMap((id) => {
      const p = demoProduct(id);
      return p ? [{ product_id: p.id, name: p.name, price: p.price, colour: p.colour, collection: p.collection.name, image_url: `/demo/img/${p.id}.svg`, url: `/demo/p/${p.id}` }] : [];
    });
    return c.json({ products });
  });
