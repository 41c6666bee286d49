// Recommended products in a message: asked of a provider (the CustomerDO's, over the recommendations core), never waited on long.
import type { TemplateName } from "../triggers/definitions.ts";

/** A product as a message shows it (the catalog's card fields; all but the id optional). */
export interface ProductSummary {
  product_id: string;
  variant?: string | null;
  name?: string | null;
  price?: number | null;
  currency?: string | null;
  category?: string | null;
  brand?: string | null;
  url?: string | null;
  image_url?: string | null;
}

export interface RecommendationRequest {
  workspaceId: string;
  profileKey: string;
  template: TemplateName;
  /** The products the message is about (cart lines, the viewed or ordered products), as seeds. */
  productIds: string[];
  limit: number;
}

/**
 * Supplies recommended products for a message: the CustomerDO's `recommendForMessage` (complements
 * of the message's products from the KV lists, else what the customer's session suggests). An
 * empty list when the lists know nothing yet.
 */
export type RecommendationsProvider = (request: RecommendationRequest) => Promise<ProductSummary[]>;

export const RECOMMENDED_PER_MESSAGE = 4;
/** A slow provider must not hold a message back: past this, the message goes without recommendations. */
export const RECOMMENDATIONS_TIMEOUT_MS = 250;

export async function recommendedProducts(
  provider: RecommendationsProvider | undefined,
  request: RecommendationRequest,
  timeoutMs = RECOMMENDATIONS_TIMEOUT_MS,
): Promise<ProductSummary[]> {
  if (!provider) return [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<ProductSummary[]>((resolve) => {
      timer = setTimeout(() => resolve([]), timeoutMs);
    });
    const products = await Promise.race([provider(request), timeout]);
    return products.filter((p) => typeof p?.product_id === "string").slice(0, request.limit);
  } catch (error) {
    console.warn("recommendations provider failed; sending without", error);
    return [];
  } finally {
    clearTimeout(timer);
  }
}
