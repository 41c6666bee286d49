// Workspace admin for messaging (secret key): trigger definitions, messaging policy, channel webhooks, catalog-change fan-out.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import * as z from "zod/mini";
import { secretKeyAuth, type WorkspaceEnv } from "../auth.ts";
import { badRequest, notFound } from "../errors.ts";
import {
  definitionById,
  definitionVersions,
  deleteDefinition,
  getPolicy,
  listDefinitions,
  putDefinition,
  putPolicy,
} from "../stores/messaging-config.ts";
import { fanOutCatalogChange } from "../stores/product-interest.ts";
import { workspaceSegments } from "../stores/segment-definitions.ts";
import { audienceSegments } from "../triggers/audience.ts";
import { deleteWebhook, listWebhooks, putWebhook } from "../stores/channel-webhooks.ts";
import { MAX_ID_LENGTH } from "../schemas.ts";
import { isMessageChannel, MESSAGE_CHANNELS, TEMPLATE_NAMES, TEMPLATES, TRIGGER_ID_PATTERN, triggerInputSchema, type MessageChannel } from "../triggers/definitions.ts";
import { policyInputSchema } from "../triggers/policy.ts";
import { MAX_ARRIVALS_PER_MESSAGE, type CatalogChange, type NewArrivals } from "../triggers/catalog-triggers.ts";
import { jsonBody } from "../validation.ts";

/** Changes per request to POST /catalog-changes, and pages of customers each may walk before answering. */
const MAX_CHANGES_PER_REQUEST = 100;
const MAX_FANOUT_PAGES_PER_REQUEST = 20;

function triggerId(id: string): string {
  if (!TRIGGER_ID_PATTERN.test(id))
    throw badRequest("invalid_trigger_id", "a trigger id is 1-63 lower-case letters, digits, - and _, starting with a letter or digit");
  return id;
}

function channelParam(channel: string): MessageChannel {
  if (!isMessageChannel(channel))
    throw badRequest("invalid_channel", `channel must be one of ${MESSAGE_CHANNELS.join(", ")}`);
  return channel;
}

const webhookSchema = z.strictObject({
  url: z.string().check(z.maxLength(2000), z.regex(/^https?:\/\/[^\s/]+\S*$/, "an http(s) URL")),
  rotate_secret: z.optional(z.boolean()),
});

const price = z.nullable(z.number().check(z.minimum(0)));
const catalogChangeShape = {
  product_id: z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH)),
  variant: z.optional(z.string().check(z.maxLength(MAX_ID_LENGTH))),
  kind: z.enum(["price_drop", "back_in_stock"]),
  old_price: z.optional(price),
  new_price: z.optional(price),
  product: z.optional(z.record(z.string(), z.unknown())),
};
type ChangeFields = { kind: string; old_price?: number | null | undefined; new_price?: number | null | undefined };
const priceDropHasPrices = z.refine<ChangeFields>(
  (c) =>
    c.kind !== "price_drop" || (typeof c.old_price === "number" && typeof c.new_price === "number" && c.new_price < c.old_price),
  "a price_drop needs old_price and a lower new_price",
);
/** New products in a category: the customers who favour it hear of the ones they have not seen. */
const newArrivalsShape = {
  kind: z.literal("new_arrivals"),
  category: z.string().check(z.minLength(1), z.maxLength(512)),
  product_ids: z.array(z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH))).check(z.minLength(1), z.maxLength(MAX_ARRIVALS_PER_MESSAGE)),
};
const anyChange = z.union([z.strictObject(catalogChangeShape).check(priceDropHasPrices), z.strictObject(newArrivalsShape)]);
const catalogChangesBody = z.union([
  z.strictObject({ changes: z.array(anyChange).check(z.minLength(1), z.maxLength(MAX_CHANGES_PER_REQUEST)) }),
  // One change; `cursor` continues a fan-out that answered with a next_cursor.
  z.strictObject({ ...catalogChangeShape, cursor: z.optional(z.string().check(z.maxLength(1024))) }).check(priceDropHasPrices),
  z.strictObject({ ...newArrivalsShape, cursor: z.optional(z.string().check(z.maxLength(1024))) }),
]);

export const messagingAdminRoutes = new Hono<WorkspaceEnv>()
  .use(secretKeyAuth)
  /** The built-in templates, what each does, and its defaults. */
  .get("/triggers/templates", doc("Triggers", "secret key", "The built-in trigger templates and their defaults"), (c) =>
    c.json({ templates: TEMPLATE_NAMES.map((name) => ({ template: name, description: TEMPLATES[name].description, defaults: TEMPLATES[name].defaults })) }),
  )
  .get("/triggers", doc("Triggers", "secret key", "The workspace's triggers"), async (c) => c.json({ triggers: await listDefinitions(c.env.DB, c.var.workspace.id) }))
  .get("/triggers/:id", doc("Triggers", "secret key", "One trigger definition"), async (c) => {
    const definition = await definitionById(c.env.DB, c.var.workspace.id, triggerId(c.req.param("id")));
    if (!definition) throw notFound(`no trigger ${c.req.param("id")} in this workspace`);
    return c.json({ trigger: definition });
  })
  .get("/triggers/:id/versions", doc("Triggers", "secret key", "Every saved version of a trigger"), async (c) => {
    const versions = await definitionVersions(c.env.DB, c.var.workspace.id, triggerId(c.req.param("id")));
    if (versions.length === 0) throw notFound(`no trigger ${c.req.param("id")} in this workspace`);
    return c.json({ versions });
  })
  /** Switches a built-in template on under this id, tuned; replaces the whole definition and bumps its version. */
  .put("/triggers/:id", doc("Triggers", "secret key", "Switch a template on under this id and tune it (a new version)"), jsonBody(triggerInputSchema), async (c) => {
    const id = triggerId(c.req.param("id"));
    const input = c.req.valid("json");
    // An audience names segments of this workspace (built-in or custom).
    const named = audienceSegments(input.audience);
    if (named.length) {
      const known = new Set((await workspaceSegments(c.env.DB, c.var.workspace.id)).map((d) => d.id));
      const unknown = named.filter((s) => !known.has(s));
      if (unknown.length) throw badRequest("unknown_segment", `the audience names segments that do not exist: ${unknown.join(", ")}`, { segments: unknown });
    }
    const { definition, created } = await putDefinition(c.env, c.var.workspace.id, id, input, Date.now());
    return c.json({ trigger: definition }, created ? 201 : 200);
  })
  .delete("/triggers/:id", doc("Triggers", "secret key", "Delete a trigger (recorded as a version)"), async (c) => {
    const deleted = await deleteDefinition(c.env, c.var.workspace.id, triggerId(c.req.param("id")), Date.now());
    return c.json({ deleted });
  })
  .get("/messaging", doc("Triggers", "secret key", "The messaging policy: caps, quiet hours, cascade, links"), async (c) => c.json({ policy: await getPolicy(c.env.DB, c.var.workspace.id) }))
  /** Caps, quiet hours, cascade, preference trait, opt-in channels, link templates; omitted fields take the defaults. */
  .put("/messaging", doc("Triggers", "secret key", "Replace the messaging policy"), jsonBody(policyInputSchema), async (c) =>
    c.json({ policy: await putPolicy(c.env, c.var.workspace.id, c.req.valid("json"), Date.now()) }),
  )
  .get("/channels", doc("Channels", "secret key", "Channel webhooks"), async (c) => c.json({ channels: await listWebhooks(c.env.DB, c.var.workspace.id) }))
  /** Sets a channel's webhook; the signing secret is shown when it is created or rotated, never again. */
  .put("/channels/:channel", doc("Channels", "secret key", "Set a channel's webhook (the signing secret is shown once)"), jsonBody(webhookSchema), async (c) => {
    const channel = channelParam(c.req.param("channel"));
    const body = c.req.valid("json");
    const { created, secret } = await putWebhook(c.env, c.var.workspace.id, channel, body.url, body.rotate_secret ?? false, Date.now());
    return c.json({ channel, url: body.url, ...(secret ? { signing_secret: secret } : {}) }, created ? 201 : 200);
  })
  .delete("/channels/:channel", doc("Channels", "secret key", "Remove a channel's webhook (messages go to the outbox)"), async (c) => {
    const deleted = await deleteWebhook(c.env, c.var.workspace.id, channelParam(c.req.param("channel")));
    return c.json({ deleted });
  })
  /**
   * A catalog change (or `{ changes: [...] }`) fans out: a price drop or restock to the customers
   * who viewed or carted the product, new arrivals to those interested in the category; each
   * candidate's object decides and schedules the trigger.
   */
  .post("/catalog-changes", doc("Catalog", "secret key", "A price drop or restock, fanned out to the interested customers"), jsonBody(catalogChangesBody), async (c) => {
    const body = c.req.valid("json");
    const changes: ((CatalogChange | NewArrivals) & { cursor?: string })[] = "changes" in body ? body.changes : [body];
    const now = Date.now();
    const results = [];
    for (const { cursor, ...change } of changes) {
      const result = await fanOutCatalogChange(c.env, c.var.workspace.id, change, now, {
        ...(cursor ? { cursor } : {}),
        maxPages: MAX_FANOUT_PAGES_PER_REQUEST,
      });
      results.push({ ...(change.kind === "new_arrivals" ? { category: change.category } : { product_id: change.product_id }), kind: change.kind, ...result });
    }
    return c.json({ results });
  });
