// The demo store's own catalog: 200 products in five categories, generated deterministically (no
// data file, no network). Pure: the worker's demo pages, its catalog seeding and the traffic
// simulator (scripts/seed-traffic.ts) all read this one list.

export interface DemoCategory {
  slug: string;
  name: string;
  /** The noun in product names ("Tee"), and the drawing its images use. */
  noun: string;
  kind: DemoProductKind;
  blurb: string;
  /** Price of the plainest collection; others add their premium. */
  basePrice: number;
}

export type DemoProductKind = "tee" | "sneaker" | "mug" | "lamp" | "backpack";

/** A collection: a look shared across categories, so shoppers browse (and buy) within one. */
export interface DemoCollection {
  slug: string;
  name: string;
  premium: number;
  /** The collection's five colours: [name, hex]. */
  colours: [string, string][];
  /** Background of its product shots. */
  backdrop: string;
}

export interface DemoProduct {
  id: string;
  name: string;
  category: DemoCategory;
  collection: DemoCollection;
  colour: string;
  hex: string;
  price: number;
  /** 0-based place in the list: a higher one was added later (newer). */
  added: number;
  featured: boolean;
  description: string;
}

export const DEMO_STORE_NAME = "Alder & Co.";
export const DEMO_CURRENCY = "USD";
export const DEMO_WORKSPACE_ID = "demo";

export const DEMO_CATEGORIES: DemoCategory[] = [
  { slug: "tees", name: "Tees", noun: "Tee", kind: "tee", basePrice: 26, blurb: "Heavyweight organic cotton, cut to keep its shape." },
  { slug: "sneakers", name: "Sneakers", noun: "Sneaker", kind: "sneaker", basePrice: 88, blurb: "Leather uppers on natural rubber, made to be resoled." },
  { slug: "mugs", name: "Mugs", noun: "Mug", kind: "mug", basePrice: 16, blurb: "Hand-glazed stoneware that keeps coffee warm." },
  { slug: "lamps", name: "Lamps", noun: "Lamp", kind: "lamp", basePrice: 64, blurb: "Warm light for desks, bedsides and reading corners." },
  { slug: "bags", name: "Bags", noun: "Backpack", kind: "backpack", basePrice: 72, blurb: "Waxed canvas packs for the commute and the weekend." },
];

export const DEMO_COLLECTIONS: DemoCollection[] = [
  { slug: "harbor", name: "Harbor", premium: 0, backdrop: "#e8eef3", colours: [["Navy", "#1f3a5f"], ["Slate", "#5b6b7a"], ["Sky", "#8fb3d9"], ["Chalk", "#f1efe9"], ["Signal", "#d9503f"]] },
  { slug: "dune", name: "Dune", premium: 4, backdrop: "#f3ece2", colours: [["Sand", "#d8c3a0"], ["Terracotta", "#c0663f"], ["Olive", "#7a7d45"], ["Cream", "#f4ead7"], ["Rust", "#9c4a2a"]] },
  { slug: "meadow", name: "Meadow", premium: 2, backdrop: "#ebf1e6", colours: [["Sage", "#9bae8c"], ["Moss", "#5d7048"], ["Butter", "#f0d98a"], ["Fern", "#3f6b4a"], ["Oat", "#e6dcc4"]] },
  { slug: "studio", name: "Studio", premium: 8, backdrop: "#eeeeee", colours: [["Black", "#222222"], ["Graphite", "#4a4a4a"], ["Bone", "#e9e4da"], ["Ash", "#a3a3a3"], ["Cobalt", "#2f55c8"]] },
  { slug: "ember", name: "Ember", premium: 6, backdrop: "#f6e9e4", colours: [["Clay", "#b5654a"], ["Blush", "#e8b4a6"], ["Plum", "#6b3a5a"], ["Amber", "#e09a3a"], ["Brick", "#8d3b2e"]] },
  { slug: "alpine", name: "Alpine", premium: 10, backdrop: "#e6eef0", colours: [["Glacier", "#a9cbd6"], ["Pine", "#2f5244"], ["Snow", "#f5f6f4"], ["Stone", "#8a8d86"], ["Lichen", "#b9c27a"]] },
  { slug: "coast", name: "Coast", premium: 3, backdrop: "#e4f0ef", colours: [["Teal", "#2f7f7a"], ["Seafoam", "#a6d8cc"], ["Driftwood", "#a08d78"], ["Coral", "#ee7b62"], ["Shell", "#f3e7dc"]] },
  { slug: "nordic", name: "Nordic", premium: 12, backdrop: "#efece6", colours: [["Birch", "#e7dfcf"], ["Charcoal", "#393a3c"], ["Lingon", "#a3243b"], ["Fjord", "#3e5f7c"], ["Heather", "#9a8fa6"]] },
];

/** A stable 32-bit hash of a string (FNV-1a): the seed of a product's deterministic details. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same catalog and traffic everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES: Record<DemoProductKind, string[]> = {
  tee: ["Everyday", "Heavyweight", "Pocket", "Boxy", "Relaxed"],
  sneaker: ["Court", "Runner", "Low", "Trail", "Canvas"],
  mug: ["Morning", "Diner", "Speckled", "Tall", "Espresso"],
  lamp: ["Desk", "Arc", "Reading", "Dome", "Bedside"],
  backpack: ["Daypack", "Roll-top", "Commuter", "Weekender", "Mini"],
};

function describe(category: DemoCategory, collection: DemoCollection, colour: string): string {
  return `${category.blurb} From the ${collection.name} collection, in ${colour.toLowerCase()}.`;
}

function buildCatalog(): DemoProduct[] {
  const products: DemoProduct[] = [];
  // Collections in turn (the last is the newest), each colour in every category: every
  // collection has each category in all 5 colours, and the newest products span the categories.
  for (const collection of DEMO_COLLECTIONS)
    collection.colours.forEach(([colour, hex], i) => {
      for (const category of DEMO_CATEGORIES) {
        const id = `${category.slug}-${collection.slug}-${colour.toLowerCase()}`;
        const random = seededRandom(hashString(id));
        const adjective = ADJECTIVES[category.kind][i]!;
        // Prices end in .00 or .50 around the category's base, like a real price list.
        const price = category.basePrice + collection.premium + Math.round(random() * 8) * 0.5;
        products.push({
          id,
          name: `${collection.name} ${adjective} ${category.noun} — ${colour}`,
          category,
          collection,
          colour,
          hex,
          price,
          added: products.length,
          featured: i === 0 && (collection.slug === "nordic" || collection.slug === "alpine"),
          description: describe(category, collection, colour),
        });
      }
    });
  return products;
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = buildCatalog();
const BY_ID = new Map(DEMO_PRODUCTS.map((p) => [p.id, p]));

export function demoProduct(id: string): DemoProduct | undefined {
  return BY_ID.get(id);
}

export function demoCategory(slug: string): DemoCategory | undefined {
  return DEMO_CATEGORIES.find((c) => c.slug === slug);
}

/** The newest first, as the home page's "New arrivals" shows them. */
export function newestDemoProducts(limit: number): DemoProduct[] {
  return [...DEMO_PRODUCTS].sort((a, b) => b.added - a.added).slice(0, limit);
}

/** The catalog API's row for a product; urls on the worker's own origin. */
export function catalogRow(p: DemoProduct, origin: string) {
  return {
    product_id: p.id,
    name: p.name,
    url: `${origin}/demo/p/${p.id}`,
    image_url: `${origin}/demo/img/${p.id}.svg`,
    price: p.price,
    currency: DEMO_CURRENCY,
    category: p.category.name,
    brand: DEMO_STORE_NAME,
    in_stock: true,
    attributes: { collection: p.collection.name, colour: p.colour, ...(p.featured && { featured: true }) },
  };
}
