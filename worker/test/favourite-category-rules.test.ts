// Which category a customer favours, and which new arrivals they hear of (pure).
import { describe, expect, it } from "vitest";
import { planNewArrivals } from "../src/triggers/catalog-triggers.ts";
import { resolveDefinition } from "../src/triggers/definitions.ts";
import type { RunLookup } from "../src/triggers/evaluate.ts";
import { favouriteCategory } from "../src/triggers/favourite-category.ts";

const NOW = Date.UTC(2026, 10, 3, 10, 0);
const DAY = 86_400_000;
const noRuns: RunLookup = { run: () => undefined, active: () => [], lastSentAt: () => null };

describe("the favourite category", () => {
  it("is the one with the most views, an order counting as five, once it reaches the minimum", () => {
    expect(favouriteCategory([{ category: "Shoes", views: 4, orders: 0 }, { category: "Home", views: 1, orders: 1 }], 3)).toBe("Home");
    expect(favouriteCategory([{ category: "Shoes", views: 4, orders: 0 }, { category: "Home", views: 2, orders: 0 }], 3)).toBe("Shoes");
    expect(favouriteCategory([{ category: "Shoes", views: 2, orders: 0 }], 3)).toBeNull();
    // A tie goes to the first in alphabetical order, so the answer never flips between calls.
    expect(favouriteCategory([{ category: "Shoes", views: 3, orders: 0 }, { category: "Bags", views: 3, orders: 0 }], 3)).toBe("Bags");
  });
});

describe("new arrivals", () => {
  const trigger = resolveDefinition("arrivals", { template: "new_in_favourite_category" }, 1);
  const shoesFan = { activity: () => [{ category: "Men > Shoes", views: 5, orders: 0 }], unseen: (ids: readonly string[]) => ids.filter((id) => id !== "seen") };

  it("start one run for a customer who favours the category, with the products new to them, once a day", () => {
    const arrivals = { kind: "new_arrivals" as const, category: "men >  shoes", product_ids: ["a", "seen", "b"] };
    expect(planNewArrivals(arrivals, [trigger], shoesFan, noRuns, NOW)).toMatchObject([
      { kind: "start", runId: `arrivals:men >  shoes@${Math.floor(NOW / DAY)}`, context: { category: "men >  shoes", product_ids: ["a", "b"] }, firstDueAt: NOW + 60 * 60_000 },
    ]);
    expect(planNewArrivals({ ...arrivals, product_ids: ["seen"] }, [trigger], shoesFan, noRuns, NOW)).toEqual([]);
    expect(planNewArrivals({ ...arrivals, category: "Home" }, [trigger], shoesFan, noRuns, NOW)).toEqual([]);
    const started: RunLookup = { ...noRuns, run: () => ({}) as never };
    expect(planNewArrivals(arrivals, [trigger], shoesFan, started, NOW)).toEqual([]);
    expect(planNewArrivals(arrivals, [trigger], shoesFan, { ...noRuns, lastSentAt: () => NOW - DAY }, NOW)).toEqual([]);
  });
});
