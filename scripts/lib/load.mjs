// A storefront load with a known outcome: per-customer event streams, their exact expected state,
// a concurrent sender that re-sends batches the way a client that lost an answer does, and a check
// of every customer's state against what was expected. Used by `npm run bench:load` and the
// restart test (`npm run test:restart`).

const PRODUCTS_PER_CUSTOMER = 12;
const MAX_ORDERS = 3;

/** A small deterministic PRNG (mulberry32): the same seed gives the same load. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `events` events over `customers` customers, each customer's stream cut into batches of 1–20 (as
 * an SDK flushes). Returns the batches per customer and each customer's expected state: event
 * count, view counts, cart quantities (adds, removes, cleared by an order) and order ids.
 */
export function planLoad({ customers, events, seed = 1, prefix = `load-${Date.now().toString(36)}` }) {
  const rand = random(seed);
  const pick = (n) => Math.floor(rand() * n);
  const start = Date.now() - 3_600_000;
  const plans = [];
  for (let c = 0; c < customers; c++) {
    const anonymousId = `${prefix}-c${c}`;
    const count = Math.floor(events / customers) + (c < events % customers ? 1 : 0);
    const expected = { events: count, views: {}, cart: {}, orders: [] };
    const stream = [];
    for (let i = 0; i < count; i++) {
      const product = `p${pick(PRODUCTS_PER_CUSTOMER)}`;
      const base = { anonymousId, messageId: `${anonymousId}-e${i}`, timestamp: new Date(start + i * 1000).toISOString() };
      const roll = rand();
      let event;
      if (roll < 0.6) {
        event = { ...base, type: "track", event: "Product Viewed", properties: { product_id: product, price: 10 } };
        expected.views[product] = (expected.views[product] ?? 0) + 1;
      } else if (roll < 0.8) {
        const quantity = 1 + pick(3);
        event = { ...base, type: "track", event: "Product Added", properties: { product_id: product, price: 10, quantity } };
        expected.cart[product] = Math.min((expected.cart[product] ?? 0) + quantity, 10_000);
      } else if (roll < 0.88 && Object.keys(expected.cart).length) {
        const line = Object.keys(expected.cart)[pick(Object.keys(expected.cart).length)];
        event = { ...base, type: "track", event: "Product Removed", properties: { product_id: line, quantity: 1 } };
        expected.cart[line] -= 1;
        if (expected.cart[line] <= 0) delete expected.cart[line];
      } else if (roll < 0.93 && expected.orders.length < MAX_ORDERS && Object.keys(expected.cart).length) {
        const orderId = `${anonymousId}-o${expected.orders.length}`;
        const products = Object.entries(expected.cart).map(([product_id, quantity]) => ({ product_id, quantity, price: 10 }));
        event = { ...base, type: "track", event: "Order Completed", properties: { order_id: orderId, total: 10, products } };
        expected.orders.push(orderId);
        expected.cart = {};
      } else {
        event = { ...base, type: "page", name: "Category", properties: { path: "/c" } };
      }
      stream.push(event);
    }
    const batches = [];
    for (let i = 0; i < stream.length; ) {
      const size = 1 + pick(20);
      batches.push(stream.slice(i, i + size));
      i += size;
    }
    plans.push({ anonymousId, batches, expected });
  }
  return plans;
}

/**
 * Sends every customer's batches in order (one request at a time per customer, as an SDK does),
 * `concurrency` customers at once. A batch answered 5xx or not at all is sent again, like the SDK.
 * `resendRate` of the batches are sent once more after their answer (a client that lost it), and
 * a third of those at the same time as the original instead. Stops early when `signal` aborts.
 */
export async function runLoad(url, plans, { writeKey = "wk_demo", concurrency = 64, resendRate = 0.1, seed = 2, signal, onAccepted } = {}) {
  const rand = random(seed);
  const stats = { requests: 0, sent: 0, accepted: 0, duplicate: 0, rejected: 0, serverErrors: 0, networkErrors: 0, latencies: [] };
  const post = async (batch) => {
    const began = performance.now();
    stats.requests += 1;
    stats.sent += batch.length;
    try {
      const res = await fetch(`${url}/v1/batch`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ writeKey, batch }),
        signal,
      });
      const body = await res.json().catch(() => ({}));
      stats.latencies.push(performance.now() - began);
      if (res.status >= 500) {
        stats.serverErrors += 1;
        return false;
      }
      for (const result of body.results ?? []) {
        if (result.status === "accepted") {
          stats.accepted += 1;
          onAccepted?.(result.messageId);
        } else if (result.status === "duplicate") stats.duplicate += 1;
        else stats.rejected += 1;
      }
      return res.status < 500;
    } catch (error) {
      if (signal?.aborted) throw error;
      stats.networkErrors += 1;
      return false;
    }
  };
  const deliver = async (batch) => {
    for (let attempt = 0; !(await post(batch)); attempt++) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
  };
  let next = 0;
  const worker = async () => {
    while (next < plans.length && !signal?.aborted) {
      const plan = plans[next++];
      for (const batch of plan.batches) {
        const roll = rand();
        if (roll < resendRate / 3) await Promise.all([deliver(batch), deliver(batch)]);
        else {
          await deliver(batch);
          if (roll < resendRate) await deliver(batch);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats;
}

export function percentile(values, p) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Reads one customer's state with the secret key (null when it does not exist). */
export async function customerState(url, id, secretKey = "sk_demo") {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/v1/customers/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${secretKey}` } });
    if (res.status === 404) return null;
    if (res.ok) return res.json();
    if (attempt >= 5) throw new Error(`reading ${id}: ${res.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Compares every customer's state with what its stream should have produced. `lost` counts
 * events (or units of a view count, a cart quantity, an order) missing; `double` counts extra ones.
 */
export async function checkState(url, plans, { concurrency = 32 } = {}) {
  const totals = { lost: 0, double: 0, mismatches: [] };
  const compare = (what, id, want, got) => {
    if (got < want) totals.lost += want - got;
    if (got > want) totals.double += got - want;
    if (got !== want && totals.mismatches.length < 10) totals.mismatches.push(`${id} ${what}: expected ${want}, found ${got}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const { anonymousId: id, expected } = plans[next++];
      const state = await customerState(url, id);
      compare("events", id, expected.events, state?.event_count ?? 0);
      const views = Object.fromEntries((state?.viewed_items ?? []).map((v) => [v.product_id, v.view_count]));
      for (const p of new Set([...Object.keys(expected.views), ...Object.keys(views)])) compare(`views of ${p}`, id, expected.views[p] ?? 0, views[p] ?? 0);
      const cart = Object.fromEntries((state?.cart?.lines ?? []).map((l) => [l.product_id, l.quantity]));
      for (const p of new Set([...Object.keys(expected.cart), ...Object.keys(cart)])) compare(`cart quantity of ${p}`, id, expected.cart[p] ?? 0, cart[p] ?? 0);
      const orders = new Set((state?.orders ?? []).map((o) => o.order_id));
      for (const o of expected.orders) if (!orders.has(o)) compare(`order ${o}`, id, 1, 0);
      for (const o of orders) if (!expected.orders.includes(o)) compare(`order ${o}`, id, 0, 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return totals;
}
