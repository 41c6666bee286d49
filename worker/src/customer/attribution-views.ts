// How a customer's touches and order credits look through the API (`GET /v1/customers/:id`).
import { ATTRIBUTION_MODELS, type AttributionModel, type OrderAttribution } from "../attribution/models.ts";
import type { Touch } from "../attribution/touches.ts";
import type { AttributionStore } from "./attribution-store.ts";
import type { CustomerState } from "./views.ts";

/** Touches shown with a customer: the newest ones (attribution uses every one kept). */
const TOUCHES_SHOWN = 50;

/** A touch as the API shows it: its time as an ISO timestamp; the event id stays inside. */
export type TouchView = Omit<Touch, "ts" | "event_id"> & { timestamp: string };

export interface OrderAttributionView {
  revenue: number;
  window_days: number;
  /** Per model, each credited touch with its share (weight) and the revenue that share is worth. */
  models: Record<AttributionModel, (Omit<TouchView, "timestamp" | "kind"> & { touched_at: string; weight: number; revenue: number })[]>;
}

export function touchView({ ts, event_id: _eventId, ...touch }: Touch): TouchView {
  return { timestamp: new Date(ts).toISOString(), ...touch };
}

export function orderAttributionView(revenue: number, windowDays: number, attribution: OrderAttribution): OrderAttributionView {
  const models = {} as OrderAttributionView["models"];
  for (const model of ATTRIBUTION_MODELS)
    models[model] = attribution.credits[model].map((credit) => {
      const { timestamp, kind: _kind, ...touch } = touchView(attribution.touches[credit.touch]!);
      return { ...touch, touched_at: timestamp, weight: credit.weight, revenue: credit.revenue };
    });
  return { revenue, window_days: windowDays, models };
}

/** The customer's state with its lead source, touches (newest first) and each order's credits. */
export function withAttribution(state: CustomerState, attribution: AttributionStore): CustomerState {
  const orders = attribution.orderAttribution();
  return {
    ...state,
    orders: state.orders.map((order) => {
      const row = orders.get(order.order_id);
      return { ...order, attribution: row ? orderAttributionView(row.revenue, row.window_days, row.parsed) : null };
    }),
    lead_source: attribution.leadSource(),
    touches: attribution.touches().reverse().slice(0, TOUCHES_SHOWN).map(touchView),
  };
}
