// GET /v1/recs: recommendations for a visitor (or an item), computed by the customer's object from KV lists.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import * as z from "zod/mini";
import { writeKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { customerStub } from "../customer/routing.ts";
import { badRequest } from "../errors.ts";
import { kvLookups } from "../stores/recs-lookups.ts";
import { DEFAULT_LIMIT, MAX_LIMIT, serveRecommendations } from "../recs/serve.ts";
import { REC_TYPES, type RecType, type RecsResponse } from "../schemas.ts";
import { queryParams } from "../validation.ts";
import { idParam, namesVisitor, visitorProfileKey, visitorQuery } from "../visitor.ts";

const recsQuery = z.extend(visitorQuery, {
  type: z.enum(REC_TYPES),
  item: z.optional(idParam),
  category: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d+$/, "a whole number")),
      z.transform(Number),
    ).check(z.refine((n) => n >= 1 && n <= MAX_LIMIT, `1 to ${MAX_LIMIT}`)),
  ),
});

/** Types that need to know who is asking, and types that need an anchor item. */
const PERSONAL: readonly RecType[] = ["for_you", "recently_viewed", "cart"];
const ANCHORED: readonly RecType[] = ["similar", "bought_together"];

/** An id for this answer: impressions and clicks that carry it (`rec_id`) are attributed to it. */
function recId(): string {
  return `r_${Date.now().toString(36)}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

export const recsRoutes = new Hono<WorkspaceEnv>().get("/recs", doc("Visitor", "write key", "Recommendations: for_you, similar, bought_together, trending, recently_viewed, cart"), writeKeyAuth, queryParams(recsQuery), async (c) => {
  const query = c.req.valid("query");
  if (ANCHORED.includes(query.type) && !query.item) throw badRequest("invalid_query", `type=${query.type} needs item`);
  const recs = { type: query.type, limit: query.limit ?? DEFAULT_LIMIT, ...(query.item && { item: query.item }), ...(query.category && { category: query.category }) };
  const workspaceId = c.var.workspace.id;
  let result;
  if (namesVisitor(query)) {
    const profileKey = await visitorProfileKey(c, query);
    result = await customerStub(c.env, workspaceId, profileKey).recommend(recs, workspaceId);
  } else {
    if (PERSONAL.includes(query.type)) throw badRequest("invalid_query", `type=${query.type} needs anonymousId, or userId with userHash`);
    // Not about anyone: no customer object to ask.
    const nobody = { clicks: [], cart: [], purchased: [], recentlyViewed: [], lastCategory: null };
    result = await serveRecommendations(recs, nobody, kvLookups(c.env.RECS_KV, workspaceId));
  }
  const answer: RecsResponse = { recId: recId(), type: query.type, fallback: result.fallback, items: result.items };
  return c.json(answer);
});
