// A catalog product: its schema, its card as recommendations show it, and what a change means.
import * as z from "zod/mini";

export const MAX_PRODUCTS_PER_UPSERT = 1000;

const text = (max: number) => z.string().check(z.maxLength(max));
const money = z
  .pipe(
    z.union([z.number(), z.string().check(z.regex(/^\s*-?\d+(\.\d+)?\s*$/, { error: "must be a number" }))], { error: "must be a number" }),
    z.transform((v) => Number(v)),
  )
  .check(z.refine((n) => n >= 0, "must not be negative"));
const flag = z.union([z.boolean(), z.pipe(z.enum(["true", "false", "1", "0", "yes", "no"]), z.transform((v) => ["true", "1", "yes"].includes(v)))]);

const PRODUCT_ID_REQUIRED = "required: a non-empty id (text or number, at most 256 characters)";

/** A product as the store sends it (JSON, CSV and NDJSON imports all come through this). */
export const productInputSchema = z.object({
  product_id: z.union([text(256).check(z.minLength(1, PRODUCT_ID_REQUIRED)), z.pipe(z.number(), z.transform(String))], { error: PRODUCT_ID_REQUIRED }),
  variant: z.optional(text(256)),
  name: z.optional(text(512)),
  url: z.optional(z.union([z.url({ error: "must be an absolute URL" }), z.literal("")])),
  image_url: z.optional(z.union([z.url({ error: "must be an absolute URL" }), z.literal("")])),
  price: z.optional(z.nullable(money)),
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/, "an ISO 4217 code like EUR"))),
  /** A path: "Men > Shoes" or ["Men", "Shoes"]. */
  category: z.optional(z.union([text(512), z.array(text(128)).check(z.maxLength(10))])),
  brand: z.optional(text(256)),
  in_stock: z.optional(flag),
  attributes: z.optional(z.record(z.string(), z.unknown())),
});
export type ProductInput = z.infer<typeof productInputSchema>;

export interface Product {
  product_id: string;
  variant: string;
  name: string | null;
  url: string | null;
  image_url: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
  in_stock: boolean;
  attributes: Record<string, unknown>;
}

/** The KV key of a product's card, published by the catalog (stores/catalog.ts), read at the edge. */
export const cardKey = (workspaceId: string, productId: string) => `card:${workspaceId}:${productId}`;
/** The store's featured, then newest products (of a category): what recommendations show before any aggregate exists. */
export const newestKey = (workspaceId: string, category?: string) =>
  category === undefined ? `newest:${workspaceId}` : `newest:${workspaceId}:${category}`;
/** Products kept in each newest list: as many as a trending list. */
export const NEWEST_SIZE = 100;

/** What recommendations show of a product (the widget's card). */
export type ProductCard = Omit<Product, "variant" | "attributes">;

export const CATEGORY_SEPARATOR = " > ";

export function productFromInput(input: ProductInput): Product {
  const category = Array.isArray(input.category) ? input.category.join(CATEGORY_SEPARATOR) : input.category;
  return {
    product_id: input.product_id,
    variant: input.variant ?? "",
    name: input.name || null,
    url: input.url || null,
    image_url: input.image_url || null,
    price: input.price ?? null,
    currency: input.currency?.toUpperCase() ?? null,
    category: category?.trim() || null,
    brand: input.brand || null,
    in_stock: input.in_stock ?? true,
    attributes: input.attributes ?? {},
  };
}

export function cardOf(p: Product): ProductCard {
  const { product_id, name, url, image_url, price, currency, category, brand, in_stock } = p;
  return { product_id, name, url, image_url, price, currency, category, brand, in_stock };
}

export type CatalogChangeKind = "price_drop" | "back_in_stock";

export interface CatalogChange {
  product_id: string;
  variant: string;
  kind: CatalogChangeKind;
  old_price: number | null;
  new_price: number | null;
}

/**
 * Products an upsert added to the catalog, in stock and with a category, grouped by category:
 * what "new in your favourite category" announces.
 */
export function newArrivalsByCategory(before: ReadonlyMap<string, unknown>, after: readonly Product[]): Map<string, string[]> {
  const byCategory = new Map<string, string[]>();
  for (const p of after) {
    if (!p.in_stock || !p.category || before.has(p.product_id)) continue;
    const ids = byCategory.get(p.category) ?? [];
    if (!ids.includes(p.product_id)) ids.push(p.product_id);
    byCategory.set(p.category, ids);
  }
  return byCategory;
}

/** The changes a customer may want to hear about: a lower price, or back in stock. */
export function catalogChanges(before: Product | undefined, after: Product): CatalogChange[] {
  if (!before) return [];
  const changes: CatalogChange[] = [];
  const base = { product_id: after.product_id, variant: after.variant, old_price: before.price, new_price: after.price };
  if (before.price !== null && after.price !== null && after.price < before.price && after.in_stock)
    changes.push({ ...base, kind: "price_drop" });
  if (!before.in_stock && after.in_stock) changes.push({ ...base, kind: "back_in_stock" });
  return changes;
}
