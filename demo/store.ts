// The demo store's own page script (built to /demo/store.js): what a store writes itself around
// Seam's SDK. Header cart count, add to cart, the cart page with the cross-device restore banner,
// sign-in (the userHash comes from the store's backend, /demo/api/sign-in) and checkout.
import type { Seam } from "../sdk/src/core.ts";

interface CartLine {
  product_id: string;
  quantity: number;
  price: number | null;
  source?: { channel: string; device: string | null };
}
interface Cart {
  lines: CartLine[];
  item_count: number;
  subtotal: number;
  restored?: boolean;
  restored_from?: { device: string | null; channel: string }[];
}
interface StoreProduct {
  product_id: string;
  name: string;
  price: number;
  colour: string;
  collection: string;
  image_url: string;
  url: string;
}

/** The store's own record of who is signed in (for its header); Seam's SDK keeps its own. */
const ACCOUNT_KEY = "alder_account";
const FREE_SHIPPING_FROM = 75;
const SHIPPING = 6.5;

/**
 * The page's SDK, looked up at each call: until seam.js has loaded, `window.seam` is the snippet's
 * queue, which seam.js replaces (and replays). A reference kept from before would keep queueing
 * into the old array, and those calls would never be sent.
 */
const seam = (): Seam => (window as unknown as { seam: Seam }).seam;
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector<T>(selector);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function account(): { email: string } | null {
  try {
    return JSON.parse(localStorage.getItem(ACCOUNT_KEY) || "null");
  } catch {
    return null;
  }
}

function toast(message: string, link?: { href: string; text: string }) {
  const el = $("[data-toast]");
  if (!el) return;
  el.innerHTML = escapeHtml(message) + (link ? ` <a href="${link.href}">${escapeHtml(link.text)}</a>` : "");
  el.hidden = false;
  clearTimeout(Number(el.dataset.timer));
  el.dataset.timer = String(setTimeout(() => (el.hidden = true), 3500));
}

function showCount(count: number) {
  const badge = $("[data-cart-count]");
  if (!badge) return;
  badge.textContent = String(count);
  badge.hidden = count === 0;
}

/** The cart as Seam knows it, after everything this page queued has been delivered. */
async function loadCart(): Promise<Cart> {
  await seam().flush();
  try {
    return await seam().getCart();
  } catch {
    // A visitor Seam has never seen has no cart yet.
    return { lines: [], item_count: 0, subtotal: 0 };
  }
}

async function storeProducts(ids: string[]): Promise<Map<string, StoreProduct>> {
  if (!ids.length) return new Map();
  const res = await fetch(`/demo/api/products?ids=${encodeURIComponent(ids.join(","))}`);
  const { products } = (await res.json()) as { products: StoreProduct[] };
  return new Map(products.map((p) => [p.product_id, p]));
}

function setupHeader() {
  const signedIn = account();
  const link = $("[data-account]");
  if (link && signedIn) link.textContent = signedIn.email;
  // The cart and checkout pages read the cart themselves.
  if (!$("[data-cart-lines]") && !$("[data-checkout-form]")) void loadCart().then((cart) => showCount(cart.item_count));
}

function setupAddToCart() {
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-add-to-cart]")) {
    button.addEventListener("click", async () => {
      const product = JSON.parse(button.dataset.addToCart!);
      button.disabled = true;
      // Not awaited: loadCart's flush sends it at once instead of with the next batch.
      void seam().addToCart({ ...product, quantity: 1 });
      const cart = await loadCart();
      showCount(cart.item_count);
      button.disabled = false;
      toast(`Added ${product.name} to your cart.`, { href: "/demo/cart", text: "View cart" });
    });
  }
}

function restoredFrom(cart: Cart): string {
  const others = cart.lines.filter((l) => cart.restored_from?.some((r) => r.device === l.source?.device && r.channel === l.source?.channel));
  const where = cart.restored_from?.every((r) => r.channel === "app") ? "in our app" : "on another device";
  const count = others.length || cart.item_count;
  return `Welcome back! We brought over ${count === 1 ? "the item" : `the ${count} items`} you added ${where}.`;
}

async function renderCart() {
  const linesEl = $("[data-cart-lines]");
  if (!linesEl) return;
  const cart = await loadCart();
  showCount(cart.item_count);
  const banner = $("[data-restore-banner]")!;
  banner.hidden = !cart.restored;
  if (cart.restored) banner.textContent = restoredFrom(cart);
  const summary = $("[data-cart-summary]")!;
  if (!cart.lines.length) {
    linesEl.innerHTML = `<div class="empty"><p>Your cart is empty.</p><a class="btn btn-ghost" href="/demo">Continue shopping</a></div>`;
    summary.hidden = true;
    return;
  }
  const products = await storeProducts(cart.lines.map((l) => l.product_id));
  seam().cartViewed({ products: cart.lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity, price: l.price })) });
  linesEl.innerHTML = cart.lines
    .map((line) => {
      const p = products.get(line.product_id);
      const unit = line.price ?? p?.price ?? 0;
      return `<div class="cart-line" data-line="${escapeHtml(line.product_id)}">
  <a href="${p?.url ?? "#"}"><img src="${p?.image_url ?? ""}" width="112" height="112" alt=""></a>
  <div><h3><a href="${p?.url ?? "#"}">${escapeHtml(p?.name ?? line.product_id)}</a></h3><p>${escapeHtml(p ? `${p.collection} · ${p.colour}` : "")}</p>
    <div class="qty"><button type="button" data-dec aria-label="One less">−</button><span>${line.quantity}</span><button type="button" data-inc aria-label="One more">+</button></div>
    <div><button type="button" class="link-button" data-remove>Remove</button></div></div>
  <div class="line-price">${money.format(unit * line.quantity)}</div>
</div>`;
    })
    .join("");
  const shipping = cart.subtotal >= FREE_SHIPPING_FROM ? 0 : SHIPPING;
  $("[data-subtotal]")!.textContent = money.format(cart.subtotal);
  $("[data-shipping]")!.textContent = shipping ? money.format(shipping) : "Free";
  $("[data-total]")!.textContent = money.format(cart.subtotal + shipping);
  summary.hidden = false;
  for (const row of linesEl.querySelectorAll<HTMLElement>("[data-line]")) {
    const line = cart.lines.find((l) => l.product_id === row.dataset.line)!;
    const change = async (event: Promise<unknown>) => {
      row.style.opacity = ".5";
      void event; // renderCart's flush delivers it before the cart is read again
      await renderCart();
    };
    $("[data-inc]", row)!.addEventListener("click", () => change(seam().addToCart({ product_id: line.product_id, price: line.price, quantity: 1 })));
    $("[data-dec]", row)!.addEventListener("click", () => change(seam().removeFromCart({ product_id: line.product_id, quantity: 1 })));
    $("[data-remove]", row)!.addEventListener("click", () => change(seam().removeFromCart({ product_id: line.product_id, quantity: line.quantity })));
  }
}

function setupAccount() {
  const form = $<HTMLFormElement>("[data-sign-in]");
  if (!form) return;
  const signedIn = account();
  $("[data-signed-out]")!.hidden = !!signedIn;
  $("[data-signed-in]")!.hidden = !signedIn;
  if (signedIn) $("[data-email]")!.textContent = signedIn.email;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = String(new FormData(form).get("email") ?? "");
    const error = $("[data-error]", form)!;
    // The store's backend signs the user id; the page never sees the identity secret.
    const res = await fetch("/demo/api/sign-in", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email }) });
    const body = await res.json();
    if (!res.ok) {
      error.textContent = body.error?.message ?? "Sign-in failed";
      error.hidden = false;
      return;
    }
    await seam().identify(body.userId, { email }, { userHash: body.userHash });
    localStorage.setItem(ACCOUNT_KEY, JSON.stringify({ email }));
    location.href = "/demo/cart";
  });
  $("[data-sign-out]")!.addEventListener("click", async () => {
    localStorage.removeItem(ACCOUNT_KEY);
    await seam().reset();
    location.href = "/demo";
  });
}

async function setupCheckout() {
  const form = $<HTMLFormElement>("[data-checkout-form]");
  if (!form) return;
  const cart = await loadCart();
  const products = await storeProducts(cart.lines.map((l) => l.product_id));
  const shipping = cart.subtotal >= FREE_SHIPPING_FROM ? 0 : SHIPPING;
  const total = Math.round((cart.subtotal + shipping) * 100) / 100;
  const items = cart.lines.map((l) => ({ product_id: l.product_id, name: products.get(l.product_id)?.name, price: l.price, quantity: l.quantity }));
  $("[data-checkout-summary]")!.innerHTML = `<h2>Order summary</h2>${cart.lines
    .map((l) => `<div class="summary-line"><span>${l.quantity} × ${escapeHtml(products.get(l.product_id)?.name ?? l.product_id)}</span><span>${money.format((l.price ?? 0) * l.quantity)}</span></div>`)
    .join("")}<dl><dt>Shipping</dt><dd>${shipping ? money.format(shipping) : "Free"}</dd><dt class="total">Total</dt><dd class="total">${money.format(total)}</dd></dl>`;
  if (!cart.lines.length) {
    $<HTMLButtonElement>("[data-place-order]")!.disabled = true;
    return;
  }
  const orderId = `AC-${Date.now().toString(36).toUpperCase()}`;
  seam().checkoutStarted({ order_id: orderId, value: total, currency: "USD", products: items });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $<HTMLButtonElement>("[data-place-order]")!.disabled = true;
    await seam().orderCompleted({ order_id: orderId, total, revenue: cart.subtotal, shipping, currency: "USD", products: items });
    await seam().flush();
    $("[data-checkout]")!.hidden = true;
    $("[data-order-id]")!.textContent = orderId;
    $("[data-confirmation]")!.hidden = false;
    showCount(0);
  });
}

setupHeader();
setupAddToCart();
setupAccount();
void renderCart();
void setupCheckout();
