// GET /v1/recs: recommendations for a visitor (or an item), computed by the customer's object from KV lists.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import * as z from "zod/mini";
import { writeKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { customerStub } from "../customer/routing.ts";
import { badRequest } from "../errors.ts";
import { kvLookups } from "../stores/recs-lookups.ts";
import { DEFAULT_LIMIT, MAX_LIMIT, serveRecommendations, type RecsQuery, type RecsResult } from "../recs/serve.ts";
import { batchRecsListSchema, recsListFields, type ErrorBody, type RecType, type RecsResponse } from "../schemas.ts";
import { queryParams } from "../validation.ts";
import { namesVisitor, visitorProfileKey, visitorQuery } from "../visitor.ts";

const recsQuery = z.extend(visitorQuery, {
  ...recsListFields,
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

type ListFields = { type: RecType; item?: string; category?: string; limit?: number };

/** Why a list cannot be answered: a type that needs an anchor item has none. */
function missingAnchor(list: ListFields): string | undefined {
  return ANCHORED.includes(list.type) && !list.item ? `type=${list.type} needs item` : undefined;
}

/** The query the recommender takes. */
function listQuery(list: ListFields): RecsQuery {
  return { type: list.type, limit: list.limit ?? DEFAULT_LIMIT, ...(list.item && { item: list.item }), ...(list.category && { category: list.category }) };
}

/** One list of a batch's `recs`: its query, or the error that list is answered with. */
export function batchRecsList(list: unknown): RecsQuery | ErrorBody {
  const parsed = batchRecsListSchema.safeParse(list);
  if (!parsed.success) return { error: { code: "invalid_recs", message: `a recommendation list is {type, item?, category?, limit?: 1 to ${MAX_LIMIT}}` } };
  const missing = missingAnchor(parsed.data);
  return missing ? { error: { code: "invalid_query", message: missing } } : listQuery(parsed.data);
}

export function recsAnswer(type: RecType, result: RecsResult): RecsResponse {
  return { recId: recId(), type, fallback: result.fallback, items: result.items };
}

export const recsRoutes = new Hono<WorkspaceEnv>().get("/recs", doc("Visitor", "write key", "Recommendations: for_you, similar, bought_together, trending, recently_viewed, cart"), writeKeyAuth, queryParams(recsQuery), async (c) => {
  const query = c.req.valid("query");
  const missing = missingAnchor(query);
  if (missing) throw badRequest("invalid_query", missing);
  const recs = listQuery(query);
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
  return c.json(recsAnswer(query.type, result));
});
