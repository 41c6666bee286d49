// What a message carries: customer traits, cart lines, the products it is about, recommendations, tracked links.
import type { CartLineView } from "../schemas.ts";
import type { MessageChannel, TemplateName, TriggerDefinition } from "./definitions.ts";
import type { ProductSummary } from "./recommendations.ts";

/** Bounds that keep a message far below the 128 KB queue message limit. */
export const PAYLOAD_LIMITS = {
  cartLines: 20,
  products: 10,
  /** Traits go in until their JSON reaches this size; larger ones are left out, never cut. */
  traitBytes: 16 * 1024,
} as const;

export interface PayloadCustomer {
  user_id: string | null;
  email: string | null;
  phone: string | null;
  time_zone: string;
  traits: Record<string, unknown>;
}

export interface PayloadInput {
  messageId: string;
  channel: MessageChannel;
  trigger: TriggerDefinition;
  step: number;
  createdAt: number;
  customer: PayloadCustomer;
  cart: { lines: CartLineView[]; subtotal: number; currency: string | null } | null;
  /** The products the message is about: the viewed, clicked, dropped-in-price or ordered ones. */
  products: ProductSummary[];
  recommended: ProductSummary[];
  order: { order_id: string; total: number | null; currency: string | null } | null;
  priceChange: { old_price: number | null; new_price: number | null; drop_percent: number | null } | null;
  /** The workspace's URL templates, for products and carts whose events carried no URL. */
  urls: { product_url: string | null; cart_url: string | null };
}

export interface PayloadProduct extends ProductSummary {
  /** The tracked link to the product (a click redirect), or null when no URL is known. */
  link: string | null;
}

export interface MessagePayload {
  message_id: string;
  channel: MessageChannel;
  created_at: string;
  trigger: { id: string; template: TemplateName; version: number; step: number; steps: number };
  /** The definition's content overlaid with the step's: whatever the template needs (subject, copy keys). */
  content: Record<string, unknown>;
  customer: PayloadCustomer;
  cart: { lines: (CartLineView & { link: string | null })[]; subtotal: number; currency: string | null; link: string | null } | null;
  products: PayloadProduct[];
  recommended: PayloadProduct[];
  order: PayloadInput["order"];
  price_change: PayloadInput["priceChange"];
  links: { open_pixel: string | null; unsubscribe: string | null };
}

/** A destination that gets a tracked click link. */
export interface LinkPlan {
  key: string;
  url: string;
  productId?: string;
}

export function productUrl(product: Pick<ProductSummary, "product_id" | "url">, template: string | null): string | null {
  if (product.url) return product.url;
  return template ? template.replaceAll("{product_id}", encodeURIComponent(product.product_id)) : null;
}

/** Every destination the payload links to, once each: the builder asks for them by key. */
export function plannedLinks(input: PayloadInput): LinkPlan[] {
  const plans = new Map<string, LinkPlan>();
  const add = (key: string, url: string | null, productId?: string) => {
    if (url && !plans.has(key)) plans.set(key, productId ? { key, url, productId } : { key, url });
  };
  if (input.cart) {
    add("cart", input.urls.cart_url, undefined);
    for (const line of input.cart.lines.slice(0, PAYLOAD_LIMITS.cartLines))
      add(`p:${line.product_id}`, productUrl(line, input.urls.product_url), line.product_id);
  }
  for (const p of input.products.slice(0, PAYLOAD_LIMITS.products)) add(`p:${p.product_id}`, productUrl(p, input.urls.product_url), p.product_id);
  for (const p of input.recommended.slice(0, PAYLOAD_LIMITS.products))
    add(`r:${p.product_id}`, productUrl(p, input.urls.product_url), p.product_id);
  return [...plans.values()];
}

function boundedTraits(traits: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let bytes = 2;
  const encoder = new TextEncoder();
  for (const key of Object.keys(traits).sort()) {
    const size = encoder.encode(JSON.stringify({ [key]: traits[key] })).byteLength;
    if (bytes + size > PAYLOAD_LIMITS.traitBytes) continue;
    out[key] = traits[key];
    bytes += size;
  }
  return out;
}

/**
 * The payload a channel webhook (or the outbox) receives. `tracked` maps each planned link's key
 * to its click-redirect URL; `fixed` holds the open pixel and the unsubscribe link.
 */
export function buildMessagePayload(
  input: PayloadInput,
  tracked: ReadonlyMap<string, string>,
  fixed: { open_pixel: string | null; unsubscribe: string | null },
): MessagePayload {
  const { trigger, step } = input;
  const withLink = (prefix: string) => (p: ProductSummary): PayloadProduct => ({ ...p, link: tracked.get(`${prefix}${p.product_id}`) ?? null });
  return {
    message_id: input.messageId,
    channel: input.channel,
    created_at: new Date(input.createdAt).toISOString(),
    trigger: { id: trigger.id, template: trigger.template, version: trigger.version, step, steps: trigger.steps.length },
    content: { ...trigger.content, ...(trigger.steps[step]?.content ?? {}) },
    customer: { ...input.customer, traits: boundedTraits(input.customer.traits) },
    cart: input.cart && {
      lines: input.cart.lines.slice(0, PAYLOAD_LIMITS.cartLines).map((line) => ({ ...line, link: tracked.get(`p:${line.product_id}`) ?? null })),
      subtotal: input.cart.subtotal,
      currency: input.cart.currency,
      link: tracked.get("cart") ?? null,
    },
    products: input.products.slice(0, PAYLOAD_LIMITS.products).map(withLink("p:")),
    recommended: input.recommended.slice(0, PAYLOAD_LIMITS.products).map(withLink("r:")),
    order: input.order,
    price_change: input.priceChange,
    links: fixed,
  };
}
