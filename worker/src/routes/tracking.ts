// Tracking endpoints in messages: open pixel, signed click redirect, one-click unsubscribe. The token is the only credential.
import { Hono, type Context } from "hono";
import { html } from "hono/html";
import { doc } from "../openapi.ts";
import type { AppEnv } from "../env.ts";
import { ApiError, badRequest } from "../errors.ts";
import { customerStub } from "../customer/routing.ts";
import { engagementEvent } from "../triggers/engagement.ts";
import { openLinkToken, withUtm, type LinkClaims } from "../messages/links.ts";
import { pageSecurityHeaders } from "../security-headers.ts";

/** The smallest transparent GIF: what an open pixel answers, whatever happened. */
const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));

/** The token's claims, or null when tracking is off or the token is not a valid one of this kind. */
async function openClaims(c: Context<AppEnv>, kind: LinkClaims["k"]): Promise<LinkClaims | null> {
  const secret = c.env.LINK_SECRET;
  if (!secret) return null;
  const claims = await openLinkToken(secret, c.req.param("token") ?? "");
  return claims && claims.k === kind ? claims : null;
}

async function claimsOf(c: Context<AppEnv>, kind: LinkClaims["k"]): Promise<LinkClaims> {
  if (!c.env.LINK_SECRET) throw new ApiError(503, "tracking_disabled", "tracking links are off: LINK_SECRET is not set");
  const claims = await openClaims(c, kind);
  if (!claims) throw badRequest("invalid_token", "the link is malformed or was not issued by Seam");
  return claims;
}

/**
 * Records the open, click or unsubscribe as an event of the customer the token names (a deleted
 * customer stays deleted). A failure to record must not break the customer's click, so it is
 * logged and the response goes on; false means it could not be recorded.
 */
async function record(c: Context<AppEnv>, claims: LinkClaims): Promise<boolean> {
  try {
    await customerStub(c.env, claims.w, claims.p).recordEngagement(engagementEvent(claims, Date.now()));
    return true;
  } catch (error) {
    console.error("tracking: could not record", claims.k, claims.m, error);
    return false;
  }
}

const unsubscribePage = (token: string, channel: string) => `<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Unsubscribe</title>
<form method="post" action="${encodeURIComponent(token)}">
  <p>Stop receiving these ${channel} messages?</p>
  <input type="hidden" name="List-Unsubscribe" value="One-Click">
  <button type="submit">Unsubscribe</button>
</form>`;

/** The confirmation page: a button, because mail scanners follow links and must confirm nothing. */
const confirmPage = (token: string, address: string) => html`<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Confirm your address</title>
<form method="post" action="${encodeURIComponent(token)}">
  <p>Confirm that ${address} is yours and may receive our messages?</p>
  <button type="submit">Confirm</button>
</form>`;

const confirmedPage = (address: string) => html`<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Address confirmed</title>
<p>Thank you: ${address} is confirmed.</p>`;

export const trackingRoutes = new Hono<AppEnv>()
  /**
   * Open pixel (email): records `Message Opened` once per message, answers a 1×1 GIF that is never
   * cached — whatever the token: a mail client shows an image, never a broken one or JSON.
   */
  .get("/t/o/:token", doc("Tracking links", "token", "Open pixel (a GIF whatever the token)"), async (c) => {
    const claims = await openClaims(c, "o");
    if (claims) await record(c, claims);
    return c.body(PIXEL, 200, { "content-type": "image/gif", "cache-control": "no-store, max-age=0" });
  })
  /** Click redirect: records `Message Clicked` (with UTM) and redirects to the destination sealed in the token. */
  .get("/t/c/:token", doc("Tracking links", "token", "Click redirect to the destination sealed in the token"), async (c) => {
    const claims = await claimsOf(c, "c");
    if (!claims.u || !/^https?:\/\//i.test(claims.u)) throw badRequest("invalid_token", "the link has no web destination");
    await record(c, claims);
    c.header("cache-control", "no-store");
    return c.redirect(withUtm(claims.u, claims.ch, claims.t, claims.m), 302);
  })
  /**
   * GET shows a confirmation with a button: mail scanners follow links, and must not unsubscribe
   * anyone. POST (the button, or a mail client's RFC 8058 one-click) unsubscribes from the
   * message's channel at once.
   */
  .get("/unsubscribe/:token", doc("Tracking links", "token", "The unsubscribe page (a button)"), pageSecurityHeaders, async (c) => {
    const claims = await claimsOf(c, "u");
    return c.html(unsubscribePage(c.req.param("token"), claims.ch));
  })
  .post("/unsubscribe/:token", doc("Tracking links", "token", "One-click unsubscribe (RFC 8058)"), async (c) => {
    const claims = await claimsOf(c, "u");
    if (!(await record(c, claims))) throw new ApiError(503, "unavailable", "could not record the unsubscribe; try again");
    return c.json({ unsubscribed: true, channel: claims.ch });
  })
  /**
   * Double opt-in: GET shows the address with a button, POST confirms it in the customer's object
   * (marketing held for it goes at once). The token is the only proof, and it names the address.
   */
  .get("/confirm/:token", doc("Tracking links", "token", "The address-confirmation page (a button)"), pageSecurityHeaders, async (c) => {
    const claims = await confirmClaims(c);
    return c.html(confirmPage(c.req.param("token"), claims.a));
  })
  .post("/confirm/:token", doc("Tracking links", "token", "Confirm an email or phone (double opt-in)"), pageSecurityHeaders, async (c) => {
    const claims = await confirmClaims(c);
    const kind = claims.ch === "sms" ? "phone" : "email";
    const outcome = await customerStub(c.env, claims.w, claims.p).confirmContact(kind, claims.a, Date.now());
    if (outcome === "unknown_contact") throw new ApiError(404, "not_found", "this address is no longer on record");
    return c.html(confirmedPage(claims.a));
  });

async function confirmClaims(c: Context<AppEnv>): Promise<LinkClaims & { a: string }> {
  const claims = await claimsOf(c, "v");
  if (typeof claims.a !== "string" || (claims.ch !== "email" && claims.ch !== "sms")) throw badRequest("invalid_token", "the link confirms no address");
  return { ...claims, a: claims.a };
}
