// The customer's viewed items (per product: views, first and last time, what the product was
// called). A batch's product views are written only into its journal row (customer/journal.ts):
// the viewed items are the viewed_items table (views folded out of the journal) with the views of
// the batches the journal still keeps applied on top. A view reaches the table only when its batch
// leaves the ring, so a customer with fewer batches than the ring holds never writes a
// viewed_items row, and one with more writes them a thousand batches late (a product viewed since
// costs nothing more). A view was three billed rows (row, key, last_seen index), ~a tenth of ingest.
import { compareText } from "../compare.ts";
import type { ViewedItemRow } from "./rows.ts";
import { CAPS } from "./schema.ts";
import type { Sql } from "./sql.ts";

/** A product view as the journal keeps it: product, time, name, category, price, currency, channel. */
export type ViewTuple = [string, number, string | null, string | null, number | null, string | null, string];

/** The newest first by last view, then by product (the API's order), at most CAPS.viewedItems. */
function newestViewed(rows: Iterable<ViewedItemRow>): ViewedItemRow[] {
  return [...rows].sort((a, b) => b.last_seen - a.last_seen || compareText(a.product_id, b.product_id)).slice(0, CAPS.viewedItems);
}

/**
 * Applies views, in the order given, to the folded rows: what the table's upsert does (counts add
 * up, first and last time widen, the later view's name, category, price and currency win when it
 * has them, its channel always).
 */
export function applyViews(folded: readonly ViewedItemRow[], views: readonly ViewTuple[]): ViewedItemRow[] {
  if (views.length === 0) return newestViewed(folded);
  const byProduct = new Map(folded.map((row) => [row.product_id, { ...row }]));
  for (const [product_id, ts, name, category, price, currency, channel] of views) {
    const row = byProduct.get(product_id);
    if (!row) {
      byProduct.set(product_id, { product_id, view_count: 1, first_seen: ts, last_seen: ts, name, category, price, currency, channel });
      continue;
    }
    row.view_count += 1;
    row.first_seen = Math.min(row.first_seen, ts);
    row.last_seen = Math.max(row.last_seen, ts);
    row.name = name ?? row.name;
    row.category = category ?? row.category;
    row.price = price ?? row.price;
    row.currency = currency ?? row.currency;
    row.channel = channel;
  }
  return newestViewed(byProduct.values());
}

/** Folds the views of batches leaving the journal into the table (one statement), keeping it within its cap. */
export function foldViews(sql: Sql, views: readonly ViewTuple[]): void {
  if (views.length === 0) return;
  sql`INSERT INTO viewed_items (product_id, view_count, first_seen, last_seen, name, category, price, currency, channel)
      SELECT value->>0, 1, value->>1, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM jsonb_each(${JSON.stringify(views)}) WHERE true
      ON CONFLICT (product_id) DO UPDATE SET
        view_count = view_count + 1,
        first_seen = MIN(first_seen, excluded.first_seen),
        last_seen = MAX(last_seen, excluded.last_seen),
        name = COALESCE(excluded.name, name),
        category = COALESCE(excluded.category, category),
        price = COALESCE(excluded.price, price),
        currency = COALESCE(excluded.currency, currency),
        channel = excluded.channel`;
  sql`DELETE FROM viewed_items WHERE product_id IN (SELECT product_id FROM viewed_items ORDER BY last_seen DESC LIMIT -1 OFFSET ${CAPS.viewedItems})`;
}

export const VIEWED_COLUMNS = "product_id, view_count, first_seen, last_seen, name, category, price, currency, channel";
