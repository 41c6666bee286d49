// Builds the message a due step sends: its content from the customer's facts and the catalog's
// current cards, recommended products, and tracked links. Everything it needs is passed in.
import type { ProductCard } from "../catalog/product.ts";
import type { ProductLine } from "../commerce/ecommerce.ts";
import { messageContent, messageProductIds, type ProductSources } from "../messages/content.ts";
import { confirmationLink, trackedLinks, type LinkTracking } from "../messages/links.ts";
import { messageIdFor, type OutgoingMessage } from "../messages/message.ts";
import { buildMessagePayload, plannedLinks } from "../messages/payload.ts";
import { RECOMMENDED_PER_MESSAGE, recommendedProducts, type RecommendationsProvider } from "../messages/recommendations.ts";
import type { CartView } from "../schemas.ts";
import type { Contact } from "../triggers/channels.ts";
import { couponOf, type MessageChannel, type TriggerDefinition } from "../triggers/definitions.ts";
import { type MessagingPolicy } from "../triggers/policy.ts";
import type { RunSummary } from "../triggers/evaluate.ts";
import type { OrderRow } from "./rows.ts";

export interface ComposerDeps {
  /** The catalog's current cards of these products (KV, through the isolate cache); missing ones are left out. */
  cards(workspaceId: string, productIds: readonly string[]): Promise<Map<string, ProductCard>>;
  recommend: RecommendationsProvider | undefined;
  tracking: LinkTracking;
  /** A code from the workspace's coupon pool for this message (the same one however often it is built), or null when none is left. */
  coupon?: (workspaceId: string, pool: string, messageId: string) => Promise<string | null>;
}

/**
 * A near-store offer's coupon: the trigger's fixed code, or one claimed from its pool for this
 * message. An empty pool fails the send (the row is retried, then dropped with this reason), so no
 * offer goes out without its code.
 */
async function couponCode(deps: ComposerDeps, workspaceId: string, trigger: TriggerDefinition, messageId: string): Promise<string | null> {
  if (trigger.template !== "near_store_offer") return null;
  const coupon = couponOf(trigger.content);
  if (coupon && "code" in coupon) return coupon.code;
  const code = coupon && deps.coupon ? await deps.coupon(workspaceId, coupon.pool, messageId) : null;
  if (!code) throw new Error(`no coupon code left in pool ${coupon && "pool" in coupon ? coupon.pool : "(none)"}`);
  return code;
}

/** What the customer's own state says, read (synchronously) before the first await. */
export interface RecipientFacts {
  userId: string | null;
  traits: Record<string, unknown>;
  contact: Contact;
  cart: CartView;
  productSources(productId: string): ProductSources;
  order(orderId: string): OrderRow | undefined;
}

export interface ComposeRequest {
  workspaceId: string;
  profileKey: string;
  run: RunSummary;
  runContext: Record<string, unknown>;
  trigger: TriggerDefinition;
  step: number;
  channel: MessageChannel;
  now: number;
  timeZone: string;
  policy: MessagingPolicy;
  allowedOrigins: readonly string[];
}

export async function composeMessage(deps: ComposerDeps, req: ComposeRequest, recipient: RecipientFacts): Promise<OutgoingMessage> {
  const { run, trigger, workspaceId, profileKey } = req;
  const context = { productId: run.productId, context: req.runContext };
  const productIds = messageProductIds(trigger.template, context);
  const products = new Map<string, ProductSources>(productIds.map((id) => [id, recipient.productSources(id)]));
  if (run.productId !== null && req.runContext.product && typeof req.runContext.product === "object")
    products.get(run.productId)!.changeCard = req.runContext.product as Record<string, unknown>;
  const stored = trigger.template === "post_purchase" && typeof req.runContext.order_id === "string" ? recipient.order(req.runContext.order_id) : undefined;
  const order = stored && { ...stored, products: JSON.parse(stored.products) as ProductLine[] };
  const cartIds = recipient.cart.lines.map((l) => l.product_id);
  const shown = [...cartIds, ...productIds, ...(order?.products.map((p) => p.productId) ?? [])];

  const messageId = await messageIdFor(workspaceId, profileKey, run.runId, req.step, req.channel);
  const coupon = await couponCode(deps, workspaceId, trigger, messageId);
  // A contact confirmation is about the address alone: no products in it.
  const recommended =
    trigger.template === "contact_confirmation"
      ? []
      : await recommendedProducts(deps.recommend, { workspaceId, profileKey, template: trigger.template, productIds: shown, limit: RECOMMENDED_PER_MESSAGE });
  // One round of card reads: the products' current name and price, and the catalog url (the one
  // link destination a browser cannot have chosen) of everything the message links to.
  const cards = await deps.cards(workspaceId, [...shown, ...recommended.map((p) => p.product_id)]);
  for (const [id, sources] of products) sources.card = cards.get(id);
  const catalogUrls = new Map<string, string>();
  for (const [id, card] of cards) if (card.url) catalogUrls.set(id, card.url);

  const input = messageContent({
    run: context,
    trigger,
    step: req.step,
    channel: req.channel,
    messageId,
    now: req.now,
    recipient: { userId: recipient.userId, traits: recipient.traits, contact: recipient.contact, timeZone: req.timeZone },
    cart: recipient.cart,
    products,
    order,
    policy: req.policy,
    allowedOrigins: req.allowedOrigins,
    recommended,
    catalogUrls,
    couponCode: coupon,
  });
  const claims = { w: workspaceId, p: profileKey, m: messageId, ch: req.channel, t: trigger.id };
  const links = await trackedLinks(plannedLinks(input), claims, deps.tracking);
  // A contact confirmation carries the one link that confirms the address it was sent to.
  const asked = trigger.template === "contact_confirmation" ? (req.channel === "sms" ? recipient.contact.phone : recipient.contact.email) : null;
  const fixed = asked ? { ...links.fixed, confirm: await confirmationLink(claims, asked, deps.tracking) } : links.fixed;
  return {
    v: 1,
    message_id: messageId,
    workspace_id: workspaceId,
    profile_key: profileKey,
    channel: req.channel,
    trigger_id: trigger.id,
    template: trigger.template,
    step: req.step,
    created_at: new Date(req.now).toISOString(),
    payload: buildMessagePayload(input, links.tracked, fixed),
  };
}
