// The cart's lines live in the profile meta (customer/held-rows.ts), not in a table of their own: a
// line in the cart_lines table was a row written on each add, a row per line on each clear (an
// order), and 2 rows to create the table for each new cart (~150 rows per 1,000 events of
// docs/cost.md's mix, a tenth of the customer object's rows). A cart is a few lines.
import { compareText } from "../compare.ts";
import { HeldRows, newestRows } from "./held-rows.ts";
import type { MetaCache } from "./meta.ts";
import type { CartLineRow } from "./rows.ts";
import type { Sql } from "./sql.ts";
import { CAPS } from "./schema.ts";

/** The profile meta key holding the lines (a JSON array of CartLineRow). */
export const CART_LINES_KEY = "cart_lines";

const COLUMNS = "product_id, variant, quantity, name, price, currency, category, brand, url, image_url, channel, device, anonymous_id, added_at, updated_at";

/** A line's values from a cart change: what it names about the product, and where the change came from. */
export type CartLineChange = Omit<CartLineRow, "added_at" | "updated_at"> & { at: number };

/** The order the cart shows: as added, then by product and variant. */
const inCartOrder = (a: CartLineRow, b: CartLineRow) => a.added_at - b.added_at || compareText(a.product_id, b.product_id) || compareText(a.variant, b.variant);

const sameLine = (a: { product_id: string; variant: string }, productId: string, variant: string) => a.product_id === productId && a.variant === variant;

export class CartLines {
  private readonly held: HeldRows<CartLineRow>;

  constructor(sql: Sql, meta: MetaCache) {
    this.held = new HeldRows(sql, meta, CART_LINES_KEY, { name: "cart_lines", columns: COLUMNS, order: "added_at, product_id, variant" });
  }

  /** The lines, in the order they were added. */
  lines(): readonly CartLineRow[] {
    return this.held.rows();
  }

  /** Adds to a line (`add`: quantities add up, at most 10,000) or sets it (`set`); what the change does not name is kept. */
  upsert(change: CartLineChange, mode: "add" | "set"): void {
    const lines = [...this.lines()];
    const i = lines.findIndex((l) => sameLine(l, change.product_id, change.variant));
    const { at, ...values } = change;
    if (i < 0) lines.push({ ...values, added_at: at, updated_at: at });
    else {
      const old = lines[i]!;
      lines[i] = {
        ...old,
        quantity: mode === "add" ? Math.min(old.quantity + change.quantity, 10_000) : change.quantity,
        name: change.name ?? old.name,
        price: change.price ?? old.price,
        currency: change.currency ?? old.currency,
        category: change.category ?? old.category,
        brand: change.brand ?? old.brand,
        url: change.url ?? old.url,
        image_url: change.image_url ?? old.image_url,
        channel: change.channel,
        device: change.device,
        anonymous_id: change.anonymous_id,
        updated_at: at,
      };
    }
    this.save(lines);
  }

  /** Takes `quantity` off a line (all of it when undefined); a line at zero or below goes. */
  remove(productId: string, variant: string, quantity: number | undefined, from: Pick<CartLineRow, "channel" | "device" | "anonymous_id">, at: number): void {
    const lines = this.lines().flatMap((l) => {
      if (!sameLine(l, productId, variant)) return [l];
      if (quantity === undefined || l.quantity - quantity <= 0) return [];
      return [{ ...l, ...from, quantity: l.quantity - quantity, updated_at: at }];
    });
    this.save(lines);
  }

  /** Replaces every line (a merge's result, a cart the event names whole, an emptied cart). */
  replace(lines: readonly CartLineRow[]): void {
    this.save([...lines]);
  }

  /** Writes the lines into the meta, the newest CAPS.cartLines. */
  private save(lines: CartLineRow[]): void {
    this.held.save(newestRows(lines, CAPS.cartLines, (l) => l.updated_at).sort(inCartOrder));
  }
}
