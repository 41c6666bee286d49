// The rows of the CustomerDO's tables as SQLite stores them (customer/schema.ts): the types `sql<Row>` reads them as.
import type { Touch } from "../attribution/touches.ts";

export interface TraitRow {
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

export interface IdentityRow {
  kind: string;
  value: string;
  verified: number;
  claimed: number;
  first_seen: number;
  last_seen: number;
  /** Double opt-in: 1 once confirmed (sent by the backend, or the confirmation link clicked). */
  confirmed: number;
  confirm_requested_at: number | null;
}

export interface CartLineRow {
  product_id: string;
  variant: string;
  quantity: number;
  name: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
  url: string | null;
  image_url: string | null;
  channel: string;
  device: string | null;
  anonymous_id: string | null;
  added_at: number;
  updated_at: number;
}

export interface ViewedItemRow {
  product_id: string;
  view_count: number;
  first_seen: number;
  last_seen: number;
  name: string | null;
  category: string | null;
  price: number | null;
  currency: string | null;
  channel: string;
}

export interface OrderRow {
  order_id: string;
  total: number | null;
  revenue: number | null;
  currency: string | null;
  /** JSON text: the order's ProductLine[]. */
  products: string;
  channel: string;
  ts: number;
}

export interface TouchpointRow {
  ts: number;
  channel: string;
  type: string;
  event: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  referrer: string | null;
  message_id: string;
}

export interface RecentEventRow {
  message_id: string;
  ts: number;
  /** JSON text: the SeamEvent. */
  body: string;
}

export interface SeenMessageRow {
  message_id: string;
  received_at: number;
}

export interface ConsentRow {
  channel: string;
  granted: number;
  updated_at: number;
}

export interface ItemClickRow {
  item: string;
  category: string | null;
  ts: number;
}

/** A marketing touch (attribution/touches.ts Touch), as customer/attribution-store.ts stores it: its kind as SQLite text. */
export type TouchRow = Omit<Touch, "kind"> & { kind: string };

/** An order's attribution: its value, the window, and the credits under every model (JSON of OrderAttribution). */
export interface OrderAttributionRow {
  order_id: string;
  ts: number;
  revenue: number;
  window_days: number;
  attribution: string;
}

export interface IdentityConflictRow {
  kind: string;
  value: string;
  other_profile: string;
  ts: number;
}

// ---- messaging tables (customer/messaging-store.ts owns them) -----------------------------------

export interface TriggerRunRow {
  run_id: string;
  trigger_id: string;
  template: string;
  entry_key: string;
  status: string;
  reason: string | null;
  product_id: string | null;
  /** JSON text: what the run is about (cart version, order, product, catalog change). */
  context: string;
  started_at: number;
  anchor_at: number;
  next_step: number;
  last_sent_at: number | null;
  sent_count: number;
  updated_at: number;
}

export interface ScheduleRowRecord {
  id: string;
  run_id: string;
  trigger_id: string;
  kind: string;
  step: number;
  channel_index: number;
  /** JSON text of the channel plan, once one was chosen. */
  channels: string | null;
  /** What ordered the plan (preference, learned, cascade). */
  chosen_by: string | null;
  due_at: number;
  expires_at: number;
  status: string;
  reason: string | null;
  attempts: number;
  lease_until: number | null;
  message_id: string | null;
  source_received_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface MessageLogRow {
  message_id: string;
  run_id: string;
  trigger_id: string;
  template: string;
  step: number;
  channel: string;
  chosen_by: string | null;
  status: string;
  product_id: string | null;
  queued_at: number;
  event_received_at: number | null;
  enqueued_wall_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  failed_at: number | null;
  opened_at: number | null;
  clicked_at: number | null;
  error: string | null;
}
