// What a Segment Ecommerce v2 event means for the customer's cart, viewed items and orders.
import type { Channel, SeamEvent } from "../schemas.ts";

/** One product as Segment's Ecommerce spec describes it, reduced to what Seam keeps. */
export interface ProductLine {
  productId: string;
  /** '' when the store does not use variants, so (productId, variant) is always a key. */
  variant: string;
  quantity: number;
  name?: string;
  price?: number;
  currency?: string;
  category?: string;
  brand?: string;
  url?: string;
  imageUrl?: string;
}

export interface OrderRecord {
  orderId: string;
  total?: number;
  revenue?: number;
  currency?: string;
  products: ProductLine[];
  timestamp: number;
  channel: Channel;
}

export type CartOp =
  | { kind: "add"; line: ProductLine }
  | { kind: "remove"; productId: string; variant: string; quantity?: number }
  /** `Cart Viewed` carries the whole cart: it replaces what we derived from adds and removes. */
  | { kind: "replace"; lines: ProductLine[] }
  /** `Checkout Started` marks the cart; when it lists products, they replace the cart too. */
  | { kind: "checkout"; lines?: ProductLine[] }
  | { kind: "clear" };

export interface CommerceEffects {
  cart?: CartOp;
  viewed?: ProductLine;
  order?: OrderRecord;
}

export const MAX_LINE_QUANTITY = 10_000;
const MAX_PRODUCTS_PER_EVENT = 200;

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value.slice(0, 512);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function num(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** Segment event names are Title Case; some libraries send snake_case. Compare loosely. */
export function canonicalEventName(name: string | undefined): string {
  return (name ?? "").trim().toLowerCase().replace(/[_\s]+/g, " ");
}

/** Reads a product from Segment properties: `product_id`, else `sku`, else `id`. */
export function productFrom(props: Record<string, unknown>): ProductLine | null {
  const productId = str(props.product_id) ?? str(props.sku) ?? str(props.id);
  if (!productId) return null;
  const quantity = num(props.quantity);
  const line: ProductLine = {
    productId,
    variant: str(props.variant) ?? "",
    quantity:
      quantity === undefined ? 1 : Math.min(Math.max(Math.trunc(quantity), 0), MAX_LINE_QUANTITY),
  };
  const optional = {
    name: str(props.name),
    price: num(props.price),
    currency: str(props.currency),
    category: str(props.category),
    brand: str(props.brand),
    url: str(props.url),
    imageUrl: str(props.image_url),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) (line as unknown as Record<string, unknown>)[key] = value;
  return line;
}

function productsFrom(props: Record<string, unknown>): ProductLine[] | undefined {
  if (!Array.isArray(props.products)) return undefined;
  const lines: ProductLine[] = [];
  for (const p of props.products.slice(0, MAX_PRODUCTS_PER_EVENT)) {
    if (p === null || typeof p !== "object") continue;
    const line = productFrom(p as Record<string, unknown>);
    if (line && line.quantity > 0) {
      if (!line.currency && str(props.currency)) line.currency = str(props.currency);
      lines.push(line);
    }
  }
  return lines;
}

/** The effects of one event; a non-commerce event has none. */
export function commerceEffects(event: SeamEvent): CommerceEffects {
  if (event.type !== "track") return {};
  const props = event.properties;
  switch (canonicalEventName(event.event)) {
    case "product viewed": {
      const viewed = productFrom(props);
      return viewed ? { viewed } : {};
    }
    case "product added": {
      const line = productFrom(props);
      return line && line.quantity > 0 ? { cart: { kind: "add", line } } : {};
    }
    case "product removed": {
      const line = productFrom(props);
      if (!line) return {};
      // Without a quantity, "removed" means the whole line, as in Segment's examples.
      const quantity = num(props.quantity);
      return {
        cart: {
          kind: "remove",
          productId: line.productId,
          variant: line.variant,
          ...(quantity === undefined ? {} : { quantity: line.quantity }),
        },
      };
    }
    case "cart viewed": {
      const lines = productsFrom(props);
      return lines ? { cart: { kind: "replace", lines } } : {};
    }
    case "checkout started": {
      const lines = productsFrom(props);
      return { cart: lines ? { kind: "checkout", lines } : { kind: "checkout" } };
    }
    case "order completed": {
      const orderId = str(props.order_id) ?? str(props.checkout_id) ?? event.messageId;
      const order: OrderRecord = {
        orderId,
        products: productsFrom(props) ?? [],
        timestamp: event.timestamp,
        channel: event.channel,
      };
      const total = num(props.total);
      const revenue = num(props.revenue);
      const currency = str(props.currency);
      if (total !== undefined) order.total = total;
      if (revenue !== undefined) order.revenue = revenue;
      if (currency !== undefined) order.currency = currency;
      return { order, cart: { kind: "clear" } };
    }
    default:
      return {};
  }
}
