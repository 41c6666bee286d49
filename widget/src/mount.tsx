// Puts strips on the page: `mount()` for one element, `autoMount()` for every `[data-seam-recs]` now and later.
import { render } from "preact";
import { Recs } from "./Recs.tsx";
import { injectStyles } from "./styles.ts";
import { DEFAULT_LIMIT, type WidgetOptions } from "./types.ts";

export const PLACEHOLDER_SELECTOR = "[data-seam-recs]";
/** The server caps lists anyway; this only keeps a typo (data-limit="800") from asking for a page of cards. */
export const MAX_LIMIT = 50;

/** Elements with a strip, so a re-scan or a second MutationObserver record never mounts twice. */
const mounted = new WeakSet<Element>();

/**
 * Renders a recommendations strip into `element`. Calling it again on the same element updates the
 * strip in place (and refetches only if the request changed), so an SPA can call it on every route.
 * Returns a function that removes the strip.
 *
 * @example
 * import { mount } from "./seam-widget.mjs";
 * const unmount = mount(document.getElementById("recs"), {
 *   type: "similar", item: "sku-1", limit: 8, title: "You may also like",
 *   writeKey: "wk_demo", host: "https://seam.example",
 * });
 */
export function mount(element: Element, options: WidgetOptions): () => void {
  injectStyles(element.ownerDocument);
  mounted.add(element);
  render(<Recs options={options} />, element);
  return () => {
    mounted.delete(element);
    render(null, element);
  };
}

/** Reads a placeholder's `data-*` attributes (data-item → item, data-write-key → writeKey) over the script tag's defaults. */
export function optionsFromElement(element: HTMLElement, defaults: WidgetOptions = {}): WidgetOptions {
  // Unknown attributes ride along harmlessly: only known option names are ever read.
  const options: WidgetOptions = { ...defaults, ...(element.dataset as WidgetOptions) };
  const limit = Math.floor(Number(element.dataset.limit));
  options.limit = limit > 0 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT;
  return options;
}

/**
 * Mounts every placeholder in `root` and, through one MutationObserver, every one added later
 * (an SPA route, a lazy-loaded section). Returns a function that stops watching.
 *
 * @example
 * autoMount({ writeKey: "wk_demo", host: "https://seam.example" });
 */
export function autoMount(defaults: WidgetOptions, root: ParentNode & Node = document): () => void {
  const mountNew = (element: Element) => {
    if (!mounted.has(element)) mount(element, optionsFromElement(element as HTMLElement, defaults));
  };
  const scan = (node: Element) => {
    if (node.matches(PLACEHOLDER_SELECTOR)) mountNew(node);
    // Most added nodes are leaves (text, our own cards): skip the query for them.
    if (node.firstElementChild) node.querySelectorAll(PLACEHOLDER_SELECTOR).forEach(mountNew);
  };
  root.querySelectorAll(PLACEHOLDER_SELECTOR).forEach(mountNew);
  const observer = new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) scan(node as Element);
  });
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}
