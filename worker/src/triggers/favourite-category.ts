// Which category a customer favours: the one they viewed and bought most lately, from their own state.

/** One category's recent activity in a customer's state (views counted per view, orders per order). */
export interface CategoryActivity {
  category: string;
  views: number;
  orders: number;
}

/** An order says more than a view (as in trending: POPULARITY_WEIGHT in recs/edge.ts gives a purchase five views). */
export const ORDER_VIEW_WEIGHT = 5;

/** Categories compare without case or spacing differences ("Men > Shoes" and "men >  shoes" are one). */
export const sameCategory = (a: string, b: string) => normalizeCategory(a) === normalizeCategory(b);

function normalizeCategory(category: string): string {
  return category.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * The customer's favourite category: the highest views + ORDER_VIEW_WEIGHT × orders, if that
 * reaches `minScore`; ties go to the category first in alphabetical order, so the answer is
 * stable. Null when no category stands out yet.
 */
export function favouriteCategory(activity: readonly CategoryActivity[], minScore: number): string | null {
  let best: { category: string; score: number } | null = null;
  for (const a of activity) {
    const score = a.views + ORDER_VIEW_WEIGHT * a.orders;
    if (score < minScore) continue;
    if (!best || score > best.score || (score === best.score && a.category < best.category)) best = { category: a.category, score };
  }
  return best?.category ?? null;
}
