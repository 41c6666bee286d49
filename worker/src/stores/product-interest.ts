// The product-interest index (who viewed, carted, bought what: kept per item by the recommendation
// shards, recs-shards/) and the catalog-change fan-out through it:
// a price drop or restock reaches the customers interested in the product, new arrivals those interested in the category.
import { customerStub } from "../customer/routing.ts";
import type { Env } from "../env.ts";
import { DAY_MS } from "../triggers/definitions.ts";
import type { CatalogChange, NewArrivals } from "../triggers/catalog-triggers.ts";
import { allShards, recsShard, recsShardCount, recsShardOf } from "../recs-shards/client.ts";
import { workspaceById } from "./workspaces.ts";
import { loadPublishedConfig } from "./published-config.ts";

/** Customers looked up per page of a fan-out, and customer objects called at once. */
export const FANOUT_PAGE_SIZE = 500;
export const FANOUT_CONCURRENCY = 16;
/** Catalog products of one category whose interest a new-arrivals fan-out reads. */
const CATEGORY_PRODUCTS_MAX = 10_000;

/**
 * Customers who viewed or carted a product since `since` and did not buy it after, in profile-key
 * order from `cursor`: the product's shard answers. A candidate list: each customer's object decides
 * with its own state.
 */
export async function interestedCustomers(env: Env, workspaceId: string, shards: number, productId: string, since: number, cursor: string, limit: number): Promise<string[]> {
  return recsShard(env, workspaceId, recsShardOf(productId, shards)).interested(productId, since, cursor, limit);
}

/**
 * Customers who viewed, carted or bought any product of a category since `since`, in profile-key
 * order from `cursor`: the category's products from the catalog, each shard asked about its own,
 * the pages merged. A candidate list: each customer's object decides whether the category is their favourite.
 */
export async function customersOfCategory(env: Env, workspaceId: string, shards: number, category: string, since: number, cursor: string, limit: number): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT DISTINCT product_id FROM catalog WHERE workspace_id = ? AND category = ? LIMIT ?`)
    .bind(workspaceId, category, CATEGORY_PRODUCTS_MAX)
    .all<{ product_id: string }>();
  const byShard = new Map<number, string[]>();
  for (const { product_id } of results) {
    const shard = recsShardOf(product_id, shards);
    byShard.set(shard, [...(byShard.get(shard) ?? []), product_id]);
  }
  const pages = await Promise.all([...byShard].map(([shard, items]) => recsShard(env, workspaceId, shard).activeCustomers(items, since, cursor, limit)));
  return [...new Set(pages.flat())].sort().slice(0, limit);
}

/** Privacy delete: the customers leave every shard's interest lists. */
export async function forgetProductInterest(env: Env, workspaceId: string, profileKeys: string[]): Promise<void> {
  if (profileKeys.length === 0) return;
  const shards = recsShardCount((await workspaceById(env, workspaceId)).settings);
  await Promise.all(allShards(env, workspaceId, shards).map((shard) => shard.forgetCustomers(profileKeys)));
}

export interface FanOutResult {
  /** Customers the index named. */
  candidates: number;
  /** Customers whose object scheduled a message. */
  scheduled: number;
  /** Where the next page starts, or null when the index is exhausted. */
  next_cursor: string | null;
}

/**
 * Fans a catalog change out: a price drop or restock to the customers interested in the product,
 * new arrivals to those interested in their category. A page of candidates from the interest
 * index, then each customer's object decides and schedules the trigger. Nothing is read unless
 * the workspace has that trigger switched on. The catalog upsert (routes/catalog.ts) and
 * `POST /v1/admin/catalog-changes` call it. One call handles up to `maxPages` pages; for very
 * large audiences, call it per page from a queue consumer with `cursor` = the last `next_cursor`.
 */
export async function fanOutCatalogChange(
  env: Env,
  workspaceId: string,
  change: CatalogChange | NewArrivals,
  now: number,
  options: { cursor?: string; pageSize?: number; maxPages?: number } = {},
): Promise<FanOutResult> {
  const config = await loadPublishedConfig(env.CONFIG_KV, workspaceId);
  const template = change.kind === "new_arrivals" ? "new_in_favourite_category" : change.kind;
  const triggers = config.triggers.filter((t) => t.enabled && t.template === template);
  const result: FanOutResult = { candidates: 0, scheduled: 0, next_cursor: null };
  if (triggers.length === 0) return result;
  const since = now - Math.max(...triggers.map((t) => t.interest_days)) * DAY_MS;
  const shards = recsShardCount((await workspaceById(env, workspaceId)).settings);
  const pageSize = options.pageSize ?? FANOUT_PAGE_SIZE;
  let cursor = options.cursor ?? "";
  for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
    const keys =
      change.kind === "new_arrivals"
        ? await customersOfCategory(env, workspaceId, shards, change.category, since, cursor, pageSize)
        : await interestedCustomers(env, workspaceId, shards, change.product_id, since, cursor, pageSize);
    result.candidates += keys.length;
    for (let i = 0; i < keys.length; i += FANOUT_CONCURRENCY) {
      const outcomes = await Promise.all(
        keys.slice(i, i + FANOUT_CONCURRENCY).map((key) =>
          customerStub(env, workspaceId, key)
            .catalogChange(change, now)
            .catch((error: unknown) => {
              // Not the profile key: a userId is often an email address.
              console.error("seam: catalog fan-out to a customer failed", workspaceId, change.kind, error);
              return { scheduled: false };
            }),
        ),
      );
      result.scheduled += outcomes.filter((o) => o.scheduled).length;
    }
    if (keys.length < pageSize) {
      result.next_cursor = null;
      return result;
    }
    cursor = keys.at(-1)!;
    result.next_cursor = cursor;
  }
  return result;
}
