// The recommendations strip: skeleton while loading, a scroll-snapping row of product cards, nothing on failure.
import { Component } from "preact";
import { loadRecs, track } from "./client.ts";
import { DEFAULT_LIMIT, DEFAULT_TYPE, type RecItem, type RecsResponse, type WidgetOptions } from "./types.ts";

/** Enough placeholders to fill a desktop row; the strip's height, not its width, is what must not move. */
const SKELETON_CARDS = 6;
/** Image attributes: a square box the browser reserves before the file arrives (2× the default card width). */
const IMAGE_SIZE = 320;
/** Share of the strip that must be on screen for it to count as seen (the IAB's display-ad threshold). */
export const VISIBLE_RATIO = 0.5;

const DEFAULT_TITLES: Record<string, string> = {
  for_you: "Recommended for you",
  similar: "You may also like",
  bought_together: "Frequently bought together",
  recently_viewed: "Recently viewed",
  trending: "Trending",
  cart: "You may also like",
};

/** A price in the item's own currency; plain digits when the currency is missing or unknown to Intl. */
export function formatPrice(price: number, currency?: string | null, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, currency ? { style: "currency", currency } : { minimumFractionDigits: 2 }).format(price);
  } catch {
    // An unknown locale or currency code throws a RangeError; the number alone is still useful.
    return price.toFixed(2);
  }
}

interface CardProps {
  item: RecItem;
  position: number;
  locale: string | undefined;
  onOpen: (item: RecItem, position: number) => void;
}

function Card({ item, position, locale, onOpen }: CardProps) {
  const open = (event: MouseEvent) => {
    // Left or middle click (a new tab). Never preventDefault: tracking must not hold up navigation.
    if (event.button < 2) onOpen(item, position);
  };
  return (
    <li class="seam-card">
      <a class="seam-link" href={item.url} onClick={open} onAuxClick={open}>
        {/* alt="" because the name follows inside the same link: a screen reader hears it once. */}
        <img
          class="seam-img"
          src={item.image_url || undefined}
          alt=""
          width={IMAGE_SIZE}
          height={IMAGE_SIZE}
          loading="lazy"
          decoding="async"
        />
        <span class="seam-name">{item.name}</span>
        <span class="seam-price">{item.price != null ? formatPrice(item.price, item.currency, locale) : ""}</span>
      </a>
    </li>
  );
}

/** Everything that changes the answer: an SPA re-mounting with another product refetches, nothing else does. */
function requestKey(options: WidgetOptions): string {
  const { type, item, category, limit, host, writeKey, anonymousId, userId, userHash } = options;
  return [type, item, category, limit, host, writeKey, anonymousId, userId, userHash].join("|");
}

interface RecsState {
  /** undefined: loading (skeleton); null: nothing to show (error, empty list); else the strip. */
  recs?: RecsResponse | null;
}

/**
 * One strip. A class rather than hooks on purpose: preact/hooks would add about 1 KB min+gzip to a
 * script that every shopper downloads, for three lifecycle methods.
 */
export class Recs extends Component<{ options: WidgetOptions }, RecsState> {
  /** The request whose answer may still be shown; a newer request or an unmount clears it. */
  declare request: string;
  /** The answer an impression was already watched for (one impression per answer). */
  declare watched: RecsResponse | undefined;
  declare observer: IntersectionObserver | undefined;
  declare region: HTMLElement | null;

  override componentDidMount() {
    this.load();
  }

  override componentDidUpdate() {
    if (requestKey(this.props.options) !== this.request) this.load();
    else this.watchImpression();
  }

  override componentWillUnmount() {
    this.request = "";
    this.observer?.disconnect();
  }

  load() {
    const request = (this.request = requestKey(this.props.options));
    this.observer?.disconnect();
    this.setState({ recs: undefined });
    const { options } = this.props;
    loadRecs({ ...options, type: options.type || DEFAULT_TYPE, limit: options.limit || DEFAULT_LIMIT }).then(
      (recs) => request === this.request && this.setState({ recs }),
    );
  }

  /** Sends "Product List Viewed" once half the strip is on screen (on render without IntersectionObserver). */
  watchImpression() {
    const recs = this.state.recs;
    const element = this.region;
    if (!recs || !element || this.watched === recs) return;
    this.watched = recs;
    const viewed = () => {
      this.observer?.disconnect();
      track(this.props.options, "Product List Viewed", {
        list_id: this.props.options.type || DEFAULT_TYPE,
        rec_id: recs.recId,
        products: recs.items.map((item, i) => ({ product_id: item.product_id, position: i + 1 })),
      });
    };
    if (typeof IntersectionObserver !== "function") return viewed();
    this.observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting && e.intersectionRatio >= VISIBLE_RATIO) && viewed(),
      { threshold: VISIBLE_RATIO },
    );
    this.observer.observe(element);
  }

  render({ options }: { options: WidgetOptions }, { recs }: RecsState) {
    if (recs === null) return null;
    const type = options.type || DEFAULT_TYPE;
    const title = options.title || DEFAULT_TITLES[type] || DEFAULT_TITLES[DEFAULT_TYPE]!;
    // The page's language formats prices the way the rest of the page does (1.234,50 € on a German shop).
    const locale = options.locale || document.documentElement.lang || undefined;
    const opened = (item: RecItem, position: number) =>
      track(options, "Product Clicked", { product_id: item.product_id, position, rec_id: recs?.recId, list_id: type });
    return (
      <section
        ref={(element) => {
          this.region = element;
        }}
        class={recs ? "seam-recs" : "seam-recs seam-skeleton"}
        aria-label={title}
        aria-busy={recs ? undefined : "true"}
      >
        <h2 class="seam-title">{title}</h2>
        {/* role="list": Safari drops list semantics from a list styled with list-style:none. */}
        <ul class="seam-list" role="list">
          {recs
            ? recs.items.map((item, i) => (
                <Card key={item.product_id} item={item} position={i + 1} locale={locale} onOpen={opened} />
              ))
            : Array.from({ length: Math.min(options.limit || DEFAULT_LIMIT, SKELETON_CARDS) }, (_, i) => (
                // Placeholders with the loaded cards' exact box sizes, hidden from assistive technology.
                <li key={i} class="seam-card" aria-hidden="true">
                  <span class="seam-img" />
                  <span class="seam-name" />
                  <span class="seam-price" />
                </li>
              ))}
        </ul>
      </section>
    );
  }
}
