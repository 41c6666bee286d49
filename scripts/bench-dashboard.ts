// `npm run bench:dashboard [-- --host http://localhost:8787 --rounds 20]`: how long each dashboard
// page waits for the API, on a local worker holding the demo data (`npm run seed:demo -- --customers
// 10000` first). Each page's reads are the ones the page makes, sent together as the browser sends
// them; a page's time is its slowest read. Prints the median and p95 of each page over the rounds,
// against the target of 300 ms. Start the worker as the benchmarks do (scripts/lib/local-worker.mjs:
// X_LOCAL_OBSERVABILITY=false X_LOCAL_EXPLORER=false npm run dev), so the figures are Seam's alone.
import { parseArgs } from "node:util";
// @ts-expect-error: a plain .mjs helper shared with the benchmarks.
import { devtoolsNote } from "./lib/local-worker.mjs";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.SEAM_HOST ?? "http://localhost:8787" },
    rounds: { type: "string", default: "20" },
    "secret-key": { type: "string", default: "sk_demo" },
  },
});
const host = values.host.replace(/\/+$/, "");
const ROUNDS = Math.max(1, Number(values.rounds) || 20);
const TARGET_MS = 300;
const AUTH = { authorization: `Bearer ${values["secret-key"]}`, "content-type": "application/json" };

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = isoDay(Date.now());
const days = (n: number) => `from=${isoDay(Date.now() - (n - 1) * 86_400_000)}&to=${today}`;

async function read(path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${host}${path}`, { headers: AUTH, ...init });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res.headers.get("content-type")?.includes("json") ? res.json() : res.text();
}

async function main() {
  // What the pages open: a customer, a segment, a trigger that exist.
  const someone = (await read("/v1/customers?limit=50")).customers.at(-1)?.customer_id;
  if (!someone) throw new Error("no customers: run `npm run seed:demo` against this worker first");
  const customer = await read(`/v1/customers/${encodeURIComponent(someone)}`);
  const email = customer.traits.email as string | undefined;
  const { segments } = await read("/v1/segments");
  const segment = (segments as { id: string; size: number }[]).sort((a, b) => b.size - a.size)[0]!.id;
  const trigger: string | undefined = (await read("/v1/admin/triggers")).triggers[0]?.id;

  const range30 = days(30);
  const range90 = days(90);
  const pages: [name: string, reads: (string | [string, RequestInit])[]][] = [
    ["Overview (30 days)", [`/v1/reports/timeseries?metric=revenue&by=channel&model=last_touch&${range30}`, `/v1/reports/channels?model=last_touch&${range30}`, `/v1/reports/sources?model=last_touch&${range30}`, `/v1/reports/funnel?${range30}`, `/v1/reports/recs?${range30}`]],
    ["Overview (90 days)", [`/v1/reports/timeseries?metric=revenue&by=channel&model=last_touch&${range90}`, `/v1/reports/channels?model=last_touch&${range90}`, `/v1/reports/sources?model=last_touch&${range90}`, `/v1/reports/funnel?${range90}`, `/v1/reports/recs?${range90}`]],
    ["Overview, model switched", [`/v1/reports/timeseries?metric=revenue&by=channel&model=linear&${range30}`, `/v1/reports/channels?model=linear&${range30}`, `/v1/reports/sources?model=linear&${range30}`]],
    ["Channels & campaigns", [`/v1/reports/channels?model=last_touch&${range30}`, `/v1/reports/campaigns?model=last_touch&${range30}`]],
    ["Customers", ["/v1/customers?limit=10", "/v1/outbox?limit=200"]],
    ["Customer search (email)", [`/v1/customers?q=${encodeURIComponent(email ?? someone)}`]],
    ["Customer 360", [`/v1/customers/${encodeURIComponent(someone)}`, `/v1/customers/${encodeURIComponent(someone)}/messages`, "/v1/segments"]],
    ["Segments", ["/v1/segments"]],
    ["Segment", [`/v1/segments/${segment}`, `/v1/segments/${segment}/members?limit=25`]],
    ["Segment size preview", [["/v1/segments/preview", { method: "POST", body: JSON.stringify({ rule: { and: [{ bought: { within_days: 90 } }, { consent: { channel: "email" } }] } }) }]]],
    ["Triggers", ["/v1/admin/triggers", "/v1/admin/triggers/templates", "/v1/admin/messaging"]],

    ["Messages (30 days)", [`/v1/outbox?limit=200&before=${encodeURIComponent(new Date().toISOString())}`, "/v1/admin/triggers"]],
    ["Recommendations", [`/v1/reports/recs?${range30}`, `/v1/recs?type=trending&limit=8&writeKey=wk_demo`]],
  ];
  if (trigger !== undefined)
    pages.push(["Trigger", [`/v1/admin/triggers/${trigger}`, "/v1/admin/triggers/templates", `/v1/admin/triggers/${trigger}/versions`, `/v1/reports/triggers?model=last_touch&${range30}`]]);

  console.log(`bench:dashboard on ${host}: ${ROUNDS} rounds per page, target < ${TARGET_MS} ms`);
  console.log(`  ${devtoolsNote()}`);
  console.log(`  data: customer ${someone}, segment ${segment} (the largest of ${segments.length}), trigger ${trigger ?? "none (no Trigger page)"}`);
  const fmt = (n: number) => `${n.toFixed(0).padStart(5)} ms`;
  let over = 0;
  for (const [name, reads] of pages) {
    const times: number[] = [];
    // One warm-up round: the first read of an object wakes it (a cold start is not what a marketer clicking around waits for).
    for (let round = 0; round <= ROUNDS; round++) {
      const started = performance.now();
      await Promise.all(reads.map((r) => (typeof r === "string" ? read(r) : read(r[0], r[1]))));
      if (round > 0) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!;
    if (p95 >= TARGET_MS) over++;
    console.log(`${name.padEnd(28)} median ${fmt(median)}   p95 ${fmt(p95)}   ${p95 < TARGET_MS ? "ok" : "OVER"}  (${reads.length} reads)`);
  }
  console.log(over ? `${over} page(s) over ${TARGET_MS} ms at p95` : `every page under ${TARGET_MS} ms at p95`);
}

main().catch((error: Error) => {
  console.error(`bench:dashboard: ${error.message}`);
  process.exit(1);
});
