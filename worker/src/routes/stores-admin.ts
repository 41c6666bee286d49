// Workspace admin for near-store offers (secret key): the store locations, and coupon pools.
import { Hono } from "hono";
import * as z from "zod/mini";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { ApiError, badRequest } from "../errors.ts";
import { STORE_LIMITS } from "../geo/near-store.ts";
import { doc } from "../openapi.ts";
import { addCouponCodes, COUPON_LIMITS, couponPool, listStores, putStores } from "../stores/store-locations.ts";
import { COUPON_POOL_PATTERN, TRIGGER_ID_PATTERN } from "../triggers/definitions.ts";
import { jsonBody } from "../validation.ts";

const degrees = (max: number) => z.number().check(z.minimum(-max), z.maximum(max));

const storesBody = z.strictObject({
  stores: z
    .array(
      z.strictObject({
        // Store ids follow trigger ids' rule: they appear in run ids and reports.
        id: z.string().check(z.regex(TRIGGER_ID_PATTERN, "1-63 lower-case letters, digits, - and _")),
        name: z.string().check(z.minLength(1), z.maxLength(200)),
        lat: degrees(90),
        lon: degrees(180),
        radius_km: z.number().check(z.minimum(STORE_LIMITS.minRadiusKm), z.maximum(STORE_LIMITS.maxRadiusKm)),
      }),
    )
    .check(
      z.maxLength(STORE_LIMITS.storesPerWorkspace),
      z.refine((stores) => new Set(stores.map((s) => s.id)).size === stores.length, "store ids must not repeat"),
    ),
});

const couponCodesBody = z.strictObject({
  codes: z
    .array(z.string().check(z.regex(/^[\x21-\x7e]{1,64}$/, "printable characters without spaces, up to 64")))
    .check(z.minLength(1), z.maxLength(COUPON_LIMITS.codesPerRequest)),
});

function poolParam(pool: string): string {
  if (!COUPON_POOL_PATTERN.test(pool)) throw badRequest("invalid_pool", "a coupon pool id is 1-63 lower-case letters, digits, - and _");
  return pool;
}

export const storesAdminRoutes = new Hono<WorkspaceEnv>()
  .use("/stores", secretKeyAuth)
  .use("/coupons/*", secretKeyAuth)
  .get("/stores", doc("Near-store offers", "secret key", "The workspace's stores"), async (c) => c.json({ stores: await listStores(c.env.DB, c.var.workspace.id) }))
  /** Replaces the stores (a visitor within one's radius gets `near_store` and the near_store_offer trigger). */
  .put("/stores", doc("Near-store offers", "secret key", "Replace the workspace's stores: id, name, lat, lon, radius_km"), jsonBody(storesBody), async (c) =>
    c.json({ stores: await putStores(c.env, c.var.workspace.id, c.req.valid("json").stores, Date.now()) }),
  )
  .get("/coupons/:pool", doc("Near-store offers", "secret key", "A coupon pool's size and free codes"), async (c) =>
    c.json(await couponPool(c.env.DB, c.var.workspace.id, poolParam(c.req.param("pool")))),
  )
  /** Adds codes to a pool (codes already in it are kept as they are); each code goes to one message. */
  .put("/coupons/:pool", doc("Near-store offers", "secret key", "Add codes to a coupon pool (each is sent once)"), jsonBody(couponCodesBody), async (c) => {
    const pool = poolParam(c.req.param("pool"));
    const { codes } = c.req.valid("json");
    const before = await couponPool(c.env.DB, c.var.workspace.id, pool);
    if (before.total + codes.length > COUPON_LIMITS.codesPerPool)
      throw new ApiError(409, "pool_full", `a coupon pool holds at most ${COUPON_LIMITS.codesPerPool} codes`);
    const added = await addCouponCodes(c.env.DB, c.var.workspace.id, pool, codes, Date.now());
    return c.json({ ...(await couponPool(c.env.DB, c.var.workspace.id, pool)), added });
  });
