// Trigger evaluation: which runs an event batch starts, postpones or ends, and whether a due step
// still applies (catalog changes: triggers/catalog-triggers.ts).
import { canonicalEventName, commerceEffects, productFrom } from "../commerce/ecommerce.ts";
import type { SeamEvent } from "../schemas.ts";
import { audienceAllows } from "./audience.ts";
import { DAY_MS, HOUR_MS, MINUTE_MS, type TemplateName, type TriggerDefinition } from "./definitions.ts";
import { CLICK_EVENTS } from "./engagement.ts";

export type RunStatus = "active" | "completed" | "exited" | "superseded";

/** A run is one customer's pass through one trigger: its steps share an anchor and end together. */
export interface RunSummary {
  runId: string;
  triggerId: string;
  template: TemplateName;
  entryKey: string;
  status: RunStatus;
  /** The product the run is about (browse, interest, price drop, restock), else null. */
  productId: string | null;
  startedAt: number;
  /** Step delays count from here: the last cart change, the sign-up, the order… */
  anchorAt: number;
  lastSentAt: number | null;
  sentCount: number;
}

/** Read access to the customer's runs; the DO answers from SQLite, unit tests from arrays. */
export interface RunLookup {
  run(runId: string): RunSummary | undefined;
  /** Runs still in progress: active, or completed with a cascade hop still pending. */
  active(triggerId: string): RunSummary[];
  /** When a run of this trigger last sent a message (the cool-down clock), or null. */
  lastSentAt(triggerId: string): number | null;
}

export interface CartSnapshot {
  lineCount: number;
  /** A digest of the cart's lines: "once per cart version" compares these. */
  version: string;
  updatedAt: number | null;
  productIds: ReadonlySet<string>;
}

export interface BatchFacts {
  /** The clock: when the batch reached the edge. */
  now: number;
  cart: CartSnapshot;
  /** The batch changed the cart (an Ecommerce cart event, or a merge brought lines in). */
  cartChanged: boolean;
  /** Total views of each product the batch viewed, after the batch. */
  viewCounts: ReadonlyMap<string, number>;
  /** The segments the customer is in after the batch: a trigger with an audience starts only for its members. */
  segments?: ReadonlySet<string>;
}

export type TriggerAction =
  | {
      kind: "start";
      trigger: TriggerDefinition;
      runId: string;
      entryKey: string;
      anchorAt: number;
      productId: string | null;
      context: Record<string, unknown>;
      firstDueAt: number;
    }
  /** The run's first step has not gone yet and its anchor moved (another cart change, another view). */
  | { kind: "postpone"; trigger: TriggerDefinition; runId: string; anchorAt: number; dueAt: number }
  | { kind: "end"; runId: string; status: "exited" | "superseded"; reason: string };

export const runIdOf = (triggerId: string, entryKey: string) => `${triggerId}:${entryKey}`;

/**
 * Per-product triggers (browse, product interest) keep at most this many runs going at once:
 * a customer browsing fifty products twice must not queue fifty messages for the caps to drop.
 */
export const MAX_LIVE_RUNS_PER_TRIGGER = 3;

/**
 * A cart version: a 53-bit digest of its lines (product, variant, quantity) in key order. The
 * same contents give the same version, however they were reached.
 */
export function cartVersion(lines: readonly { product_id: string; variant: string; quantity: number }[]): string {
  const text = [...lines]
    .sort((a, b) => (a.product_id === b.product_id ? (a.variant < b.variant ? -1 : 1) : a.product_id < b.product_id ? -1 : 1))
    .map((l) => `${l.product_id}\u0001${l.variant}\u0001${l.quantity}`)
    .join("\u0002");
  // cyrb53 (public domain): two 32-bit multiply-xorshift lanes, cheap and well distributed.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** A new run of `trigger` for one entry, its first step due `steps[0].delay_minutes` after `anchorAt`. */
export function startAction(
  trigger: TriggerDefinition,
  entryKey: string,
  anchorAt: number,
  productId: string | null,
  context: Record<string, unknown>,
): Extract<TriggerAction, { kind: "start" }> {
  return { kind: "start", trigger, runId: runIdOf(trigger.id, entryKey), entryKey, anchorAt, productId, context, firstDueAt: stepDueAt(trigger, anchorAt, 0) };
}

/** When step `index` of a run is due. */
export function stepDueAt(trigger: TriggerDefinition, anchorAt: number, index: number): number {
  return anchorAt + (trigger.steps[index]?.delay_minutes ?? 0) * MINUTE_MS;
}

export function coolingDown(trigger: TriggerDefinition, runs: RunLookup, now: number): boolean {
  const last = runs.lastSentAt(trigger.id);
  return last !== null && now - last < trigger.cooldown_hours * HOUR_MS;
}

/** What the events of one batch say, gathered once for all triggers. */
interface BatchSignals {
  orders: { orderId: string; productIds: string[]; ts: number }[];
  ordered: Set<string>;
  added: Set<string>;
  /** Last view time of each product viewed in the batch. */
  viewed: Map<string, number>;
  /** Canonical name → time of the latest event with that name. */
  names: Map<string, number>;
  clicks: { productId: string; ts: number; messageId: string | null }[];
}

function signals(events: readonly SeamEvent[]): BatchSignals {
  const s: BatchSignals = { orders: [], ordered: new Set(), added: new Set(), viewed: new Map(), names: new Map(), clicks: [] };
  for (const event of events) {
    if (event.type !== "track") continue;
    const name = canonicalEventName(event.event);
    s.names.set(name, Math.max(s.names.get(name) ?? 0, event.timestamp));
    const effects = commerceEffects(event);
    if (effects.order) {
      const productIds = effects.order.products.map((p) => p.productId);
      s.orders.push({ orderId: effects.order.orderId, productIds, ts: event.timestamp });
      for (const id of productIds) s.ordered.add(id);
    }
    if (effects.cart?.kind === "add") s.added.add(effects.cart.line.productId);
    if (effects.viewed) s.viewed.set(effects.viewed.productId, Math.max(s.viewed.get(effects.viewed.productId) ?? 0, event.timestamp));
    if (CLICK_EVENTS.has(name)) {
      const product = productFrom(event.properties);
      const messageId = typeof event.properties.message_id === "string" ? event.properties.message_id : null;
      if (product) s.clicks.push({ productId: product.productId, ts: event.timestamp, messageId });
    }
  }
  return s;
}

/** Runs about one product end when the customer adds it to the cart or buys it. */
export const PRODUCT_EXIT_TEMPLATES = new Set<TemplateName>(["browse_abandonment", "product_interest"]);
const PURCHASE_EXIT_TEMPLATES = new Set<TemplateName>(["browse_abandonment", "product_interest", "price_drop", "back_in_stock"]);

/**
 * Plans what a batch of one customer's accepted events does to their trigger runs. Exits come
 * first and take effect at this event (an order or an emptied cart ends the abandoned-cart run
 * before its next step, not at it); then entries, subject to the re-entry rules: once per entry
 * key (cart version, order, customer), and a cool-down per trigger after a run sent a message.
 */
export function planForEvents(
  events: readonly SeamEvent[],
  triggers: readonly TriggerDefinition[],
  facts: BatchFacts,
  runs: RunLookup,
): TriggerAction[] {
  const actions: TriggerAction[] = [];
  const s = signals(events);
  const ended = new Set<string>();
  const end = (run: RunSummary, status: "exited" | "superseded", reason: string) => {
    if (ended.has(run.runId)) return;
    ended.add(run.runId);
    actions.push({ kind: "end", runId: run.runId, status, reason });
  };
  const enabled = triggers.filter((t) => t.enabled);

  // ---- exits, at the event ------------------------------------------------------------------
  for (const trigger of enabled) {
    for (const run of runs.active(trigger.id)) {
      if (trigger.template === "abandoned_cart") {
        if (s.orders.length) end(run, "exited", "order_completed");
        else if (facts.cartChanged && facts.cart.lineCount === 0) end(run, "exited", "cart_emptied");
      } else if (run.productId !== null) {
        if (PURCHASE_EXIT_TEMPLATES.has(trigger.template) && s.ordered.has(run.productId)) end(run, "exited", "purchased");
        else if (PRODUCT_EXIT_TEMPLATES.has(trigger.template) && s.added.has(run.productId)) end(run, "exited", "added_to_cart");
      }
    }
  }
  const stillActive = (triggerId: string) => runs.active(triggerId).filter((r) => !ended.has(r.runId));
  const liveRuns = (trigger: TriggerDefinition) =>
    stillActive(trigger.id).length + actions.filter((a) => a.kind === "start" && a.trigger.id === trigger.id).length;

  // ---- entries --------------------------------------------------------------------------------
  const start = (trigger: TriggerDefinition, entryKey: string, anchorAt: number, productId: string | null, context: Record<string, unknown>) =>
    actions.push(startAction(trigger, entryKey, anchorAt, productId, context));

  for (const trigger of enabled.filter((t) => audienceAllows(t.audience, facts.segments))) {
    switch (trigger.template) {
      case "abandoned_cart": {
        if (!facts.cartChanged || facts.cart.lineCount === 0) break;
        const entryKey = `cart:${facts.cart.version}`;
        const runId = runIdOf(trigger.id, entryKey);
        const anchorAt = facts.cart.updatedAt ?? facts.now;
        const active = stillActive(trigger.id);
        const same = active.find((r) => r.runId === runId);
        if (same) {
          if (same.sentCount === 0) actions.push({ kind: "postpone", trigger, runId, anchorAt, dueAt: stepDueAt(trigger, anchorAt, 0) });
          break;
        }
        // A series already under way carries on with the current cart; an unsent one is replaced.
        if (active.some((r) => r.sentCount > 0)) break;
        for (const r of active) end(r, "superseded", "cart_changed");
        if (runs.run(runId) || coolingDown(trigger, runs, facts.now)) break;
        start(trigger, entryKey, anchorAt, null, { cart_version: facts.cart.version });
        break;
      }
      case "browse_abandonment": {
        for (const [productId, viewedAt] of s.viewed) {
          if ((facts.viewCounts.get(productId) ?? 0) < trigger.min_views) continue;
          if (facts.cart.productIds.has(productId) || s.added.has(productId) || s.ordered.has(productId)) continue;
          const active = stillActive(trigger.id).find((r) => r.productId === productId);
          if (active) {
            if (active.sentCount === 0)
              actions.push({ kind: "postpone", trigger, runId: active.runId, anchorAt: viewedAt, dueAt: stepDueAt(trigger, viewedAt, 0) });
            continue;
          }
          if (liveRuns(trigger) >= MAX_LIVE_RUNS_PER_TRIGGER || coolingDown(trigger, runs, facts.now)) continue;
          start(trigger, `${productId}@${viewedAt}`, viewedAt, productId, { product_id: productId });
        }
        break;
      }
      case "welcome_series": {
        const entryNames = trigger.entry_events.map(canonicalEventName);
        const at = Math.max(0, ...entryNames.map((n) => s.names.get(n) ?? 0));
        if (at === 0) break;
        if (runs.run(runIdOf(trigger.id, "once"))) break;
        start(trigger, "once", at, null, {});
        break;
      }
      case "post_purchase": {
        for (const order of s.orders) {
          const entryKey = `order:${order.orderId}`;
          if (runs.run(runIdOf(trigger.id, entryKey)) || coolingDown(trigger, runs, facts.now)) continue;
          start(trigger, entryKey, order.ts, null, { order_id: order.orderId, product_ids: order.productIds });
        }
        break;
      }
      case "product_interest": {
        for (const click of s.clicks) {
          const { productId } = click;
          if (facts.cart.productIds.has(productId) || s.added.has(productId) || s.ordered.has(productId)) continue;
          if (stillActive(trigger.id).some((r) => r.productId === productId)) continue;
          if (actions.some((a) => a.kind === "start" && a.trigger.id === trigger.id && a.productId === productId)) continue;
          if (liveRuns(trigger) >= MAX_LIVE_RUNS_PER_TRIGGER || coolingDown(trigger, runs, facts.now)) continue;
          start(trigger, `${productId}@${click.ts}`, click.ts, productId, { product_id: productId, clicked_message_id: click.messageId });
        }
        break;
      }
      default:
        // price_drop, back_in_stock and new_in_favourite_category start from catalog changes, near_store_offer from
        // the visitor's location (triggers/near-store.ts), not from the customer's events.
        break;
    }
  }
  return actions;
}

/** The customer's state at send time, for the last check before a step goes out. */
export interface SendTimeFacts {
  cartLineCount: number;
  cartProductIds: ReadonlySet<string>;
  /** Latest order time, and the latest order time per product. */
  lastOrderAt: number | null;
  productBoughtAt(productId: string): number | null;
  /** When another run of the same trigger last sent, for the cool-down. */
  otherRunLastSentAt: number | null;
}

/**
 * Whether a due step still makes sense: late events (an order sent from an offline till) may
 * have changed things after the run was planned. `reason` says why a run ends instead.
 */
export function stepStillWanted(
  trigger: TriggerDefinition,
  run: RunSummary,
  facts: SendTimeFacts,
  now: number,
): { ok: true } | { ok: false; reason: string } {
  if (run.sentCount === 0 && facts.otherRunLastSentAt !== null && now - facts.otherRunLastSentAt < trigger.cooldown_hours * HOUR_MS)
    return { ok: false, reason: "cooldown" };
  switch (trigger.template) {
    case "abandoned_cart":
      if (facts.cartLineCount === 0) return { ok: false, reason: "cart_emptied" };
      if (facts.lastOrderAt !== null && facts.lastOrderAt >= run.anchorAt) return { ok: false, reason: "order_completed" };
      return { ok: true };
    case "browse_abandonment":
    case "product_interest":
    case "price_drop":
    case "back_in_stock": {
      if (run.productId === null) return { ok: true };
      const bought = facts.productBoughtAt(run.productId);
      if (bought !== null && bought >= run.anchorAt) return { ok: false, reason: "purchased" };
      if (PRODUCT_EXIT_TEMPLATES.has(trigger.template) && facts.cartProductIds.has(run.productId))
        return { ok: false, reason: "added_to_cart" };
      return { ok: true };
    }
    default:
      return { ok: true };
  }
}
