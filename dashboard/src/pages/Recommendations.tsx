// Recommendations: the lists Seam serves for a product (similar, bought together, trending in its
// category) and the store's trending list, read from GET /v1/recs exactly as the widget reads them
// (with the workspace's public write key, about no visitor); and how each list type does:
// impressions, click-through and attributed revenue (GET /v1/reports/recs).
import { useLocation } from "preact-iso/router";
import { api, ApiError, query } from "../api/client.ts";
import type { Product, RecsAnswer } from "../api/types.ts";
import { PageHeader } from "../components/Shell.tsx";
import { Card, Empty, ErrorState, Loading } from "../components/states.tsx";
import { formatAmount, formatMoney, humanize } from "../lib/format.ts";
import { fetchRecsReport, type RecsReport } from "../api/reports.ts";
import { DateRangePicker } from "../components/DateRangePicker.tsx";
import { rateColumn, SortableTable } from "../components/reports.tsx";
import { useReportQuery } from "../lib/report-query.ts";
import { Loaded } from "./Overview.tsx";
import { useApi } from "../lib/use-api.ts";
import { useSession } from "../session-context.ts";

const LIST_LIMIT = 8;

const FALLBACK_WORDS: Record<string, string> = {
  catalog_newest: "Not enough shopping yet: the catalog's featured and newest products stand in.",
  trending: "Not enough data for this product yet: trending products stand in.",
};

interface CatalogProduct {
  product_id: string;
  variants: Product[];
}

function RecsList({ title, description, path }: { title: string; description: string; path: string }) {
  const { route } = useLocation();
  const recs = useApi(path, (signal) => api<RecsAnswer>(path, { signal }));
  return (
    <Card title={title}>
      <p class="muted small">{description}</p>
      {recs.state === "loading" && <Loading rows={2} />}
      {recs.state === "error" && <ErrorState error={recs.error} retry={recs.reload} />}
      {recs.state === "ready" && recs.data.fallback && <p class="notice small">{FALLBACK_WORDS[recs.data.fallback] ?? `Stand-in list: ${recs.data.fallback}.`}</p>}
      {recs.state === "ready" && recs.data.items.length === 0 && <Empty title="This list is empty">Lists fill as shoppers view, cart and buy; the cron refreshes them every 10 minutes.</Empty>}
      {recs.state === "ready" && recs.data.items.length > 0 && (
        <ol class="product-grid">
          {recs.data.items.map((p, i) => (
            <li key={p.product_id}>
              <button type="button" class="product-card" onClick={() => route(`/dashboard/recommendations${query({ product: p.product_id })}`)}>
                {p.image_url ? <img src={p.image_url} alt="" width={120} height={120} loading="lazy" /> : <span class="product-image-empty" aria-hidden="true" />}
                <span class="product-rank">
                  <span class="visually-hidden">Number </span>
                  {i + 1}
                </span>
                <span class="product-name">{p.name ?? p.product_id}</span>
                <span class="muted small">{formatMoney(p.price, p.currency)}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

/** Impressions, click-through and attributed revenue per list type over a date range (GET /v1/reports/recs). */
function ListPerformance() {
  const { today, range, set } = useReportQuery();
  const report = useApi(`recs-report:${range.from}:${range.to}`, (signal) => fetchRecsReport(range, signal));
  return (
    <Card title="How the lists do" actions={<DateRangePicker value={range} today={today} onChange={(r) => set(r)} />}>
      <Loaded resource={report}>
        {(r) =>
          r.rows.length === 0 ? (
            <Empty title="No list was shown in this range">Impressions are counted from Product List Viewed events with a rec_id (the widget sends them).</Empty>
          ) : (
            <SortableTable
              caption="Recommendation lists"
              rows={r.rows}
              rowKey={(row) => row.type}
              initialSort="revenue"
              columns={[
                { key: "type", label: "List", value: (row) => humanize(row.type) },
                { key: "impressions", label: "Impressions", numeric: true, value: (row) => row.impressions },
                { key: "clicks", label: "Clicks", numeric: true, value: (row) => row.clicks },
                rateColumn<RecsReport["rows"][number]>("ctr", "Click-through", (row) => (row.impressions ? row.clicks / row.impressions : null)),
                { key: "orders", label: "Orders", numeric: true, value: (row) => row.orders },
                { key: "revenue", label: "Revenue", numeric: true, value: (row) => row.revenue, render: (row) => formatAmount(row.revenue) },
              ]}
            />
          )
        }
      </Loaded>
    </Card>
  );
}

export function RecommendationsPage() {
  const { query: params, route, path } = useLocation();
  const writeKey = useSession().workspace.write_key;
  const productId = params.product?.trim() || null;
  const product = useApi(productId ? `product:${productId}` : null, (signal) =>
    api<CatalogProduct>(`/v1/catalog/products/${encodeURIComponent(productId!)}`, { signal }).catch((e: Error) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))),
  );
  const recs = (type: string, extra: Record<string, string | undefined> = {}) => `/v1/recs${query({ type, writeKey, limit: LIST_LIMIT, ...extra })}`;
  const anchor = product.data?.variants[0];
  return (
    <>
      <PageHeader title="Recommendations" subtitle="The lists shoppers see in the widget and in messages: how they do, and what they show for a product." />
      <ListPerformance />
      <Card>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const id = ((new FormData(e.currentTarget).get("product") as string) ?? "").trim();
            route(`${path}${query({ product: id || undefined })}`);
          }}
        >
          <label class="visually-hidden" for="product-id">
            Product id
          </label>
          <input id="product-id" name="product" type="search" placeholder="A product id from the catalog" defaultValue={productId ?? ""} key={productId ?? ""} spellcheck={false} />
          <button class="button button-primary" type="submit">
            Show lists
          </button>
        </form>
      </Card>
      {productId && product.state === "loading" && <Loading rows={3} />}
      {productId && product.state === "error" && <ErrorState error={product.error} retry={product.reload} />}
      {productId && product.state === "ready" && !anchor && <Card><Empty title={`No product ${productId} in the catalog`}>Product ids are the catalog's, as imported.</Empty></Card>}
      {anchor && (
        <>
          <Card class="product-hero">
            <div class="product-hero-body">
              {anchor.image_url && <img src={anchor.image_url} alt="" width={96} height={96} />}
              <div>
                <h2>{anchor.name ?? anchor.product_id}</h2>
                <p class="muted small">
                  {anchor.product_id} · {anchor.category ?? "no category"} · {formatMoney(anchor.price, anchor.currency)} · {anchor.in_stock === false ? "out of stock" : "in stock"}
                </p>
              </div>
            </div>
          </Card>
          <div class="grid-2">
            <RecsList title="Similar" description="Viewed before and after this product in the same sessions." path={recs("similar", { item: anchor.product_id })} />
            <RecsList title="Bought together" description="Carted and bought with this product." path={recs("bought_together", { item: anchor.product_id })} />
          </div>
          {anchor.category && <RecsList title={`Trending in ${anchor.category}`} description="Most viewed and bought lately in this category (decayed popularity)." path={recs("trending", { category: anchor.category, item: anchor.product_id })} />}
        </>
      )}
      <RecsList title="Trending in the store" description="Most viewed and bought lately across the catalog. Pick one to see its lists." path={recs("trending")} />
    </>
  );
}
