// The catalog in D1, and the product cards it publishes to KV for the recommendations hot path and message content.
import {
  cardKey,
  cardOf,
  catalogChanges,
  newArrivalsByCategory,
  NEWEST_SIZE,
  newestKey,
  type CatalogChange,
  type Product,
  type ProductCard,
} from "../catalog/product.ts";
import type { Env } from "../env.ts";
import type { NewArrivals } from "../triggers/catalog-triggers.ts";
import { publishLookupsVersion } from "./recs-lookups.ts";

/** D1 binds at most 100 parameters per statement. */
const LOOKUP_CHUNK = 90;
/**
 * New products are news only in an established catalog: one whose first product is at least this
 * old. A store's first import (the CLI sends it 500 rows a request) takes minutes, never an hour.
 */
export const ESTABLISHED_CATALOG_MS = 60 * 60_000;

const CATALOG_COLUMNS = "product_id, variant, name, url, image_url, price, currency, category, brand, in_stock, attributes";

/** A catalog row as D1 returns it: flags as integers, attributes as JSON text. */
type CatalogRow = Omit<Product, "in_stock" | "attributes"> & { in_stock: number; attributes: string };

function productOf(row: CatalogRow): Product {
  return {
    product_id: row.product_id,
    variant: row.variant,
    name: row.name,
    url: row.url,
    image_url: row.image_url,
    price: row.price,
    currency: row.currency,
    category: row.category,
    brand: row.brand,
    in_stock: row.in_stock === 1,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
  };
}

async function existing(db: D1Database, workspaceId: string, productIds: string[]): Promise<Map<string, Product>> {
  const found = new Map<string, Product>();
  const unique = [...new Set(productIds)];
  for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
    const chunk = unique.slice(i, i + LOOKUP_CHUNK);
    const { results } = await db
      .prepare(`SELECT ${CATALOG_COLUMNS} FROM catalog WHERE workspace_id = ? AND product_id IN (${chunk.map(() => "?").join(",")})`)
      .bind(workspaceId, ...chunk)
      .all<CatalogRow>();
    for (const row of results) found.set(`${row.product_id}\u0000${row.variant}`, productOf(row));
  }
  return found;
}

/**
 * Upserts products and records price drops and restocks. One D1 batch (one round trip, one
 * transaction) for the writes. Returns the changes and the new arrivals per category so the
 * caller can fan them out to triggers. A workspace's first import is its catalog, not news: it
 * announces no arrivals (see ESTABLISHED_CATALOG_MS).
 */
export async function upsertProducts(
  env: Env,
  workspaceId: string,
  products: Product[],
  now: number,
): Promise<{ changes: CatalogChange[]; arrivals: NewArrivals[]; cards: ProductCard[] }> {
  const before = await existing(env.DB, workspaceId, products.map((p) => p.product_id));
  const established =
    (await env.DB.prepare(`SELECT 1 AS one FROM catalog WHERE workspace_id = ? AND COALESCE(created_at, 0) <= ? LIMIT 1`)
      .bind(workspaceId, now - ESTABLISHED_CATALOG_MS)
      .first<{ one: number }>()) !== null;
  const changes = products.flatMap((p) => catalogChanges(before.get(`${p.product_id}\u0000${p.variant}`), p));
  const known = new Map([...before.values()].map((p) => [p.product_id, p]));
  const arrivals: NewArrivals[] = established
    ? [...newArrivalsByCategory(known, products)].map(([category, ids]) => ({ kind: "new_arrivals", category, product_ids: ids }))
    : [];
  const upsert = env.DB.prepare(
    `INSERT INTO catalog (workspace_id, product_id, variant, name, url, image_url, price, currency, category, brand, in_stock, attributes, updated_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workspace_id, product_id, variant) DO UPDATE SET
       name = excluded.name, url = excluded.url, image_url = excluded.image_url, price = excluded.price,
       currency = excluded.currency, category = excluded.category, brand = excluded.brand,
       in_stock = excluded.in_stock, attributes = excluded.attributes, updated_at = excluded.updated_at`,
  );
  const recordChange = env.DB.prepare(
    `INSERT INTO catalog_changes (workspace_id, product_id, variant, kind, old_price, new_price, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  await env.DB.batch([
    ...products.map((p) =>
      upsert.bind(workspaceId, p.product_id, p.variant, p.name, p.url, p.image_url, p.price, p.currency, p.category, p.brand, p.in_stock ? 1 : 0, JSON.stringify(p.attributes), now, now),
    ),
    ...changes.map((c) => recordChange.bind(workspaceId, c.product_id, c.variant, c.kind, c.old_price, c.new_price, now)),
  ]);
  // Cards are per product: read every variant back, not only those in this upsert.
  const after = await existing(env.DB, workspaceId, products.map((p) => p.product_id));
  return { changes, arrivals, cards: productCards([...after.values()]) };
}

/**
 * One card per product id: a product with variants shows its first in-stock variant, and is in
 * stock when any variant is.
 */
export function productCards(products: Product[]): ProductCard[] {
  const byId = new Map<string, Product[]>();
  for (const p of products) byId.set(p.product_id, [...(byId.get(p.product_id) ?? []), p]);
  return [...byId.values()].map((variants) => {
    const shown = variants.find((v) => v.in_stock) ?? variants[0]!;
    return { ...cardOf(shown), in_stock: variants.some((v) => v.in_stock) };
  });
}

/** Publishes cards to KV, where the recommendations hot path and message content read them. */
export async function publishCards(kv: KVNamespace, workspaceId: string, cards: ProductCard[]): Promise<void> {
  await Promise.all(cards.map((card) => kv.put(cardKey(workspaceId, card.product_id), JSON.stringify(card))));
}

/**
 * Publishes the featured (`attributes.featured`), then most recently added, in-stock products of
 * the whole store and of each of `categories` to KV. A new store, or one whose cron has not run
 * yet, has no trending list; these stand in for it, so no strip is blank on day one.
 */
export async function publishNewest(env: Env, workspaceId: string, categories: string[]): Promise<void> {
  await Promise.all(
    [undefined, ...new Set(categories)].map(async (category) => {
      const { results } = await env.DB.prepare(
        // rowid grows with each first insert (an upsert keeps it): the newest products come last.
        `SELECT product_id FROM catalog
         WHERE workspace_id = ?1 AND in_stock = 1 AND (?2 IS NULL OR category = ?2)
         GROUP BY product_id
         ORDER BY MAX(json_extract(attributes, '$.featured') IN (1, 'true', 'yes')) DESC, MIN(rowid) DESC
         LIMIT ?3`,
      )
        .bind(workspaceId, category ?? null, NEWEST_SIZE)
        .all<{ product_id: string }>();
      await env.RECS_KV.put(newestKey(workspaceId, category), JSON.stringify(results.map((r) => r.product_id)));
    }),
  );
}

/**
 * Upserts products and publishes what recommendations read (cards, newest lists) before it
 * resolves: once an import has answered, recommendations show its products.
 */
export async function importProducts(
  env: Env,
  workspaceId: string,
  products: Product[],
  now: number,
): Promise<{ changes: CatalogChange[]; arrivals: NewArrivals[]; cards: ProductCard[] }> {
  const result = await upsertProducts(env, workspaceId, products, now);
  const categories = products.flatMap((p) => (p.category ? [p.category] : []));
  await Promise.all([publishCards(env.RECS_KV, workspaceId, result.cards), publishNewest(env, workspaceId, categories)]);
  await publishLookupsVersion(env.RECS_KV, workspaceId, now, "catalog");
  return result;
}

export async function productById(db: D1Database, workspaceId: string, productId: string): Promise<Product[]> {
  const { results } = await db
    .prepare(`SELECT ${CATALOG_COLUMNS} FROM catalog WHERE workspace_id = ? AND product_id = ? ORDER BY variant`)
    .bind(workspaceId, productId)
    .all<CatalogRow>();
  return results.map(productOf);
}
