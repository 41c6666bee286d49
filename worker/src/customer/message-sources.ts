// What a message needs from outside the customer's own tables: the catalog's current cards and
// recommended products, both read from KV (through the isolate cache), never D1.
import type { ProductCard } from "../catalog/product.ts";
import type { Env } from "../env.ts";
import type { ProductSummary, RecommendationRequest } from "../messages/recommendations.ts";
import { serveRecommendations } from "../recs/serve.ts";
import { kvLookups } from "../stores/recs-lookups.ts";
import type { ComposerDeps } from "./message-composer.ts";
import type { CustomerReads } from "./store-reads.ts";

/**
 * Recommended products for a message's payload: complements of the products the message is about
 * (the cart, the viewed or ordered products), else what the customer's session suggests.
 */
export async function recommendForMessage(kv: KVNamespace, reads: CustomerReads, request: RecommendationRequest): Promise<ProductSummary[]> {
  const ctx = reads.recommendationContext();
  const seeded = request.productIds.length > 0;
  const result = await serveRecommendations(
    { type: seeded ? "cart" : "for_you", limit: request.limit },
    seeded ? { ...ctx, cart: [...new Set([...ctx.cart, ...request.productIds])] } : ctx,
    kvLookups(kv, request.workspaceId),
  );
  return result.items.map(({ score: _score, in_stock: _inStock, ...card }) => card);
}

/** The catalog's current cards of the products a message shows; missing ones are left out. */
export async function catalogCards(kv: KVNamespace, workspaceId: string, productIds: readonly string[]): Promise<Map<string, ProductCard>> {
  const lookups = kvLookups(kv, workspaceId);
  const cards = new Map<string, ProductCard>();
  await Promise.all(
    [...new Set(productIds)].map(async (id) => {
      const card = await lookups.card(id);
      if (card) cards.set(id, card);
    }),
  );
  return cards;
}

/** The composer's reads for one customer's object: the catalog's cards and recommendations, from KV. */
export function kvComposerDeps(env: Pick<Env, "RECS_KV" | "LINK_SECRET" | "TRACKING_BASE_URL">, reads: CustomerReads): ComposerDeps {
  return {
    cards: (workspaceId, productIds) => catalogCards(env.RECS_KV, workspaceId, productIds),
    recommend: (request) => recommendForMessage(env.RECS_KV, reads, request),
    tracking: { secret: env.LINK_SECRET, baseUrl: env.TRACKING_BASE_URL },
  };
}
