// Triggers a catalog change starts for one customer: a price drop or a restock of a product they
// wanted, and new products in the category they favour.
import { DAY_MS, type TriggerDefinition } from "./definitions.ts";
import { coolingDown, runIdOf, startAction, type RunLookup, type TriggerAction } from "./evaluate.ts";
import { favouriteCategory, sameCategory, type CategoryActivity } from "./favourite-category.ts";

/** A catalog change as the catalog side reports it (and `POST /v1/admin/catalog-changes` takes). */
export interface CatalogChange {
  product_id: string;
  variant?: string;
  kind: "price_drop" | "back_in_stock";
  old_price?: number | null;
  new_price?: number | null;
  /** Optional product card for the message (name, url, image…), when the catalog has one. */
  product?: Record<string, unknown>;
}

/** What this customer's own state says about their interest in one product. */
export interface ProductInterest {
  /** Last view, or null. */
  viewedAt: number | null;
  inCart: boolean;
  /** Last order containing the product, or null. */
  boughtAt: number | null;
}

export function priceDropPercent(change: CatalogChange): number | null {
  const { old_price: before, new_price: after } = change;
  if (typeof before !== "number" || typeof after !== "number" || before <= 0 || after >= before) return null;
  return ((before - after) / before) * 100;
}

/**
 * Plans the runs a catalog change starts for one customer. Only a customer still interested
 * gets one: the product is in their cart, or they viewed it within `interest_days` and did not
 * buy it since. One run per change (a price drop to a given price, a restock per day).
 */
export function planCatalogChange(
  change: CatalogChange,
  triggers: readonly TriggerDefinition[],
  interest: ProductInterest,
  runs: RunLookup,
  now: number,
): TriggerAction[] {
  const actions: TriggerAction[] = [];
  for (const trigger of triggers) {
    if (!trigger.enabled || trigger.template !== change.kind) continue;
    const recentView = interest.viewedAt !== null && now - interest.viewedAt <= trigger.interest_days * DAY_MS;
    const boughtSinceView = interest.boughtAt !== null && interest.boughtAt >= (interest.viewedAt ?? 0);
    if (!interest.inCart && (!recentView || boughtSinceView)) continue;
    if (change.kind === "price_drop") {
      const drop = priceDropPercent(change);
      if (drop === null || drop < trigger.min_drop_percent) continue;
    }
    const entryKey =
      change.kind === "price_drop" ? `${change.product_id}:${change.new_price}` : `${change.product_id}@${Math.floor(now / DAY_MS)}`;
    const runId = runIdOf(trigger.id, entryKey);
    if (runs.run(runId)) continue;
    if (runs.active(trigger.id).some((r) => r.productId === change.product_id)) continue;
    if (coolingDown(trigger, runs, now)) continue;
    actions.push(
      startAction(trigger, entryKey, now, change.product_id, {
        product_id: change.product_id,
        variant: change.variant ?? null,
        change: change.kind,
        old_price: change.old_price ?? null,
        new_price: change.new_price ?? null,
        ...(change.product ? { product: change.product } : {}),
      }),
    );
  }
  return actions;
}

/** Products new to the catalog in one category, as one catalog upsert added them. */
export interface NewArrivals {
  kind: "new_arrivals";
  category: string;
  product_ids: string[];
}

/** How many new products a message names at most (and a run remembers). */
export const MAX_ARRIVALS_PER_MESSAGE = 10;

/**
 * Plans the run new arrivals start for one customer: only when the category is their favourite
 * (from their own views and orders within `interest_days`, scoring at least `min_views`), and
 * only with the products they have not seen yet. Once per category a day.
 */
export function planNewArrivals(
  arrivals: NewArrivals,
  triggers: readonly TriggerDefinition[],
  customer: { activity(since: number): CategoryActivity[]; unseen(productIds: readonly string[]): string[] },
  runs: RunLookup,
  now: number,
): TriggerAction[] {
  const actions: TriggerAction[] = [];
  for (const trigger of triggers) {
    if (!trigger.enabled || trigger.template !== "new_in_favourite_category") continue;
    const favourite = favouriteCategory(customer.activity(now - trigger.interest_days * DAY_MS), trigger.min_views);
    if (favourite === null || !sameCategory(favourite, arrivals.category)) continue;
    const productIds = customer.unseen(arrivals.product_ids).slice(0, MAX_ARRIVALS_PER_MESSAGE);
    if (productIds.length === 0) continue;
    const entryKey = `${arrivals.category}@${Math.floor(now / DAY_MS)}`;
    const runId = runIdOf(trigger.id, entryKey);
    if (runs.run(runId) || coolingDown(trigger, runs, now)) continue;
    actions.push(startAction(trigger, entryKey, now, null, { category: arrivals.category, product_ids: productIds }));
  }
  return actions;
}
