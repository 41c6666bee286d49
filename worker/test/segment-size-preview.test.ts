// POST /v1/segments/preview: the size a custom rule would have, before it is saved, evaluated in a
// sample of customers' own objects: counted when the sample is every customer, else an estimate
// labelled as one with its sample size; nothing stored; bad input answered with a JSON 4xx.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { previewSegmentRule } from "../src/stores/segment-preview.ts";
import { workspaceSegments } from "../src/stores/segment-definitions.ts";
import { batch, trackEvent, uid } from "./helpers.ts";
import { clearAlarm, messagingWorkspace, type MessagingWorkspace } from "./messaging-helpers.ts";
import { segmentsApi, segmentsOf, waitForCustomers } from "./segment-helpers.ts";

/** Three buyers (spending 5, 50 and 500) and one visitor who only browsed. */
async function shop(): Promise<{ ws: MessagingWorkspace; buyers: string[]; browser: string }> {
  const ws = await messagingWorkspace();
  const buyers = [uid("b5"), uid("b50"), uid("b500")];
  const browser = uid("browse");
  for (const [i, id] of buyers.entries()) await batch([trackEvent(id, "Order Completed", { order_id: `o-${id}`, total: 5 * 10 ** i })], ws.writeKey);
  await batch([trackEvent(browser, "Product Viewed", { product_id: "p1" })], ws.writeKey);
  await waitForCustomers(ws, [...buyers, browser]);
  return { ws, buyers, browser };
}

async function cleanUp(ws: MessagingWorkspace, ids: string[]) {
  for (const id of ids) await clearAlarm(ws, `a:${id}`);
}

describe("segment size preview", () => {
  it("counts the members exactly when every customer fits in the sample, and stores nothing", async () => {
    const { ws, buyers, browser } = await shop();
    const preview = async (rule: unknown) => {
      const res = await segmentsApi(ws, "POST", "/preview", { rule });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await preview({ bought: {} })).toMatchObject({ estimated: false, members: 3, share: 0.75, sample: { size: 4, members: 3 }, customers: 4 });
    expect(await preview({ spend: { gte: 40 } })).toMatchObject({ estimated: false, members: 2 });
    // A rule may build on the workspace's segments (here the built-in recent buyers).
    expect(await preview({ and: [{ segment: "recent_buyers" }, { spend: { gte: 100 } }] })).toMatchObject({ members: 1 });
    expect(await preview({ viewed: { product_id: "p1" } })).toMatchObject({ members: 1, sample: { size: 4, members: 1 } });

    // Nothing was saved or joined: no new segment, and the browser is in no segment.
    const { body } = await segmentsApi(ws, "GET", "");
    expect(body.segments.filter((s: { kind: string }) => s.kind === "custom")).toEqual([]);
    expect(await segmentsOf(ws, browser)).toEqual([]);
    await cleanUp(ws, [...buyers, browser]);
  });

  it("scales a sample's share to every customer and says it is an estimate, with the sample size", async () => {
    const { ws, buyers, browser } = await shop();
    const definitions = await workspaceSegments(env.DB, ws.id);
    const preview = await previewSegmentRule(env, ws.id, { bought: {} }, definitions, Date.now(), 2);
    expect(preview.estimated).toBe(true);
    expect(preview.customers).toBe(4);
    expect(preview.sample.size).toBe(2);
    expect(preview.members).toBe(Math.round((preview.sample.members / 2) * 4));
    expect(preview.share).toBe(preview.sample.members / 2);
    await cleanUp(ws, [...buyers, browser]);
  });

  it("answers bad input with a JSON 4xx that says what is wrong, and needs the secret key", async () => {
    const ws = await messagingWorkspace();
    const cases: [unknown, number, string][] = [
      [{}, 400, "invalid_body"],
      [{ rule: { trait: { key: "plan" } } }, 400, "invalid_body"],
      [{ rule: { bought: {}, spend: { gte: 1 } } }, 400, "invalid_body"],
      [{ rule: { segment: "no-such-segment" } }, 400, "unknown_segment"],
      [{ rule: { bought: {} }, name: "extra" }, 400, "invalid_body"],
      ["not json", 400, "bad_request"],
    ];
    for (const [body, status, code] of cases) {
      const res = await segmentsApi(ws, "POST", "/preview", body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code, JSON.stringify(body)).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
    }
    const unknown = await segmentsApi(ws, "POST", "/preview", { rule: { segment: "no-such-segment" } });
    expect(unknown.body.error).toMatchObject({ message: "the rule names segments that do not exist: no-such-segment", details: { segments: ["no-such-segment"] } });
    const withWriteKey = await segmentsApi({ secretKey: ws.writeKey }, "POST", "/preview", { rule: { bought: {} } });
    expect(withWriteKey.status).toBe(401);
  });
});
