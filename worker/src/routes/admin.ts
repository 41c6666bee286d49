// Operator API (ADMIN_TOKEN): create workspaces, change their origins and settings, rotate keys.
import { Hono } from "hono";
import { doc } from "../openapi.ts";
import { adminAuth } from "../auth.ts";
import type { AppEnv } from "../env.ts";
import { publishConfig } from "../stores/messaging-config.ts";
import { jsonBody } from "../validation.ts";
import {
  createWorkspaceSchema,
  KEY_KINDS,
  rotateKeysSchema,
  updateWorkspaceSchema,
} from "../schemas.ts";
import {
  createWorkspace,
  rotateKeys,
  updateWorkspace,
  workspaceById,
  workspaceView,
} from "../stores/workspaces.ts";

export const adminRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .post("/workspaces", doc("Operator", "operator", "Create a workspace (its keys are shown once)"), jsonBody(createWorkspaceSchema), async (c) => {
    const { workspace, keys } = await createWorkspace(c.env, c.req.valid("json"), Date.now());
    // Keys are shown once: the secret key is stored only as a hash and cannot be shown again.
    return c.json(
      {
        workspace: workspaceView(workspace),
        keys: { write_key: keys.writeKey, secret_key: keys.secretKey, identity_secret: keys.identitySecret },
      },
      201,
    );
  })
  .get("/workspaces/:id", doc("Operator", "operator", "A workspace"), async (c) => c.json({ workspace: workspaceView(await workspaceById(c.env, c.req.param("id"))) }))
  .patch("/workspaces/:id", doc("Operator", "operator", "Change a workspace's name, allowed origins or settings"), jsonBody(updateWorkspaceSchema), async (c) => {
    const patch = c.req.valid("json");
    const now = Date.now();
    const workspace = await updateWorkspace(c.env, c.req.param("id"), patch, now);
    // The customer objects read the allowed origins (link destinations) from the published config.
    if (patch.allowedOrigins) await publishConfig(c.env, workspace.id, now);
    return c.json({ workspace: workspaceView(workspace) });
  })
  .post("/workspaces/:id/rotate-keys", doc("Operator", "operator", "Issue new keys; the old ones stop working"), jsonBody(rotateKeysSchema), async (c) => {
    const kinds = c.req.valid("json").keys ?? KEY_KINDS;
    const keys = await rotateKeys(c.env, c.req.param("id"), kinds, Date.now());
    return c.json({
      keys: {
        ...(keys.writeKey && { write_key: keys.writeKey }),
        ...(keys.secretKey && { secret_key: keys.secretKey }),
        ...(keys.identitySecret && { identity_secret: keys.identitySecret }),
      },
    });
  });
