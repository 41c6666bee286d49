// The demo store's page frame: exactly the tags a store pastes (the SDK snippet and the widget
// tag from the README, pointing at this worker), its header with the cart count, and its footer.
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { DEMO_CATEGORIES, DEMO_CURRENCY, DEMO_STORE_NAME, type DemoProduct } from "./catalog.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The SDK's inline snippet as `npm run build` ships it (sdk/dist/snippet.min.js, with SEAM_SRC in
 * place of the script's URL); the browser test checks the demo pages carry it byte for byte.
 */
export const SDK_SNIPPET =
  '"use strict";(function(r,n,o){var e=r.seam=r.seam||[];if(!e.init){"init track identify page screen alias reset consent flush getCart getRecommendations anonymousId productViewed addToCart removeFromCart cartViewed checkoutStarted orderCompleted".split(" ").forEach(function(a){e[a]=function(){var c=arguments,i,s=new Promise(function(d){i=d});return e.push([a,c,i]),s}});var t=n.createElement("script");t.async=!0,t.src=o,n.head.appendChild(t)}})(window,document,"SEAM_SRC");';

export interface PageContext {
  /** This worker's origin: where the SDK, the widget and the API are. */
  origin: string;
  writeKey: string;
  /** This response's CSP nonce: the inline snippet runs under the store page's strict CSP. */
  nonce: string;
}

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: DEMO_CURRENCY });
export const price = (amount: number) => money.format(amount);

/** JSON for an inline script: `<` escaped so no value can close the script element. */
export const scriptJson = (value: unknown) => raw(JSON.stringify(value).replaceAll("<", "\\u003c"));

const BAG_ICON = raw(
  '<svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M6 7h12l1 13H5L6 7z"/><path d="M9 7a3 3 0 0 1 6 0"/></svg>',
);

export function layout(ctx: PageContext, page: { title: string; body: Html; script?: string; active?: string }): Html {
  const { origin, writeKey, nonce } = ctx;
  return html`<!doctype html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${DEMO_STORE_NAME}</title>
<link rel="stylesheet" href="/demo/store.css">
<link rel="icon" href="/demo/img/lamps-nordic-birch.svg">
<script nonce="${nonce}">${raw(SDK_SNIPPET.replace("SEAM_SRC", `${origin}/seam.js`))}
seam.init({ writeKey: ${scriptJson(writeKey)}, host: ${scriptJson(origin)} });
seam.page();${page.script ? raw(`\n${page.script}`) : ""}
</script>
<script async src="${origin}/seam-widget.js" data-write-key="${writeKey}" data-host="${origin}"></script>
<script defer src="/demo/store.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div class="announce">Free shipping on orders over $75 · 30-day returns · A demo store for Seam</div>
<header class="site-header">
  <div class="wrap bar">
    <a class="logo" href="/demo">Alder <span>&amp; Co.</span></a>
    <nav class="nav" aria-label="Categories">
      ${DEMO_CATEGORIES.map((c) => html`<a href="/demo/c/${c.slug}"${page.active === c.slug ? raw(' aria-current="page"') : ""}>${c.name}</a>`)}
    </nav>
    <div class="actions">
      <a class="account" href="/demo/account" data-account>Sign in</a>
      <a class="cart-link" href="/demo/cart" aria-label="Cart">${BAG_ICON}<span class="cart-count" data-cart-count hidden>0</span></a>
    </div>
  </div>
</header>
<main id="main" class="wrap">
${page.body}
</main>
<footer class="site-footer">
  <div class="wrap footer-grid">
    <div><a class="logo" href="/demo">Alder <span>&amp; Co.</span></a><p>Everyday goods, made to last.</p></div>
    <div><h2>Shop</h2>${DEMO_CATEGORIES.map((c) => html`<a href="/demo/c/${c.slug}">${c.name}</a>`)}</div>
    <div><h2>About this demo</h2><p>Every product strip here is Seam's widget tag reading <code>/v1/recs</code>; the cart, sign-in and checkout are the SDK's calls. Nothing leaves this machine.</p></div>
  </div>
</footer>
<div class="toast" role="status" aria-live="polite" data-toast hidden></div>
</body>
</html>`;
}

/** A product card of the store's own grids (the recommendation strips are the widget's). */
export function productCard(p: DemoProduct): Html {
  return html`<a class="card" href="/demo/p/${p.id}">
  <span class="card-img"><img src="/demo/img/${p.id}.svg" width="600" height="600" loading="lazy" alt=""></span>
  <span class="card-meta">${p.collection.name}</span>
  <span class="card-name">${p.name}</span>
  <span class="card-price">${price(p.price)}</span>
</a>`;
}

/** A placeholder the widget fills: the tag from the README. */
export function strip(attrs: { type: string; title: string; item?: string; category?: string; limit?: number }): Html {
  return html`<div class="strip" data-seam-recs data-type="${attrs.type}"${attrs.item ? html` data-item="${attrs.item}"` : ""}${
    attrs.category ? html` data-category="${attrs.category}"` : ""
  } data-limit="${attrs.limit ?? 8}" data-title="${attrs.title}"></div>`;
}
