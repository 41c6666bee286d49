// The demo store's pages, rendered by the worker from the store's own catalog (demo/catalog.ts).
// What a store renders itself is here; what Seam adds is only the tags in layout.ts and the
// `data-seam-recs` placeholders.
import { html } from "hono/html";
import {
  DEMO_CATEGORIES,
  DEMO_CURRENCY,
  DEMO_PRODUCTS,
  newestDemoProducts,
  type DemoCategory,
  type DemoProduct,
} from "./catalog.ts";
import { layout, price, productCard, strip, type PageContext } from "./layout.ts";

const NEW_ARRIVALS = 8;

export function homePage(ctx: PageContext) {
  const featured = DEMO_PRODUCTS.filter((p) => p.featured).slice(0, 3);
  const body = html`
<section class="hero">
  <div class="hero-copy">
    <p class="eyebrow">New season · The Nordic collection</p>
    <h1>Everyday goods,<br>made to last.</h1>
    <p class="lede">Tees, sneakers, mugs, lamps and bags in eight collections. Every recommendation on this site is computed live by Seam from what shoppers do here.</p>
    <div class="hero-actions"><a class="btn btn-primary" href="#new">Shop new arrivals</a><a class="btn btn-ghost" href="/demo/c/sneakers">Browse sneakers</a></div>
  </div>
  <div class="hero-art" aria-hidden="true">
    ${featured.map((p, i) => html`<img class="hero-img hero-img-${i}" src="/demo/img/${p.id}.svg" width="600" height="600" alt="">`)}
  </div>
</section>
${strip({ type: "trending", title: "Trending now", limit: 10 })}
<section class="tiles" aria-label="Shop by category">
  ${DEMO_CATEGORIES.map((c) => {
    const cover = DEMO_PRODUCTS.find((p) => p.category === c && p.collection.slug === "coast")!;
    return html`<a class="tile" href="/demo/c/${c.slug}"><img src="/demo/img/${cover.id}.svg" width="600" height="600" loading="lazy" alt=""><span>${c.name}</span></a>`;
  })}
</section>
${strip({ type: "for_you", title: "Picked for you", limit: 10 })}
<section id="new" class="section">
  <div class="section-head"><h2>New arrivals</h2><a href="/demo/c/tees">Shop all</a></div>
  <div class="grid">${newestDemoProducts(NEW_ARRIVALS).map(productCard)}</div>
</section>`;
  return layout(ctx, { title: "Everyday goods, made to last", body });
}

export function categoryPage(ctx: PageContext, category: DemoCategory, collection: string | undefined) {
  const all = DEMO_PRODUCTS.filter((p) => p.category === category);
  const shown = collection ? all.filter((p) => p.collection.slug === collection) : all;
  const collections = [...new Map(all.map((p) => [p.collection.slug, p.collection])).values()];
  const body = html`
<nav class="crumbs" aria-label="Breadcrumb"><a href="/demo">Home</a><span>/</span><span>${category.name}</span></nav>
<header class="page-head">
  <h1>${category.name}</h1>
  <p>${category.blurb}</p>
</header>
${strip({ type: "trending", title: `Trending in ${category.name}`, category: category.name, limit: 8 })}
<div class="chips" role="list">
  <a role="listitem" class="chip" href="/demo/c/${category.slug}"${collection ? "" : html` aria-current="page"`}>All</a>
  ${collections.map((c) => html`<a role="listitem" class="chip" href="/demo/c/${category.slug}?collection=${c.slug}"${collection === c.slug ? html` aria-current="page"` : ""}>${c.name}</a>`)}
</div>
<p class="count">${shown.length} products</p>
<div class="grid">${shown.map(productCard)}</div>`;
  return layout(ctx, { title: category.name, body, active: category.slug });
}

export function productPage(ctx: PageContext, p: DemoProduct) {
  const siblings = DEMO_PRODUCTS.filter((s) => s.category === p.category && s.collection === p.collection);
  const tracked = {
    product_id: p.id,
    name: p.name,
    price: p.price,
    currency: DEMO_CURRENCY,
    category: p.category.name,
    image_url: `${ctx.origin}/demo/img/${p.id}.svg`,
    url: `${ctx.origin}/demo/p/${p.id}`,
  };
  const body = html`
<nav class="crumbs" aria-label="Breadcrumb"><a href="/demo">Home</a><span>/</span><a href="/demo/c/${p.category.slug}">${p.category.name}</a><span>/</span><span>${p.name}</span></nav>
<article class="pdp">
  <div class="pdp-gallery"><img src="/demo/img/${p.id}.svg" width="600" height="600" alt="${p.name}"></div>
  <div class="pdp-info">
    <p class="eyebrow">${p.collection.name} collection</p>
    <h1>${p.name}</h1>
    <p class="pdp-price">${price(p.price)}</p>
    <p class="pdp-desc">${p.description}</p>
    <p class="label">Colour: <strong>${p.colour}</strong></p>
    <div class="swatches">
      ${siblings.map((s) => html`<a class="swatch" href="/demo/p/${s.id}" title="${s.colour}" style="--swatch:${s.hex}"${s === p ? html` aria-current="true"` : ""}><span class="sr">${s.colour}</span></a>`)}
    </div>
    <button class="btn btn-primary btn-wide" type="button" data-add-to-cart="${JSON.stringify(tracked)}">Add to cart</button>
    <ul class="perks"><li>Free shipping over $75</li><li>Free 30-day returns</li><li>Ships in 1–2 business days</li></ul>
  </div>
</article>
${strip({ type: "bought_together", title: "Frequently bought together", item: p.id, limit: 8 })}
${strip({ type: "similar", title: "You may also like", item: p.id, limit: 10 })}
${strip({ type: "recently_viewed", title: "Recently viewed", item: p.id, limit: 10 })}`;
  // As a store's product template would: one Product Viewed per page view.
  return layout(ctx, { title: p.name, body, active: p.category.slug, script: `seam.productViewed(${JSON.stringify(tracked).replaceAll("<", "\\u003c")});` });
}

export function cartPage(ctx: PageContext) {
  const body = html`
<header class="page-head"><h1>Your cart</h1></header>
<div class="banner" data-restore-banner hidden></div>
<div class="cart-layout" data-cart>
  <section class="cart-lines" data-cart-lines aria-label="Items"><p class="muted">Loading your cart…</p></section>
  <aside class="summary" data-cart-summary hidden>
    <h2>Order summary</h2>
    <dl><dt>Subtotal</dt><dd data-subtotal></dd><dt>Shipping</dt><dd data-shipping></dd><dt class="total">Total</dt><dd class="total" data-total></dd></dl>
    <a class="btn btn-primary btn-wide" href="/demo/checkout">Check out</a>
    <p class="muted small">Signed in on another device? <a href="/demo/account">Sign in</a> and your cart comes with you.</p>
  </aside>
</div>
${strip({ type: "cart", title: "Complete your order", limit: 8 })}`;
  return layout(ctx, { title: "Cart", body });
}

export function accountPage(ctx: PageContext) {
  const body = html`
<section class="narrow">
  <div data-signed-out>
    <header class="page-head"><h1>Sign in</h1><p>Any email works: this is a demo. Your cart and recently viewed items follow you to every device you sign in on.</p></header>
    <form class="form" data-sign-in>
      <label>Email<input name="email" type="email" autocomplete="email" required placeholder="you@example.com"></label>
      <label>Password<input name="password" type="password" autocomplete="current-password" placeholder="anything"></label>
      <button class="btn btn-primary btn-wide" type="submit">Sign in</button>
      <p class="error" data-error hidden></p>
    </form>
  </div>
  <div data-signed-in hidden>
    <header class="page-head"><h1>Your account</h1><p>Signed in as <strong data-email></strong>.</p></header>
    <p><a class="btn btn-primary" href="/demo/cart">Go to your cart</a> <button class="btn btn-ghost" type="button" data-sign-out>Sign out</button></p>
  </div>
</section>
${strip({ type: "recently_viewed", title: "Recently viewed", limit: 10 })}`;
  return layout(ctx, { title: "Sign in", body });
}

export function checkoutPage(ctx: PageContext) {
  const body = html`
<header class="page-head"><h1>Checkout</h1></header>
<div class="cart-layout" data-checkout>
  <form class="form checkout-form" data-checkout-form>
    <h2>Contact</h2>
    <label>Email<input name="email" type="email" required value="ada@example.com"></label>
    <h2>Shipping address</h2>
    <div class="row"><label>First name<input name="first" required value="Ada"></label><label>Last name<input name="last" required value="Lovelace"></label></div>
    <label>Address<input name="address" required value="12 Analytical Row"></label>
    <div class="row"><label>City<input name="city" required value="London"></label><label>Postcode<input name="zip" required value="N1 7AA"></label></div>
    <h2>Payment</h2>
    <label>Card number<input name="card" inputmode="numeric" value="4242 4242 4242 4242"></label>
    <button class="btn btn-primary btn-wide" type="submit" data-place-order>Place order</button>
  </form>
  <aside class="summary" data-checkout-summary><h2>Order summary</h2><p class="muted">Loading…</p></aside>
</div>
<section class="confirmation" data-confirmation hidden>
  <h1>Thank you for your order</h1>
  <p>Order <strong data-order-id></strong> is confirmed; a receipt is on its way.</p>
  <a class="btn btn-primary" href="/demo">Keep shopping</a>
</section>
${strip({ type: "for_you", title: "You might like next", limit: 10 })}`;
  return layout(ctx, { title: "Checkout", body });
}
