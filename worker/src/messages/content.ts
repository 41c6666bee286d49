// What a message says, from plain facts of the customer and the catalog: the products it is about
// (the catalog's current card first), the order, the price change, the recipient. Pure: the
// CustomerDO's message composer (customer/message-composer.ts) gathers the facts.
import type { ProductCard } from "../catalog/product.ts";
import type { ProductLine } from "../commerce/ecommerce.ts";
import type { CartView } from "../schemas.ts";
import { priceDropPercent } from "../triggers/catalog-triggers.ts";
import type { Contact } from "../triggers/channels.ts";
import type { MessageChannel, TemplateName, TriggerDefinition } from "../triggers/definitions.ts";
import type { MessagingPolicy } from "../triggers/policy.ts";
import type { PayloadInput } from "./payload.ts";
import type { ProductSummary } from "./recommendations.ts";

/** Product fields as the customer's own state recorded them (a cart line, a view). */
type SeenProduct = Omit<ProductSummary, "product_id">;

/** Everything known of one product, most current first. */
export interface ProductSources {
  /** The catalog's card now (KV): the current name and price. */
  card?: ProductCard | undefined;
  /** The card a catalog change carried when it started the run. */
  changeCard?: Record<string, unknown> | undefined;
  line?: SeenProduct | undefined;
  viewed?: SeenProduct | undefined;
  ordered?: ProductLine | undefined;
}

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/**
 * A product as a message shows it. The catalog's current card wins: a follow-up about a product
 * viewed days ago quotes today's name and price, not the view's. The customer's own records fill
 * what the catalog does not know (a store that never imported its catalog).
 */
export function productSummary(productId: string, s: ProductSources): ProductSummary {
  const ordered: SeenProduct | undefined = s.ordered && { ...s.ordered, image_url: s.ordered.imageUrl ?? null };
  const layers: Record<string, unknown>[] = [s.card, s.changeCard, s.line, s.viewed, ordered].filter((l): l is Record<string, unknown> => l !== undefined);
  const pick = (key: string) => layers.map((l) => str(l[key])).find((v) => v !== null) ?? null;
  return {
    product_id: productId,
    variant: str(s.changeCard?.variant) ?? str(s.line?.variant),
    name: pick("name"),
    price: layers.map((l) => num(l.price)).find((v) => v !== null) ?? null,
    currency: pick("currency"),
    category: pick("category"),
    brand: pick("brand"),
    url: pick("url"),
    image_url: pick("image_url"),
  };
}

/** The products a run's message is about, by template: its one product, or the new arrivals it named. */
export function messageProductIds(template: TemplateName, run: { productId: string | null; context: Record<string, unknown> }): string[] {
  if (template === "new_in_favourite_category")
    return Array.isArray(run.context.product_ids) ? run.context.product_ids.filter((id): id is string => typeof id === "string") : [];
  if (template === "post_purchase") return [];
  return run.productId === null ? [] : [run.productId];
}

export interface ContentFacts {
  run: { productId: string | null; context: Record<string, unknown> };
  trigger: TriggerDefinition;
  step: number;
  channel: MessageChannel;
  messageId: string;
  now: number;
  recipient: { userId: string | null; traits: Record<string, unknown>; contact: Contact; timeZone: string };
  cart: CartView;
  /** Sources of each product messageProductIds named. */
  products: ReadonlyMap<string, ProductSources>;
  /** post_purchase: the order the run is about, as stored. */
  order: { order_id: string; total: number | null; currency: string | null; products: ProductLine[] } | undefined;
  policy: MessagingPolicy;
  allowedOrigins: readonly string[];
  recommended: ProductSummary[];
  catalogUrls: ReadonlyMap<string, string>;
  /** near_store_offer: the coupon code this message carries (claimed by the composer). */
  couponCode?: string | null;
}

/** near_store_offer: the store from the run (where the visitor was) and the message's coupon. */
function storeOffer(f: ContentFacts): PayloadInput["offer"] {
  if (f.trigger.template !== "near_store_offer" || !f.couponCode) return null;
  const c = f.run.context;
  return { store_id: str(c.store_id) ?? "", store_name: str(c.store_name) ?? "", distance_km: num(c.distance_km), coupon_code: f.couponCode };
}

/** The payload's input: who, what products, which order or price change, and where links may go. */
export function messageContent(f: ContentFacts): PayloadInput {
  const { trigger, run } = f;
  let products = messageProductIds(trigger.template, run).map((id) => {
    const summary = productSummary(id, f.products.get(id) ?? {});
    // A price drop quotes the price it announces.
    if (trigger.template === "price_drop" && num(run.context.new_price) !== null) summary.price = num(run.context.new_price);
    return summary;
  });
  let order: PayloadInput["order"] = null;
  let priceChange: PayloadInput["priceChange"] = null;
  if (trigger.template === "price_drop" || trigger.template === "back_in_stock") {
    const change = { product_id: run.productId ?? "", kind: trigger.template, old_price: num(run.context.old_price), new_price: num(run.context.new_price) };
    priceChange = { old_price: change.old_price, new_price: change.new_price, drop_percent: priceDropPercent(change) };
  }
  if (trigger.template === "post_purchase" && f.order) {
    order = { order_id: f.order.order_id, total: f.order.total, currency: f.order.currency };
    // The order's lines as bought: what was paid, not today's price.
    products = f.order.products.map((p) => ({
      product_id: p.productId,
      variant: p.variant || null,
      name: p.name ?? null,
      price: p.price ?? null,
      currency: p.currency ?? null,
      category: p.category ?? null,
      brand: p.brand ?? null,
      url: p.url ?? null,
      image_url: p.imageUrl ?? null,
    }));
  }
  const { recipient, cart } = f;
  return {
    messageId: f.messageId,
    channel: f.channel,
    trigger,
    step: f.step,
    createdAt: f.now,
    customer: { user_id: recipient.userId, email: recipient.contact.email, phone: recipient.contact.phone, time_zone: recipient.timeZone, traits: recipient.traits },
    cart: cart.lines.length ? { lines: cart.lines, subtotal: cart.subtotal, currency: cart.currency } : null,
    products,
    recommended: f.recommended,
    order,
    priceChange,
    offer: storeOffer(f),
    urls: { ...f.policy.links, allowed_origins: f.allowedOrigins },
    catalogUrls: f.catalogUrls,
  };
}
