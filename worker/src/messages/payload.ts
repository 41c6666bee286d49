// What a message carries: customer traits, cart lines, the products it is about, recommendations, tracked links.
import { linkTargetAllowed, storeHome, webOrigin } from "../origins.ts";
import type { CartLineView } from "../schemas.ts";
import type { MessageChannel, TemplateName, TriggerDefinition } from "../triggers/definitions.ts";
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
  /** near_store_offer: the store the customer is near and their coupon code. */
  offer: StoreOffer | null;
  /** Where links may go: the workspace's URL templates and home, and its explicit origins. */
  urls: LinkRules;
  /** The catalog's url of each product the message shows, where the catalog has one (secret-key data). */
  catalogUrls: ReadonlyMap<string, string>;
}

export interface StoreOffer {
  store_id: string;
  store_name: string;
  distance_km: number | null;
  coupon_code: string;
}

export interface LinkRules {
  product_url: string | null;
  cart_url: string | null;
  home_url: string | null;
  allowed_origins: readonly string[];
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
  offer: StoreOffer | null;
  /** `confirm`: a contact confirmation's link (double opt-in); only on those messages. */
  links: { open_pixel: string | null; unsubscribe: string | null; confirm?: string | null };
}

/** A destination that gets a tracked click link. */
export interface LinkPlan {
  key: string;
  url: string;
  productId?: string;
}

/**
 * Where a product link goes. An event's `url` came from a browser with the public write key, and
 * a message link redirects through Seam, so it is used only on one of the workspace's explicit
 * origins; otherwise the catalog's url (sent with the secret key), the workspace's template, or
 * the store's home. Never an open redirect.
 */
export function productDestination(
  product: Pick<ProductSummary, "product_id" | "url">,
  catalogUrls: ReadonlyMap<string, string>,
  rules: LinkRules,
): string | null {
  const catalog = catalogUrls.get(product.product_id);
  if (catalog && webOrigin(catalog)) return catalog;
  if (product.url && linkTargetAllowed(product.url, rules.allowed_origins)) return product.url;
  if (rules.product_url) return rules.product_url.replaceAll("{product_id}", encodeURIComponent(product.product_id));
  return homeDestination(rules);
}

export function homeDestination(rules: LinkRules): string | null {
  return rules.home_url ?? storeHome(rules.allowed_origins);
}

/** Every destination the payload links to, once each: the builder asks for them by key. */
export function plannedLinks(input: PayloadInput): LinkPlan[] {
  const plans = new Map<string, LinkPlan>();
  const add = (key: string, url: string | null, productId?: string) => {
    if (url && !plans.has(key)) plans.set(key, productId ? { key, url, productId } : { key, url });
  };
  if (input.cart) {
    add("cart", input.urls.cart_url ?? homeDestination(input.urls), undefined);
    for (const line of input.cart.lines.slice(0, PAYLOAD_LIMITS.cartLines))
      add(`p:${line.product_id}`, productDestination(line, input.catalogUrls, input.urls), line.product_id);
  }
  const destination = (p: ProductSummary) => productDestination(p, input.catalogUrls, input.urls);
  for (const p of input.products.slice(0, PAYLOAD_LIMITS.products)) add(`p:${p.product_id}`, destination(p), p.product_id);
  for (const p of input.recommended.slice(0, PAYLOAD_LIMITS.products)) add(`r:${p.product_id}`, destination(p), p.product_id);
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
  fixed: MessagePayload["links"],
): MessagePayload {
  const { trigger, step } = input;
  // `url` is the untracked destination, held to the same rule as the tracked link.
  const url = (p: Pick<ProductSummary, "product_id" | "url">) => productDestination(p, input.catalogUrls, input.urls);
  const withLink = (prefix: string) => (p: ProductSummary): PayloadProduct => ({ ...p, url: url(p), link: tracked.get(`${prefix}${p.product_id}`) ?? null });
  return {
    message_id: input.messageId,
    channel: input.channel,
    created_at: new Date(input.createdAt).toISOString(),
    trigger: { id: trigger.id, template: trigger.template, version: trigger.version, step, steps: trigger.steps.length },
    content: { ...trigger.content, ...(trigger.steps[step]?.content ?? {}) },
    customer: { ...input.customer, traits: boundedTraits(input.customer.traits) },
    cart: input.cart && {
      lines: input.cart.lines
        .slice(0, PAYLOAD_LIMITS.cartLines)
        .map((line) => ({ ...line, url: url(line), link: tracked.get(`p:${line.product_id}`) ?? null })),
      subtotal: input.cart.subtotal,
      currency: input.cart.currency,
      link: tracked.get("cart") ?? null,
    },
    products: input.products.slice(0, PAYLOAD_LIMITS.products).map(withLink("p:")),
    recommended: input.recommended.slice(0, PAYLOAD_LIMITS.products).map(withLink("r:")),
    order: input.order,
    price_change: input.priceChange,
    offer: input.offer,
    links: fixed,
  };
}
