// The browser SDK: the core over localStorage (+ a first-party id cookie), page context, UTM and
// click ids kept for the session, unload delivery by sendBeacon, optional SPA page tracking.
import { createSeam, ID_KEY, type Seam, type SeamOptions, type SeamStorage } from "./core.ts";

export { createSeam, SeamError, type Seam, type SeamOptions, type SeamStorage, type Transport } from "./core.ts";

/** The core's options minus what the browser build provides itself (storage, beacon, context). */
export interface BrowserOptions extends Omit<SeamOptions, "storage" | "beacon" | "context"> {
  /** Track a page view on every History API navigation (single-page apps). */
  spa?: boolean;
  /** Domain for the id cookie, e.g. `shop.com` to share it with `www.shop.com` and `m.shop.com`. */
  cookieDomain?: string;
}

export type BrowserSeam = Seam & {
  /**
   * Starts the SDK; call it once, before anything else (the snippet queues calls made earlier).
   * @example seam.init({ writeKey: "wk_…", host: "https://seam.shop.com", spa: true })
   */
  init(options: BrowserOptions): BrowserSeam;
};

/** Session-scoped campaign (UTM parameters and ad click ids), under `context.campaign`. */
const CAMPAIGN_KEY = "seam_utm";
/** A URL parameter that names a campaign: utm_*, or an ad network's click id (gclid, fbclid, msclkid, ttclid, wbraid, ...). */
const CAMPAIGN_PARAM = /^utm_(\w+)|^(\w*clk?id|[gw]braid)$/;

const w = window;
const d = document;

/** Reads a cookie (only from storage reads, which the core guards: document.cookie may throw). */
const cookie = (name: string) => d.cookie.match("(^|; )" + name + "=([^;]*)")?.[2];

function campaign() {
  const c: Record<string, string> = {};
  let found;
  new URLSearchParams(location.search).forEach((v, k) => {
    const m = k.match(CAMPAIGN_PARAM);
    // Segment's names: utm_campaign is `name`; click ids keep theirs.
    if (m) (c[m[1] ? (m[1] == "campaign" ? "name" : m[1]) : k] = v), (found = 1);
  });
  try {
    if (found) sessionStorage.setItem(CAMPAIGN_KEY, JSON.stringify(c));
    else return JSON.parse(sessionStorage.getItem(CAMPAIGN_KEY) || "0") || undefined;
  } catch {}
  return found && c;
}

/** Name of the first-party cookie that mirrors the anonymous id. */
export const ID_COOKIE = "seam_aid";

/**
 * localStorage, listing its keys so each tab keeps its own queue, with the anonymous id mirrored
 * in a first-party cookie: the id survives a cleared localStorage, and a Seam worker served on the
 * store's own domain can read it.
 */
export function browserStorage(cookieDomain?: string): SeamStorage | undefined {
  let L: Storage;
  try {
    L = localStorage;
  } catch {
    return; // storage blocked (cookies off, sandboxed frame): the core keeps the queue in memory
  }
  return {
    getItem: (k) => L.getItem(k) || (k == ID_KEY && cookie(ID_COOKIE) ? `{"a":"${cookie(ID_COOKIE)}"}` : null),
    setItem(k, v) {
      L.setItem(k, v);
      if (k == ID_KEY)
        d.cookie = `${ID_COOKIE}=${JSON.parse(v).a};path=/;max-age=31536000;samesite=lax${
          cookieDomain ? ";domain=" + cookieDomain : ""
        }`;
    },
    removeItem: (k) => L.removeItem(k),
    keys: () => Object.keys(L),
  };
}

const pageProps = () => ({
  path: location.pathname,
  referrer: d.referrer,
  search: location.search,
  title: d.title,
  url: location.href,
});

/**
 * The browser SDK. In a bundler: `import { seam } from "@seam/sdk"`; from the script tag: `window.seam`.
 * @example
 * seam.init({ writeKey: "wk_…", host: "https://seam.shop.com" });
 * seam.page();
 * seam.addToCart({ product_id: "sku_1", price: 12, quantity: 1 });
 */
export const seam = {
  init(o: BrowserOptions): BrowserSeam {
    // A second init (two tags, a hot reload) must not start a second queue.
    if ((seam as Partial<Seam>).track) return seam;
    const s = createSeam({
      channel: "web",
      ...o,
      storage: browserStorage(o.cookieDomain),
      beacon: (url, body) => navigator.sendBeacon?.(url, body),
      context: () => ({
        page: pageProps(),
        campaign: campaign(),
        locale: navigator.language,
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
        userAgent: navigator.userAgent,
      }),
    });
    const page = s.page;
    Object.assign(seam, s, {
      page: (name?: string, properties?: Record<string, unknown>) => page(name, { ...pageProps(), ...properties }),
    });
    // Hidden is the last moment a mobile browser promises; pagehide is a real unload (or bfcache).
    const bye = (e: Event) =>
      e.type == "pagehide" ? s.flush("beacon") : d.visibilityState == "hidden" && s.flush("keepalive");
    w.addEventListener("pagehide", bye);
    d.addEventListener("visibilitychange", bye);
    if (o.spa) {
      const where = () => location.pathname + location.search;
      let last = where();
      const nav = () => {
        if (last != (last = where())) seam.page();
      };
      for (const m of ["pushState", "replaceState"] as const) {
        const f = history[m];
        history[m] = function (this: History, ...a: Parameters<History["pushState"]>) {
          f.apply(this, a);
          nav();
        };
      }
      w.addEventListener("popstate", nav);
    }
    return seam;
  },
} as BrowserSeam;
