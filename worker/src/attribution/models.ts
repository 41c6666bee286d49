// Credits an order to the touches before it, under the four attribution models. Pure: the
// customer's object calls it when an order arrives (customer/attribution-store.ts); tested directly
// (worker/test/attribution-models.test.ts) with the README's worked example.
import type { AttributionModel } from "../contracts.ts";
import type { Touch } from "./touches.ts";

export type { AttributionModel };
/** Every model, each order credited under all of them (the API's list is contracts.ts's). */
export const ATTRIBUTION_MODELS = ["first_touch", "last_touch", "linear", "position_based"] as const satisfies readonly AttributionModel[];

export const DAY_MS = 24 * 60 * 60 * 1000;
/** The conversion window when the workspace sets none: touches up to 30 days before the order count. */
export const DEFAULT_CONVERSION_WINDOW_DAYS = 30;
export const MAX_CONVERSION_WINDOW_DAYS = 365;
/** position_based: the first and the last touch take 40 % each, the ones between share 20 %. */
export const POSITION_BASED_ENDS = 0.4;

/** One touch's share of an order under one model: weight in [0, 1], revenue = weight × the order's revenue. */
export interface Credit {
  /** Index into the touches the order was credited to. */
  touch: number;
  weight: number;
  revenue: number;
}

export interface OrderAttribution {
  /** The touches within the window, oldest first (the credits index into this list). */
  touches: Touch[];
  credits: Record<AttributionModel, Credit[]>;
}

/** The touches that may take credit for an order at `at`: within the window before it, oldest first. */
export function touchesInWindow(touches: readonly Touch[], at: number, windowDays: number): Touch[] {
  const since = at - windowDays * DAY_MS;
  return touches.filter((t) => t.ts <= at && t.ts >= since).sort((a, b) => a.ts - b.ts || a.event_id.localeCompare(b.event_id));
}

/** Each model's weights for n touches, oldest first; every list sums to 1. */
export function modelWeights(model: AttributionModel, n: number): number[] {
  if (n === 0) return [];
  if (n === 1) return [1];
  switch (model) {
    case "first_touch":
      return Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0));
    case "last_touch":
      return Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0));
    case "linear":
      return Array.from({ length: n }, () => 1 / n);
    case "position_based": {
      // Two touches have no middle: they split evenly, as GA's position-based model does.
      if (n === 2) return [0.5, 0.5];
      const middle = (1 - 2 * POSITION_BASED_ENDS) / (n - 2);
      return Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? POSITION_BASED_ENDS : middle));
    }
  }
}

/** Rounds money to cents, so stored credits read as amounts; the weights keep full precision. */
const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * Credits an order of `revenue` at `at` to `touches` (already the ones within the window, oldest
 * first) under every model. Touches with no weight under a model (first_touch's later ones) are
 * left out of that model's list.
 */
export function creditOrder(touches: readonly Touch[], revenue: number): OrderAttribution {
  const credits = {} as Record<AttributionModel, Credit[]>;
  for (const model of ATTRIBUTION_MODELS)
    credits[model] = modelWeights(model, touches.length).flatMap((weight, touch) => (weight > 0 ? [{ touch, weight, revenue: cents(weight * revenue) }] : []));
  return { touches: [...touches], credits };
}

/** What an order is worth to reports: Segment's `revenue`, else its `total`, else the sum of its lines. */
export function orderValue(order: { revenue?: number | undefined; total?: number | undefined; products: readonly { price?: number | undefined; quantity: number }[] }): number {
  if (order.revenue !== undefined) return order.revenue;
  if (order.total !== undefined) return order.total;
  return order.products.reduce((sum, p) => sum + (p.price ?? 0) * p.quantity, 0);
}
