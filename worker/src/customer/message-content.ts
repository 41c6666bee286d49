// What a message says, from the customer's own state: contact, traits, the products and order it is about, tracked links.
import type { ProductLine } from "../commerce/ecommerce.ts";
import type { Env } from "../env.ts";
import type { Contact } from "../triggers/channels.ts";
import type { MessageChannel, MessagingPolicy, TriggerDefinition } from "../triggers/definitions.ts";
import { priceDropPercent, type CatalogChange, type RunSummary } from "../triggers/evaluate.ts";
import { sealLinkToken, trackingUrl, withUtm, type LinkClaims } from "../triggers/links.ts";
import { plannedLinks, type PayloadInput } from "../triggers/payload.ts";
import type { ProductSummary } from "../triggers/recommendations.ts";
import { kvLookups } from "../recs/lookups.ts";
import type { CustomerStore } from "./store.ts";

/** Where tracked links point when TRACKING_BASE_URL is not set: the local `npm run dev` worker. */
const DEFAULT_TRACKING_BASE_URL = "http://localhost:8787";

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** Reads for one message; everything here is synchronous SQL except sealing the link tokens. */
export class MessageContent {
  private readonly sql: SqlStorage;
  private readonly store: CustomerStore;
  private readonly env: Env;

  constructor(sql: SqlStorage, store: CustomerStore, env: Env) {
    this.sql = sql;
    this.store = store;
    this.env = env;
  }

  traits(): Record<string, unknown> {
    const traits: Record<string, unknown> = {};
    for (const row of this.sql.exec(`SELECT key, value FROM traits`)) traits[String(row.key)] = JSON.parse(String(row.value));
    return traits;
  }

  identity(kind: string): string | null {
    const row = this.sql.exec(`SELECT value FROM identities WHERE kind = ? ORDER BY last_seen DESC LIMIT 1`, kind).toArray()[0];
    return row ? String(row.value) : null;
  }

  contact(traits: Record<string, unknown>): Contact {
    return {
      email: str(traits.email) ?? this.identity("email"),
      phone: str(traits.phone) ?? this.identity("phone"),
      messengerId: str(traits.messenger_id),
      push: str(traits.push_token) !== null || this.sql.exec(`SELECT 1 FROM touchpoints WHERE channel = 'app' LIMIT 1`).toArray().length > 0,
    };
  }

  /** What the customer's own state knows of a product: the last view, the cart line, a catalog card from the change. */
  productSummary(productId: string, card: Record<string, unknown> | undefined): ProductSummary {
    const viewed = this.sql.exec(`SELECT name, category, price, currency FROM viewed_items WHERE product_id = ?`, productId).toArray()[0];
    const line = this.sql
      .exec(`SELECT variant, name, price, currency, category, brand, url, image_url FROM cart_lines WHERE product_id = ? ORDER BY updated_at DESC LIMIT 1`, productId)
      .toArray()[0];
    // The latest order line of the product, for what neither the cart nor the views know (a clicked cross-sell).
    const ordered = this.sql
      .exec(
        `SELECT p.value->>'name' AS name, p.value->>'price' AS price, p.value->>'currency' AS currency, p.value->>'category' AS category,
                p.value->>'brand' AS brand, p.value->>'url' AS url, p.value->>'imageUrl' AS image_url
         FROM orders o, json_each(o.products) p WHERE p.value->>'productId' = ? ORDER BY o.ts DESC LIMIT 1`,
        productId,
      )
      .toArray()[0];
    const pick = (key: string) => str(card?.[key]) ?? str(line?.[key]) ?? str(viewed?.[key]) ?? str(ordered?.[key]);
    return {
      product_id: productId,
      variant: str(card?.variant) ?? str(line?.variant),
      name: pick("name"),
      price: num(card?.price) ?? num(line?.price) ?? num(viewed?.price) ?? num(ordered?.price),
      currency: pick("currency"),
      category: pick("category"),
      brand: pick("brand"),
      url: pick("url"),
      image_url: pick("image_url"),
    };
  }

  payloadInput(
    run: RunSummary,
    trigger: TriggerDefinition,
    step: number,
    channel: MessageChannel,
    messageId: string,
    now: number,
    traits: Record<string, unknown>,
    contact: Contact,
    timeZone: string,
    policy: MessagingPolicy,
    allowedOrigins: readonly string[],
  ): PayloadInput {
    const context = JSON.parse(String(this.sql.exec(`SELECT context FROM trigger_runs WHERE run_id = ?`, run.runId).one().context)) as Record<string, unknown>;
    const cart = this.store.cart();
    let products: ProductSummary[] = [];
    let order: PayloadInput["order"] = null;
    let priceChange: PayloadInput["priceChange"] = null;
    if (run.productId !== null) {
      const card = context.product && typeof context.product === "object" ? (context.product as Record<string, unknown>) : undefined;
      const summary = this.productSummary(run.productId, card);
      if (trigger.template === "price_drop" && num(context.new_price) !== null) summary.price = num(context.new_price);
      products = [summary];
    }
    if (trigger.template === "price_drop" || trigger.template === "back_in_stock") {
      const change: CatalogChange = {
        product_id: run.productId ?? "",
        kind: trigger.template,
        old_price: num(context.old_price),
        new_price: num(context.new_price),
      };
      priceChange = { old_price: change.old_price ?? null, new_price: change.new_price ?? null, drop_percent: priceDropPercent(change) };
    }
    if (trigger.template === "post_purchase" && typeof context.order_id === "string") {
      const row = this.sql.exec(`SELECT * FROM orders WHERE order_id = ?`, context.order_id).toArray()[0];
      if (row) {
        order = { order_id: String(row.order_id), total: num(row.total), currency: str(row.currency) };
        products = (JSON.parse(String(row.products)) as ProductLine[]).map((p) => ({
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
    }
    return {
      messageId,
      channel,
      trigger,
      step,
      createdAt: now,
      customer: { user_id: this.identity("user_id"), email: contact.email, phone: contact.phone, time_zone: timeZone, traits },
      cart: cart.lines.length ? { lines: cart.lines, subtotal: cart.subtotal, currency: cart.currency } : null,
      products,
      recommended: [],
      order,
      priceChange,
      urls: { ...policy.links, allowed_origins: allowedOrigins },
      catalogUrls: new Map(),
    };
  }

  /**
   * The catalog's url of each product, from the cards the catalog publishes to KV (read through
   * the recommendations' isolate cache): the one link destination a browser cannot have chosen.
   */
  async catalogUrls(workspaceId: string, productIds: readonly string[]): Promise<Map<string, string>> {
    const lookups = kvLookups(this.env.RECS_KV, workspaceId);
    const urls = new Map<string, string>();
    await Promise.all(
      [...new Set(productIds)].map(async (id) => {
        const url = (await lookups.card(id))?.url;
        if (url) urls.set(id, url);
      }),
    );
    return urls;
  }

  /**
   * Click redirects for every planned link, an open pixel (email only: other channels report
   * opens through the SDK) and the one-click unsubscribe link, each with a sealed token. Without
   * a LINK_SECRET the links go untracked, with UTM parameters only.
   */
  async trackedLinks(input: PayloadInput, claims: Omit<LinkClaims, "k">) {
    const secret = this.env.LINK_SECRET;
    const base = this.env.TRACKING_BASE_URL || DEFAULT_TRACKING_BASE_URL;
    const tracked = new Map<string, string>();
    const plans = plannedLinks(input);
    if (!secret) {
      for (const plan of plans) tracked.set(plan.key, withUtm(plan.url, claims.ch, claims.t, claims.m));
      return { tracked, fixed: { open_pixel: null, unsubscribe: null } };
    }
    await Promise.all(
      plans.map(async (plan) => {
        const token = await sealLinkToken(secret, {
          ...claims,
          k: "c",
          u: plan.url,
          l: plan.key,
          ...(plan.productId ? { pid: plan.productId } : {}),
        });
        tracked.set(plan.key, trackingUrl(base, "click", token));
      }),
    );
    const [open, unsubscribe] = await Promise.all([
      claims.ch === "email" ? sealLinkToken(secret, { ...claims, k: "o" }) : null,
      sealLinkToken(secret, { ...claims, k: "u" }),
    ]);
    return {
      tracked,
      fixed: { open_pixel: open && trackingUrl(base, "open", open), unsubscribe: trackingUrl(base, "unsubscribe", unsubscribe) },
    };
  }
}
