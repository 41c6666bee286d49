// The DOM-free SDK core: analytics.js-shaped API over a durable, batched, retrying event queue.
// The browser build adds page context and unload handling; React Native and servers use it as is.
// It ships to every shopper, so it is written for size: short names inside, no dependencies.
// The answers it reads are typed by the worker's own contracts, imported type-only (no byte ships).
import type { CartView, ErrorBody, IngestResponse, RecsResponse, VisitorProfile } from "../../worker/src/contracts.ts";

export type { CartView, RecsResponse, VisitorProfile };

/** Where the SDK keeps its queue and identity: localStorage, AsyncStorage, or anything shaped like them. */
export interface SeamStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): unknown;
  removeItem(key: string): unknown;
  /**
   * Lists every key. When present, each SDK instance (tab) writes only its own queue key and takes
   * over the queues of instances that went away, so two tabs never overwrite each other's events.
   * Without it there is one queue key, which suits one process (an app, a server).
   */
  keys?(): readonly string[] | Promise<readonly string[]>;
}

/** What the SDK needs of an HTTP response: `fetch`'s Response satisfies it. */
export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

/** A fetch-compatible function; `fetch` itself is the default. */
export type Transport = (
  url: string,
  init?: { method?: string; body?: string; keepalive?: boolean; credentials?: "include" },
) => Promise<TransportResponse>;

export interface SeamOptions {
  /** The workspace's write key (public; it can only send events and read the visitor's own state). */
  writeKey: string;
  /** Base URL of the Seam worker, e.g. `https://seam.example.com`. Default: the page's own origin. */
  host?: string;
  /** Durable storage for the queue and identity. Default: memory (nothing survives a restart). */
  storage?: SeamStorage;
  /** Transport. Default: the global `fetch`. */
  fetch?: Transport;
  /** Send when this many events are queued. Default 20. */
  flushAt?: number;
  /** Otherwise send this many ms after the first queued event. Default 1000. */
  flushInterval?: number;
  /** Queue bound: beyond it the oldest events are dropped (and counted). Default 1000. */
  maxQueue?: number;
  /** `web`, `app` (default) or `server`: names the library (`seam-<channel>`) and the channel of events. */
  channel?: string;
  /** Context added to every event: an object, or a function called once per event. */
  context?: Record<string, unknown> | (() => Record<string, unknown>);
  /** Hold events (unsent, unstored) until `consent({ [channel]: true })`; discard them on `false`. */
  requireConsent?: boolean;
  /**
   * Seam is served on the store's own site with the workspace's `firstPartyCookie` setting: send
   * and receive its HttpOnly id cookie (credentialed requests). Default: no cookies.
   */
  cookie?: boolean;
  /** Fire-and-forget sender for page unload (`navigator.sendBeacon`); returns false if it refused. */
  beacon?: (url: string, body: string) => boolean;
}

type Props = Record<string, unknown>;
type Settle = (profile?: unknown) => void;
/** A Segment-shaped event as queued and sent. */
export type SeamEvent = Props & { type: string; messageId: string; timestamp: string };

/** The SDK API. Every call resolves when its event is delivered (identify: with the profile). */
export interface Seam {
  /**
   * Records that the visitor did something.
   * @example seam.track("Newsletter Signed Up", { list: "weekly" })
   */
  track(event: string, properties?: Props): Promise<unknown>;
  /**
   * Names the visitor. Sent at once; resolves with what the server knows after the merge (the
   * restored cart, consent, ...), or undefined before the Identity API returns a profile.
   * @example const profile = await seam.identify("u_42", { email: "a@b.co" }, { userHash })
   */
  identify(userId?: string, traits?: Props, options?: { userHash?: string }): Promise<VisitorProfile | undefined>;
  /**
   * Records a page view (the browser build fills url, path, title, referrer, search).
   * @example seam.page("Product")
   */
  page(name?: string, properties?: Props): Promise<unknown>;
  /**
   * Records an app screen view.
   * @example seam.screen("Checkout", { step: 2 })
   */
  screen(name: string, properties?: Props): Promise<unknown>;
  /**
   * Links a previous id (default: the current user or anonymous id) to `userId`.
   * @example seam.alias("u_42")
   */
  alias(userId: string, previousId?: string): Promise<unknown>;
  /**
   * Forgets the user on sign-out: a new anonymous id, no user id. Queued events are still sent.
   * @example seam.reset()
   */
  reset(): Promise<void>;
  /**
   * Records consent per channel (`Consent Updated`). The SDK's own channel (`web`/`app`) gates
   * tracking: true sends what was held, false discards it and stops tracking.
   * @example seam.consent({ web: true, email: true, sms: false })
   */
  consent(choices: Record<string, boolean>): Promise<unknown>;
  /**
   * Sends every queued event now (servers call it before exiting). `keepalive` and `beacon` are
   * for a page being hidden or unloaded; `beacon` also lets the next page take the queue over.
   * @example await seam.flush()
   */
  flush(how?: "keepalive" | "beacon"): Promise<void>;
  /**
   * The visitor's cart as the server knows it (`/v1/cart`, falling back to `/v1/profile`).
   * @example const { lines, subtotal } = await seam.getCart()
   */
  getCart(): Promise<CartView>;
  /**
   * Recommendations from `/v1/recs` for a custom UI.
   * @example const recs = await seam.getRecommendations({ type: "similar", item: "sku_1", limit: 4 })
   */
  getRecommendations(options?: Record<string, string | number>): Promise<RecsResponse>;
  /** The visitor's anonymous id (once storage is read). @example const id = await seam.anonymousId() */
  anonymousId(): Promise<string>;
  /** @example seam.productViewed({ product_id: "sku_1", name: "Mug", price: 12 }) — `Product Viewed` */
  productViewed(product: Props): Promise<unknown>;
  /** @example seam.addToCart({ product_id: "sku_1", quantity: 1, price: 12 }) — `Product Added` */
  addToCart(product: Props): Promise<unknown>;
  /** @example seam.removeFromCart({ product_id: "sku_1" }) — `Product Removed` */
  removeFromCart(product: Props): Promise<unknown>;
  /** @example seam.cartViewed({ cart_id: "c1", products }) — `Cart Viewed` */
  cartViewed(cart: Props): Promise<unknown>;
  /** @example seam.checkoutStarted({ order_id: "o1", products }) — `Checkout Started` */
  checkoutStarted(order: Props): Promise<unknown>;
  /** @example seam.orderCompleted({ order_id: "o1", total: 24, currency: "EUR", products }) — `Order Completed` */
  orderCompleted(order: Props): Promise<unknown>;
}

/**
 * How a read (`getCart`, `getRecommendations`) fails: the HTTP status and the server's error code
 * and message (`{"error": {"code", "message"}}`, e.g. 403 `invalid_user_hash`). A network failure
 * rejects with the transport's own error (fetch's TypeError).
 * @example
 * try { await seam.getCart() } catch (e) { if (e instanceof SeamError && e.code == "invalid_user_hash") signIn() }
 */
export class SeamError extends Error {
  // `declare`: set in the constructor, so no class-field code is emitted (bytes count here).
  declare status: number;
  declare code: string | undefined;
  constructor(status: number, error?: { code?: string; message?: string }) {
    super(error?.message || "HTTP " + status);
    this.name = "SeamError";
    this.status = status;
    this.code = error?.code;
  }
}

export const VERSION = "0.1.0";
/** Prefix of queue keys; a tab's queue is `seam_q.<instance id>` when storage can list keys. */
export const QUEUE_KEY = "seam_q";
/** Identity and consent: `{ a: anonymousId, u: userId, h: userHash, c: consent }`. */
export const ID_KEY = "seam";
/** A queue not rewritten for this long belongs to a tab that is gone; another tab takes it over. */
export const STALE_MS = 60_000;
export const MAX_BACKOFF_MS = 30_000;
/** Characters per request: at most 3 bytes each stays under the server's 500 KB batch limit. */
const BATCH_CHARS = 160_000;
/** Beacons and keepalive fetches share a 64 KB budget per page. */
const BEACON_CHARS = 20_000;

/**
 * Segment Ecommerce v2 helpers: method name → event name. Exactly the events the server turns into
 * state (viewed items, cart, orders); any other Ecommerce event is one `track()` away.
 */
const ECOMMERCE: Record<string, string> = {
  productViewed: "Product Viewed",
  addToCart: "Product Added",
  removeFromCart: "Product Removed",
  cartViewed: "Cart Viewed",
  checkoutStarted: "Checkout Started",
  orderCompleted: "Order Completed",
};

const noop = () => {};
const now = () => Date.now();
const iso = () => new Date().toISOString();

/**
 * A random id: a v4 UUID where the platform has crypto.randomUUID, else (React Native, plain-http
 * pages) the time and about 52 random bits in base 36, as unique as a message id needs to be.
 */
export const uuid = (): string =>
  (globalThis as { crypto?: { randomUUID?(): string } }).crypto?.randomUUID?.() || now().toString(36) + Math.random().toString(36).slice(2);

/**
 * Creates an SDK instance: the whole SDK for React Native and servers.
 * @example
 * const seam = createSeam({ writeKey: "wk_…", host: "https://seam.example.com", storage: AsyncStorage });
 * seam.track("App Opened");
 */
export function createSeam(o: SeamOptions): Seam {
  const mem: Record<string, string> = {};
  const S: SeamStorage = o.storage || {
    getItem: (k) => mem[k],
    setItem: (k, v) => (mem[k] = v),
    removeItem: (k) => delete mem[k],
  };
  const F: Transport = o.fetch || ((u, i) => fetch(u, i));
  const host = o.host || "";
  const ch = o.channel || "app";
  const flushAt = o.flushAt || 20;
  const every = o.flushInterval ?? 1000;
  const key = QUEUE_KEY + (S.keys ? "." + uuid() : "");
  const waiting: Record<string, Settle> = {};
  /** Recommendation lists that ride on the next batch: [query, settle]. */
  let lists: [Props, (r: RecsResponse | Promise<RecsResponse>) => void][] = [];
  let q: SeamEvent[] = [];
  let id: { a: string; u?: string; h?: string; c: Record<string, boolean> } = { a: "", c: {} };
  let fresh = 0;
  let dropped = 0;
  let busy = 0;
  let attempt = 0;
  let until = 0;
  let due = Infinity;
  let timer: any;

  /** Consent is required and not given yet: nothing may be stored or sent. */
  const pending = () => o.requireConsent && id.c[ch] == null;
  // Storage may throw (quota, private mode) or reject (AsyncStorage): the queue lives on in memory.
  const put = (k: string, v?: string) => {
    try {
      Promise.resolve(v ? S.setItem(k, v) : S.removeItem(k)).catch(noop);
    } catch {}
  };
  const saveId = () => pending() || put(ID_KEY, JSON.stringify(id));
  /** Writes the queue with a heartbeat `t`; `t = 0` lets another tab take it over at once. */
  const save = (t = now()) => pending() || put(key, q.length ? JSON.stringify({ t, q, d: dropped }) : "");
  const settle = (e: SeamEvent, profile?: unknown) => {
    waiting[e.messageId]?.(profile);
    delete waiting[e.messageId];
  };
  const bound = () => {
    while (q.length > (o.maxQueue || 1000)) settle(q.shift()!), dropped++;
  };

  /** One timer: the earliest requested send, never before the backoff allows. */
  const schedule = (d: number) => {
    d = Math.max(d, until - now());
    if (now() + d < due) {
      clearTimeout(timer);
      due = now() + d;
      timer = setTimeout(() => {
        due = Infinity;
        send();
      }, d);
    }
  };
  const later = () => q.length && schedule(q.length < flushAt ? every : 0);

  /**
   * Takes over the queues of instances that are gone (and, with one key, the previous run's queue).
   * With many keys it looks again every STALE_MS, so a tab that crashed is taken over by one still open.
   */
  const adopt = async () => {
    for (const k of (await S.keys?.()) || [key]) {
      if (k.indexOf(QUEUE_KEY) || (S.keys && k == key)) continue;
      let r: { t: number; q: SeamEvent[]; d?: number } | undefined;
      try {
        r = JSON.parse((await S.getItem(k)) || "0");
      } catch {}
      if (!r) continue;
      if (S.keys && now() - r.t < STALE_MS) continue;
      q = r.q.filter((e) => !q.some((x) => x.messageId == e.messageId)).concat(q);
      dropped += r.d || 0;
      bound();
      // Our copy is written before theirs is removed: a crash in between duplicates, never loses.
      save();
      if (k != key) put(k);
    }
    if (S.keys) setTimeout(adopt, STALE_MS);
    later();
  };

  const ready = (async () => {
    try {
      id = { ...id, ...JSON.parse((await S.getItem(ID_KEY)) || "{}") };
    } catch {}
    if (!id.a) (id.a = uuid()), (fresh = 1);
    // Written at every start: restores localStorage from the cookie (or the reverse) and renews the
    // cookie, whose lifetime Safari counts from its last write.
    saveId();
    await adopt();
  })();

  /** Sends one batch from the head of the queue; true when the server answered it. */
  const send = async (how?: string): Promise<boolean | void> => {
    if (pending() || !q.length || (busy && how != "beacon")) return;
    let n = 0;
    for (let size = 0; n < q.length && (size += JSON.stringify(q[n]).length) < (how ? BEACON_CHARS : BATCH_CHARS); ) n++;
    const batch = q.slice(0, n || 1);
    const url = host + "/v1/batch";
    // A page's widgets ask with its events: one request per page view, not two (never on a beacon).
    const w = lists.splice(0, how ? 0 : 4);
    // `fresh`: this id was minted because storage was empty, so a first-party server may know better.
    const body = JSON.stringify({ writeKey: o.writeKey, sentAt: iso(), batch, dropped, fresh, recs: w[0] && w.map((x) => x[0]) });
    if (how == "beacon" && o.beacon?.(url, body)) return;
    busy = 1;
    let r: TransportResponse | undefined;
    let b: Partial<IngestResponse> = {};
    try {
      r = await F(url, { method: "POST", body, keepalive: !!how, ...(o.cookie && { credentials: "include" }) });
      b = (await r.json().catch(() => b)) as Partial<IngestResponse>;
    } catch {}
    busy = 0;
    // A list the answer lacks (an error, a failed batch) is asked for on its own.
    w.map(([p, f], i) => f((b.recs?.[i] as RecsResponse)?.items ? (b.recs![i] as RecsResponse) : get<RecsResponse>("/v1/recs", p)));
    const s = r?.status || 500;
    if (s < 500 && s != 429) {
      // Answered: drop what the server accepted, already had, or rejected as invalid. Any other
      // 4xx (bad key, origin) cannot succeed on a retry, so that batch is dropped too.
      const done = new Set<unknown>((b.results || batch).map((x) => x.messageId));
      q = q.filter((e) => !done.has(e.messageId) || settle(e, b.profile));
      attempt = dropped = 0;
      // Served first-party, the server may know this browser by an HttpOnly cookie that outlived
      // our storage (Safari clears script storage after 7 days): a freshly minted id gives way to
      // it, in what is still queued too. An id from storage or reset() never does.
      if (fresh && b.anonymousId) {
        for (const e of q) if (e.anonymousId == id.a) e.anonymousId = b.anonymousId;
        id.a = b.anonymousId;
        saveId();
      }
      fresh = 0;
      save();
      later();
      return true;
    }
    // Network error, 5xx or 429: back off exponentially with jitter, or as the server asks.
    // Retry-After is seconds or an HTTP date; anything unreadable (NaN) must not stop the timer.
    // (No header: +null is 0 and Date.parse(null) is NaN, so the backoff applies.)
    const ra = r?.headers.get("retry-after") as string;
    const wait = +ra * 1000 || Date.parse(ra) - now();
    until = now() + (wait >= 0 ? wait : (Math.min(MAX_BACKOFF_MS, 500 * 2 ** ++attempt) * (1 + Math.random())) / 2);
    save();
    schedule(0);
  };

  const ev = (type: string, f: Props, extra?: Props): SeamEvent => {
    const c = o.context;
    const context: Props = {
      ...(typeof c == "function" ? c() : c),
      library: { name: "seam-" + ch, version: VERSION },
      ...extra,
    };
    // An explicit channel would outrank the UTM medium (an email click landing on the site is email).
    if (!(context.campaign as Props | undefined)?.medium) context.channel = ch;
    return { type, messageId: uuid(), timestamp: iso(), context, ...f };
  };

  /** Stamps identity at its turn (after storage is read, after earlier identify/reset) and queues. */
  const push = (e: SeamEvent, soon?: 1): Promise<unknown> =>
    ready.then(
      () =>
        new Promise<unknown>((res) => {
          if (id.c[ch] === false && e.event != "Consent Updated") return res(undefined);
          e.anonymousId = id.a;
          if (id.u) e.userId ??= id.u;
          if (e.type == "alias") e.previousId ??= id.u || id.a;
          waiting[e.messageId] = res;
          q.push(e);
          bound();
          save();
          schedule(soon || q.length >= flushAt ? 0 : every);
        }),
    );
  const track = (event: string, properties?: Props) => push(ev("track", { event, properties }));

  const get = async <T>(path: string, params: Props): Promise<T> => {
    await ready;
    // Through JSON to drop the ids we do not have (undefined).
    const p = JSON.parse(JSON.stringify({ ...params, anonymousId: id.a, userId: id.u, userHash: id.h, writeKey: o.writeKey }));
    const r = await F(host + path + "?" + new URLSearchParams(p));
    const b = (await r.json().catch(noop)) as (T & Partial<ErrorBody>) | undefined;
    if (r.status < 300) return b as T;
    throw new SeamError(r.status, b?.error);
  };

  const api: Seam = {
    track,
    identify: (userId, traits, options) => {
      ready.then(() => {
        // A hash belongs to one user id: another user's identify without one must not inherit it.
        if (userId && userId != id.u) (id.u = userId), (id.h = undefined);
        if (options?.userHash) id.h = options.userHash;
        saveId();
      });
      return push(ev("identify", { traits }, options && { userHash: options.userHash }), 1) as Promise<VisitorProfile | undefined>;
    },
    page: (name, properties) => push(ev("page", { name, properties })),
    screen: (name, properties) => push(ev("screen", { name, properties })),
    alias: (userId, previousId) => push(ev("alias", { userId, previousId })),
    reset: () =>
      ready.then(() => {
        id = { a: uuid(), c: id.c };
        fresh = 0;
        saveId();
      }),
    consent: (choices) => {
      ready.then(() => {
        id.c = { ...id.c, ...choices };
        if (id.c[ch] === false) q.forEach((e) => settle(e)), (q = []);
        saveId();
        save();
        later();
      });
      return track("Consent Updated", { consent: choices });
    },
    flush: async (how) => {
      await ready;
      if (how) {
        await send(how);
        if (how == "beacon") save(0);
      } else while (await send());
    },
    getCart: () => get<CartView>("/v1/cart", {}),
    // With events waiting to go (the page view), the lists go with them, sent now. (No options is the
    // caller's bug either way: the server answers 400, on its own or, after the batch, to the GET.)
    getRecommendations: (options) =>
      ready.then(() =>
        q.length && !pending() ? new Promise((f) => lists.push([options!, f]) && schedule(0)) : get<RecsResponse>("/v1/recs", options!),
      ) as Promise<RecsResponse>,
    anonymousId: () => ready.then(() => id.a),
  } as Seam;
  for (const m in ECOMMERCE) (api as any)[m] = (p: Props) => track(ECOMMERCE[m]!, p);
  return api;
}
