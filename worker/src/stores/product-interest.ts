// The product-interest index (who viewed, carted, bought what) and the catalog-change fan-out through it:
// a price drop or restock reaches the customers interested in the product, new arrivals those interested in the category.
import { customerStub } from "../customer/routing.ts";
import type { Env } from "../env.ts";
import type { ItemFact } from "../facts.ts";
import { DAY_MS } from "../triggers/definitions.ts";
import type { CatalogChange, NewArrivals } from "../triggers/catalog-triggers.ts";
import { loadPublishedConfig } from "./published-config.ts";

/** Interest older than this is pruned by the cron: no trigger looks further back (LIMITS.maxInterestDays). */
export const INTEREST_RETENTION_DAYS = 180;
/** Customers looked up per page of a fan-out, and customer objects called at once. */
export const FANOUT_PAGE_SIZE = 500;
export const FANOUT_CONCURRENCY = 16;

/**
 * Folds view/cart/buy facts into the index, one row per (product, customer) keeping the latest
 * time of each kind, in one set-based statement. Idempotent, so a redelivered batch changes nothing.
 */
export async function recordProductInterest(
  db: D1Database,
  facts: { workspaceId: string; fact: ItemFact }[],
  now: number,
): Promise<void> {
  const latest = new Map<string, [string, string, string, number | null, number | null, number | null]>();
  const slot = { view: 3, cart: 4, buy: 5 } as const;
  for (const { workspaceId, fact } of facts) {
    const key = `${workspaceId}\u0000${fact.item}\u0000${fact.customer}`;
    const row = latest.get(key) ?? [workspaceId, fact.item, fact.customer, null, null, null];
    const i = slot[fact.kind];
    row[i] = Math.max(row[i] ?? 0, fact.ts);
    latest.set(key, row);
  }
  if (latest.size === 0) return;
  await db
    .prepare(
      `INSERT INTO product_interest (workspace_id, product_id, profile_key, viewed_at, carted_at, bought_at, updated_at)
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, ? FROM json_each(?) WHERE true
       ON CONFLICT (workspace_id, product_id, profile_key) DO UPDATE SET
         viewed_at = NULLIF(MAX(COALESCE(viewed_at, 0), COALESCE(excluded.viewed_at, 0)), 0),
         carted_at = NULLIF(MAX(COALESCE(carted_at, 0), COALESCE(excluded.carted_at, 0)), 0),
         bought_at = NULLIF(MAX(COALESCE(bought_at, 0), COALESCE(excluded.bought_at, 0)), 0),
         updated_at = excluded.updated_at`,
    )
    .bind(now, JSON.stringify([...latest.values()]))
    .run();
}

/**
 * Customers who viewed or carted a product since `since` and did not buy it after, in profile-key
 * order from `cursor`. A candidate list: each customer's object decides with its own state.
 */
export async function interestedCustomers(
  db: D1Database,
  workspaceId: string,
  productId: string,
  since: number,
  cursor: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT profile_key FROM product_interest
       WHERE workspace_id = ? AND product_id = ? AND profile_key > ?
         AND MAX(COALESCE(viewed_at, 0), COALESCE(carted_at, 0)) >= ?
         AND COALESCE(bought_at, 0) < MAX(COALESCE(viewed_at, 0), COALESCE(carted_at, 0))
       ORDER BY profile_key LIMIT ?`,
    )
    .bind(workspaceId, productId, cursor, since, limit)
    .all<{ profile_key: string }>();
  return results.map((r) => r.profile_key);
}

/**
 * Customers who viewed, carted or bought any product of a category since `since`, in profile-key
 * order from `cursor`. A candidate list: each customer's object decides whether the category is
 * their favourite.
 */
export async function customersOfCategory(
  db: D1Database,
  workspaceId: string,
  category: string,
  since: number,
  cursor: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT i.profile_key FROM catalog c JOIN product_interest i ON i.workspace_id = c.workspace_id AND i.product_id = c.product_id
       WHERE c.workspace_id = ? AND c.category = ? AND i.profile_key > ?
         AND MAX(COALESCE(i.viewed_at, 0), COALESCE(i.carted_at, 0), COALESCE(i.bought_at, 0)) >= ?
       ORDER BY i.profile_key LIMIT ?`,
    )
    .bind(workspaceId, category, cursor, since, limit)
    .all<{ profile_key: string }>();
  return results.map((r) => r.profile_key);
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
  const pageSize = options.pageSize ?? FANOUT_PAGE_SIZE;
  let cursor = options.cursor ?? "";
  for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
    const keys =
      change.kind === "new_arrivals"
        ? await customersOfCategory(env.DB, workspaceId, change.category, since, cursor, pageSize)
        : await interestedCustomers(env.DB, workspaceId, change.product_id, since, cursor, pageSize);
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

export async function pruneProductInterest(db: D1Database, now: number): Promise<void> {
  await db.prepare(`DELETE FROM product_interest WHERE updated_at < ?`).bind(now - INTEREST_RETENTION_DAYS * DAY_MS).run();
}
