// Hostile requests for every public route (fast-check arbitraries), and the state a refused one must leave alone.
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { app } from "../src/app.ts";
import { forgetCachedWorkspaces } from "../src/stores/workspaces.ts";
import { ADMIN_TOKEN, BASE, DEMO_SECRET_KEY, DEMO_WRITE_KEY, userHash } from "./helpers.ts";

/** Customers that exist before the fuzz starts: write-key requests try to reach them by userId. */
export const VICTIMS = ["victim-alice", "victim-bob"];

/** Every route the app serves (middleware entries left out), as method and path pattern. */
export function publicRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const routes: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: r.method, path: r.path });
  }
  return routes;
}

export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Customer ids the request names (fresh per case, or a victim's): a refused request must not create or change them. */
  customers: string[];
  /** Product ids it names: a refused request must not write them to the catalog. */
  products: readonly string[];
  describe: string;
}

// ---- values an attacker or a broken client sends ------------------------------------------

const oddStrings = fc.oneof(
  fc.constantFrom("", " ", "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\u202e\u202dtxe", "💥".repeat(3), "null", "undefined", "NaN",
    "__proto__", "constructor", "prototype", "../../etc/passwd", "%00", "%ZZ", "<script>alert(1)</script>", "' OR 1=1 --", "\\", "\"", "${x}"),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const absurdNumbers = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const timestamps = fc.oneof(
  fc.constantFrom("0000-01-01T00:00:00Z", "+275760-09-13T00:00:00.000Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2026-02-30T25:61:61Z", "yesterday", ""),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  absurdNumbers,
);
const scalar = fc.oneof(oddStrings, absurdNumbers, fc.boolean(), fc.constant(null));
/** JSON values whose object keys include the prototype-pollution names. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"), oddStrings), tie("value"), { maxKeys: 4 }),
})).value;

/** A customer id for this case: fresh (a uuid) with an odd suffix, or a victim's. */
const freshId = fc.tuple(fc.uuid(), fc.oneof(fc.constant(""), oddStrings)).map(([u, s]) => `fz-${u}${s}`);

const EVENT_NAMES = ["Product Viewed", "Product Added", "Product Removed", "Order Completed", "Checkout Started", "Consent Updated", "Subscribed", "Signed Up", "Message Clicked"];

/** A Segment-shaped event with some fields wrong, absurd or forged. */
const hostileEvent = fc.record(
  {
    type: fc.oneof(fc.constantFrom("track", "identify", "page", "screen", "alias", "group"), scalar),
    anonymousId: fc.oneof(freshId, scalar, fc.integer()),
    userId: fc.oneof(freshId, fc.constantFrom(...VICTIMS), scalar),
    previousId: fc.oneof(freshId, fc.constantFrom(...VICTIMS)),
    messageId: fc.oneof(fc.uuid(), scalar),
    event: fc.oneof(fc.constantFrom(...EVENT_NAMES), scalar, fc.string({ maxLength: 600 })),
    properties: fc.oneof(
      fc.record({ product_id: fc.oneof(freshId, scalar), price: fc.oneof(absurdNumbers, scalar), quantity: fc.oneof(absurdNumbers, scalar), order_id: fc.oneof(fc.uuid(), scalar), url: fc.oneof(fc.constant("javascript:alert(1)"), fc.webUrl(), scalar) }, { requiredKeys: [] }),
      hostileJson,
    ),
    traits: fc.oneof(fc.record({ email: fc.oneof(fc.emailAddress(), scalar), phone: fc.oneof(fc.constant("+4915112345678"), scalar) }, { requiredKeys: [] }), hostileJson),
    context: fc.oneof(fc.record({ userHash: fc.oneof(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }), scalar), channel: scalar, timezone: scalar }, { requiredKeys: [] }), hostileJson),
    timestamp: timestamps,
    sentAt: timestamps,
  },
  { requiredKeys: [] },
);

const deepValue = fc.integer({ min: 9, max: 3000 }).map((depth) => {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
});

type BodyKind = { body: string | undefined; customers: readonly string[]; products: readonly string[]; what: string };

const bodies: fc.Arbitrary<BodyKind> = fc.oneof(
  fc.array(hostileEvent, { maxLength: 5 }).map((batch) => ({ body: JSON.stringify({ batch }), ...named(batch), what: "batch" })),
  hostileEvent.map((e) => ({ body: JSON.stringify(e), ...named([e]), what: "event" })),
  hostileEvent.map((e) => ({ body: JSON.stringify({ batch: [e], writeKey: DEMO_WRITE_KEY }), ...named([e]), what: "batch+writeKey" })),
  hostileJson.map((v) => ({ body: JSON.stringify(v), customers: [], products: [], what: "json" })),
  fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ body: s, customers: [], products: [], what: "garbage" })),
  fc.constantFrom('{"batch": [', "{", "[]", "null", '"x"', "1e999", '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}', "\u0000", "").map((s) => ({ body: s, customers: [], products: [], what: "fragment" })),
  fc.tuple(deepValue, freshId).map(([v, id]) => ({ body: JSON.stringify({ batch: [{ type: "track", anonymousId: id, event: "X", properties: v }] }), customers: [id], products: [], what: "deep" })),
  fc.tuple(fc.constantFrom(600 * 1024, 2 * 1024 * 1024), freshId).map(([n, id]) => ({ body: JSON.stringify({ batch: [{ type: "track", anonymousId: id, event: "X", properties: { s: "x".repeat(n) } }] }), customers: [id], products: [], what: "huge" })),
  fc.array(fc.record({ product_id: fc.oneof(freshId, scalar), price: fc.oneof(absurdNumbers, scalar), url: fc.oneof(fc.webUrl(), scalar), name: scalar }, { requiredKeys: [] }), { maxLength: 3 }).map((products) => ({
    body: JSON.stringify({ products }),
    customers: [],
    products: products.map((p) => p.product_id).filter((id): id is string => typeof id === "string"),
    what: "catalog",
  })),
  fc.constant({ body: undefined, customers: [], products: [], what: "none" }),
);

function named(events: Record<string, unknown>[]): { customers: string[]; products: string[] } {
  const customers = new Set<string>();
  const products = new Set<string>();
  for (const e of events) {
    for (const key of ["anonymousId", "userId", "previousId"]) if (typeof e[key] === "string") customers.add(e[key] as string);
    const props = e.properties as Record<string, unknown> | undefined;
    if (props && typeof props.product_id === "string") products.add(props.product_id);
  }
  return { customers: [...customers], products: [...products] };
}

const AUTHS = [
  ["none", {}],
  ["write key", { authorization: `Basic ${btoa(`${DEMO_WRITE_KEY}:`)}` }],
  ["unknown write key", { authorization: `Basic ${btoa("wk_forged:")}` }],
  ["garbage basic", { authorization: "Basic %%%not-base64" }],
  ["secret key", { authorization: `Bearer ${DEMO_SECRET_KEY}` }],
  ["forged secret key", { authorization: "Bearer sk_forged" }],
  ["secret key as basic", { authorization: `Basic ${btoa(`${DEMO_SECRET_KEY}:`)}` }],
  ["operator token", { authorization: `Bearer ${ADMIN_TOKEN}` }],
  ["forged operator token", { authorization: "Bearer admin_forged" }],
] as [string, Record<string, string>][];

/** The credential a route expects, so most cases get past auth and reach validation and state. */
function rightAuth(path: string): [string, Record<string, string>] {
  const name = path.startsWith("/admin/")
    ? "operator token"
    : /^\/v1\/(t\/|unsubscribe\/)/.test(path)
      ? "none"
      : /^\/v1\/(profile|cart|recs|batch|b|import|track|t|identify|i|page|p|screen|s|alias|a|group|g)$/.test(path)
        ? "write key"
        : "secret key";
  return AUTHS.find(([n]) => n === name)!;
}

const contentTypes = fc.constantFrom(undefined, "application/json", "text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/gif", "application/json; charset=utf-16");

const queries = fc.dictionary(
  fc.constantFrom("writeKey", "anonymousId", "userId", "userHash", "type", "item", "category", "limit", "customer", "channel", "trigger", "before", "__proto__"),
  fc.oneof(fc.constant(DEMO_WRITE_KEY), freshId, fc.constantFrom(...VICTIMS), fc.constantFrom("for_you", "similar", "trending", "-1", "0", "99999999999999999999", "1e3"), oddStrings),
  { maxKeys: 5 },
);

export function fuzzCases(routes: { method: string; path: string }[]): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") }),
      param: fc.oneof(freshId, fc.constantFrom(...VICTIMS), fc.constantFrom("demo", "v1.AAAA", "x".repeat(5000), "%00", "..%2F..")),
      auth: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...AUTHS) }),
      contentType: contentTypes,
      body: bodies,
      query: queries,
      origin: fc.constantFrom(undefined, "https://evil.example", "null"),
    })
    .map(({ route, method, param, auth: anyAuth, contentType, body, query, origin }) => {
      const auth = anyAuth ?? rightAuth(route.path);
      const path = route.path.replace(/:[A-Za-z_]+/g, () => encodeURIComponent(param.toWellFormed()));
      const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v).toWellFormed()]));
      const headers: Record<string, string> = { ...auth[1] };
      if (contentType) headers["content-type"] = contentType;
      if (origin) headers.origin = origin;
      const m = method ?? route.method;
      const customers = [...body.customers, ...(route.path.includes(":id") ? [param.toWellFormed()] : [])];
      for (const key of ["anonymousId", "userId"]) if (typeof query[key] === "string") customers.push((query[key] as string).toWellFormed());
      return {
        method: m,
        path: search.size ? `${path}?${search}` : path,
        headers,
        body: m === "GET" || m === "HEAD" ? undefined : body.body,
        customers,
        products: body.products,
        describe: `${m} ${route.path} [${auth[0]}, ${contentType ?? "no type"}, ${body.what}]`,
      };
    });
}

export async function send(c: FuzzCase): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${c.path}`, { method: c.method, headers: c.headers, body: c.body, redirect: "manual" }));
}

/** The victims as customers with a cart and an email, made with the secret key before the fuzz. */
export async function createVictims(): Promise<void> {
  for (const userId of VICTIMS) {
    const res = await exports.default.fetch(
      new Request(`${BASE}/v1/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEMO_SECRET_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          batch: [
            { type: "identify", userId, traits: { email: `${userId}@shop.example` }, context: { userHash: await userHash(userId) } },
            { type: "track", userId, event: "Product Added", properties: { product_id: "ring", price: 900 } },
          ],
        }),
      }),
    );
    if (res.status !== 200) throw new Error(`victim ${userId}: ${res.status}`);
  }
}

/**
 * What a refused request could have changed synchronously: workspace configuration in D1, the
 * messaging config in KV, and the victims. (Aggregates, the directory and the outbox are written
 * later by queues from accepted events, so they are not part of it.)
 */
export async function configFingerprint(): Promise<string> {
  const tables = ["workspaces", "trigger_definitions", "trigger_definition_versions", "messaging_policies", "channel_webhooks", "catalog", "catalog_changes", "segment_definitions", "segment_backfills", "stores", "coupon_codes"];
  const rows = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`)));
  const kv = await env.CONFIG_KV.list();
  const victims = await Promise.all(VICTIMS.map((id) => victimState(id)));
  return JSON.stringify([rows.map((r) => r.results), kv.keys.map((k) => k.name), victims]);
}

/** A victim's state as the store's backend sees it. */
async function victimState(id: string): Promise<unknown> {
  const res = await exports.default.fetch(new Request(`${BASE}/v1/customers/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${DEMO_SECRET_KEY}` } }));
  const state = (await res.json()) as { event_count?: number; traits?: unknown; cart?: unknown };
  return { status: res.status, events: state.event_count, traits: state.traits, cart: state.cart };
}

/**
 * The ids among `ids` that have a customer object at all, found without waking one: a refused
 * request must not even have created an object (and checking by waking thousands of them would
 * hold thousands of SQLite files open).
 */
export async function existingCustomers(ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const created = new Set((await listDurableObjectIds(env.CUSTOMER)).map((id) => id.toString()));
  const found: string[] = [];
  for (const id of ids)
    for (const key of [`u:${id}`, `a:${id}`]) {
      const objectId = env.CUSTOMER.idFromName(`demo:${key}`);
      // A read of an unknown customer may leave an empty storage file locally; a customer exists once its object has tables.
      if (created.has(objectId.toString()) && (await tableCount(env.CUSTOMER.get(objectId))) > 0) {
        found.push(id);
        break;
      }
    }
  return found;
}

function tableCount(stub: DurableObjectStub): Promise<number> {
  return runInDurableObject(stub, (_instance, state) => Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM sqlite_master`).one().n));
}

/** The demo workspace as the seed made it (keys, origins, settings), and no isolate copy of another. */
export async function restoreDemoWorkspace(): Promise<void> {
  const seed = env.TEST_SEED_SQL.replace(/^--.*$/gm, "");
  for (const statement of seed.split(";").map((s) => s.trim()).filter(Boolean)) await env.DB.prepare(statement).run();
  await env.DB.prepare(`UPDATE workspaces SET name = 'Demo store', allowed_origins = '["*"]', settings = ? WHERE id = 'demo'`)
    .bind(JSON.stringify({ rateLimit: { requestsPerMinute: 1_000_000 } }))
    .run();
  forgetCachedWorkspaces();
}
