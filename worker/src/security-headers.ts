// Response headers that keep browsers safe: every response is nosniff, and every HTML page Seam
// serves (unsubscribe today, the dashboard and the demo store later) carries a strict CSP.
import { NONCE, secureHeaders } from "hono/secure-headers";

/**
 * What every response carries: no MIME sniffing, no referrer leaking a token or id from the URL,
 * no framing. Hono's other defaults (COOP/CORP and friends) are off on purpose: CORP would stop
 * the widget's cross-origin reads, and HSTS belongs to the zone, not to a worker on localhost.
 */
const BASE = {
  xContentTypeOptions: "nosniff",
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginEmbedderPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

export const apiSecurityHeaders = secureHeaders(BASE);

/**
 * An HTML page of Seam's own: nothing loads from elsewhere, nothing runs that is not ours, forms
 * post back to us only, and no other site may frame it (clickjacking an unsubscribe button).
 */
export const pageSecurityHeaders = secureHeaders({
  ...BASE,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
});

/**
 * A page that runs scripts (the demo store, the API reference): scripts only from this origin or
 * inline with this response's nonce (the SDK snippet as a store pastes it, Swagger UI's start-up
 * line), requests only to this origin, inline styles (the widget injects its stylesheet), no framing.
 */
const SCRIPT_PAGE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", NONCE],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

export const scriptPageSecurityHeaders = secureHeaders({ ...BASE, contentSecurityPolicy: SCRIPT_PAGE_CSP });

/**
 * The dashboard: the script-page policy, and product images from https origins too (catalog image
 * urls point at the store's own CDN); scripts, styles and requests stay on this origin.
 */
export const dashboardPageSecurityHeaders = secureHeaders({
  ...BASE,
  contentSecurityPolicy: { ...SCRIPT_PAGE_CSP, imgSrc: ["'self'", "data:", "https:", "blob:"] },
});
