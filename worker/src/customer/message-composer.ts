// Builds the message a due step sends: its content from the customer's facts and the catalog's
// current cards, recommended products, and tracked links. Everything it needs is passed in.
import type { ProductCard } from "../catalog/product.ts";
import type { Env } from "../env.ts";
import type { ProductLine } from "../commerce/ecommerce.ts";
import { messageContent, messageProductIds, type ProductSources } from "../messages/content.ts";
import { trackedLinks, type LinkTracking } from "../messages/links.ts";
import { messageIdFor, type OutgoingMessage } from "../messages/message.ts";
import { buildMessagePayload, plannedLinks } from "../messages/payload.ts";
import {
  RECOMMENDED_PER_MESSAGE,
  recommendedProducts,
  type ProductSummary,
  type RecommendationRequest,
  type RecommendationsProvider,
} from "../messages/recommendations.ts";
import { serveRecommendations } from "../recs/serve.ts";
import { kvLookups } from "../stores/recs-lookups.ts";
import type { CartView } from "../schemas.ts";
import type { Contact } from "../triggers/channels.ts";
import type { MessageChannel, MessagingPolicy, TriggerDefinition } from "../triggers/definitions.ts";
import type { RunSummary } from "../triggers/evaluate.ts";
import type { OrderRow } from "./rows.ts";
import type { CustomerReads } from "./store-reads.ts";

export interface ComposerDeps {
  /** The catalog's current cards of these products (KV, through the isolate cache); missing ones are left out. */
  cards(workspaceId: string, productIds: readonly string[]): Promise<Map<string, ProductCard>>;
  recommend: RecommendationsProvider | undefined;
  tracking: LinkTracking;
}

/** The composer's reads for one customer's object: the catalog's cards and recommendations, from KV. */
export function kvComposerDeps(env: Pick<Env, "RECS_KV" | "LINK_SECRET" | "TRACKING_BASE_URL">, reads: CustomerReads): ComposerDeps {
  return {
    cards: (workspaceId, productIds) => catalogCards(env.RECS_KV, workspaceId, productIds),
    recommend: (request) => recommendForMessage(env.RECS_KV, reads, request),
    tracking: { secret: env.LINK_SECRET, baseUrl: env.TRACKING_BASE_URL },
  };
}

/**
 * Recommended products for a message's payload: complements of the products the message is about
 * (the cart, the viewed or ordered products), else what the customer's session suggests.
 */
async function recommendForMessage(kv: KVNamespace, reads: CustomerReads, request: RecommendationRequest): Promise<ProductSummary[]> {
  const ctx = reads.recommendationContext();
  const seeded = request.productIds.length > 0;
  const result = await serveRecommendations(
    { type: seeded ? "cart" : "for_you", limit: request.limit },
    seeded ? { ...ctx, cart: [...new Set([...ctx.cart, ...request.productIds])] } : ctx,
    kvLookups(kv, request.workspaceId),
  );
  return result.items.map(({ score: _score, in_stock: _inStock, ...card }) => card);
}

/** The catalog's current cards (KV, through the isolate cache) of the products a message shows. */
async function catalogCards(kv: KVNamespace, workspaceId: string, productIds: readonly string[]): Promise<Map<string, ProductCard>> {
  const lookups = kvLookups(kv, workspaceId);
  const cards = new Map<string, ProductCard>();
  await Promise.all(
    [...new Set(productIds)].map(async (id) => {
      const card = await lookups.card(id);
      if (card) cards.set(id, card);
    }),
  );
  return cards;
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
  const recommended = await recommendedProducts(deps.recommend, {
    workspaceId,
    profileKey,
    template: trigger.template,
    productIds: shown,
    limit: RECOMMENDED_PER_MESSAGE,
  });
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
  });
  const links = await trackedLinks(plannedLinks(input), { w: workspaceId, p: profileKey, m: messageId, ch: req.channel, t: trigger.id }, deps.tracking);
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
    payload: buildMessagePayload(input, links.tracked, links.fixed),
  };
}
