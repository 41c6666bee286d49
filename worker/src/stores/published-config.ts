// The messaging config as the CustomerDOs read it: published whole to KV, with a small revision key
// checked at every event, so a saved trigger or policy reaches the next event, never 30 s later.
import { definitionWithDefaults } from "../triggers/definitions.ts";
import { emptyConfig, policyWithDefaults, type MessagingConfig } from "../triggers/policy.ts";
import { TtlCache } from "../ttl-cache.ts";

/**
 * D1 is the source of truth and keeps the history (stores/messaging-config.ts); KV is what the
 * hot path may touch (ARCHITECTURE rule 1). A workspace with no key has no triggers: a missing
 * key never sends anyone to D1.
 */
export const configKey = (workspaceId: string) => `messaging:v1:${workspaceId}`;
/** The revision alone: a few bytes, so checking it on every event costs one small KV read. */
export const revisionKey = (workspaceId: string) => `messaging:rev:v1:${workspaceId}`;

/**
 * Configs read from KV, shared by every customer object in this isolate and keyed by revision: a
 * thousand customers of one store waking up read the whole config once per revision, not a
 * thousand times. A revision never changes its content, so the TTL only bounds memory.
 */
const CONFIG_CACHE_TTL_MS = 60 * 60_000;
const CONFIG_CACHE_MAX_ENTRIES = 1_000;
const isolateConfigs = new TtlCache<MessagingConfig>(CONFIG_CACHE_MAX_ENTRIES);

/**
 * Revision reads shared by every customer object of this isolate for this long: a store's busy
 * isolate reads the key about once a second, not once per batch (a KV read is billed and, locally,
 * took 3-4 ms off the in-session send and a fifth off one hot customer's ingest; at 200 ms the
 * cost benchmark still read it for 2 batches in 5, $0.11 per million events). A save made in this
 * isolate replaces the shared answer at once (writePublishedConfig); one made elsewhere is seen at
 * most this much later, on top of KV's own propagation between locations (up to a minute).
 */
export const REVISION_SHARED_MS = 1_000;
const REVISION_READS_MAX_ENTRIES = 10_000;
/**
 * Settled answers only, never a read in flight: a promise made by one Durable Object and awaited by
 * another resumes the second in the first one's I/O context, and its next SQL statement fails
 * ("Cannot perform I/O on behalf of a different Durable Object"), failing that customer's ingest.
 */
const revisionReads = new TtlCache<{ revision: number | null }>(REVISION_READS_MAX_ENTRIES);

/** The published revision as this isolate last read it (within REVISION_SHARED_MS), else a new read whose answer is then shared. */
async function sharedRevision(kv: KVNamespace, workspaceId: string): Promise<number | null> {
  const hit = revisionReads.get(workspaceId, Date.now());
  if (hit) return hit.value.revision;
  const revision = await publishedRevision(kv, workspaceId);
  revisionReads.set(workspaceId, { revision }, REVISION_SHARED_MS, Date.now());
  return revision;
}

/** A copy published before a field existed reads as the default for that field. */
function withDefaults(workspaceId: string, config: MessagingConfig | null): MessagingConfig {
  if (!config) return emptyConfig(workspaceId);
  return {
    ...emptyConfig(workspaceId),
    ...config,
    policy: policyWithDefaults(config.policy),
    triggers: config.triggers.map(definitionWithDefaults),
  };
}

/** Writes a freshly published config: the whole value first, then its revision, so a reader that sees the revision finds the value. */
export async function writePublishedConfig(kv: KVNamespace, config: MessagingConfig): Promise<void> {
  await kv.put(configKey(config.workspace_id), JSON.stringify(config));
  await kv.put(revisionKey(config.workspace_id), String(config.revision));
  isolateConfigs.set(`${config.workspace_id}\u0000${config.revision}`, config, CONFIG_CACHE_TTL_MS, Date.now());
  revisionReads.set(config.workspace_id, { revision: config.revision }, REVISION_SHARED_MS, Date.now());
}

/** The published config, or an empty one (no triggers, default policy) for a workspace that never set any. */
export async function loadPublishedConfig(kv: KVNamespace, workspaceId: string): Promise<MessagingConfig> {
  return withDefaults(workspaceId, await kv.get<MessagingConfig>(configKey(workspaceId), "json"));
}

/** The revision last published, or null when none was (or it was published before revision keys existed). */
export async function publishedRevision(kv: KVNamespace, workspaceId: string): Promise<number | null> {
  const text = await kv.get(revisionKey(workspaceId));
  const value = Number(text);
  return text !== null && Number.isFinite(value) ? value : null;
}

/**
 * One customer object's view of its workspace's config. `current()` reads the revision key (one
 * read in flight at a time, and shared with the isolate's other objects for REVISION_SHARED_MS);
 * the whole config is read again only when the revision moved (from this isolate's copy when
 * another object already read it). KV itself is eventually consistent across locations (a change
 * made elsewhere may take up to a minute to be seen here).
 */
export class PublishedConfigReader {
  private readonly kv: KVNamespace;
  private held: MessagingConfig | undefined;
  private reading: { workspaceId: string; config: Promise<MessagingConfig> } | undefined;

  constructor(kv: KVNamespace) {
    this.kv = kv;
  }

  /** The copy this object holds, without asking KV (undefined before the first read). */
  heldFor(workspaceId: string): MessagingConfig | undefined {
    return this.held?.workspace_id === workspaceId ? this.held : undefined;
  }

  /** The config as published now. Never throws: on a KV failure it answers with the copy it holds (or an empty config) and logs. */
  current(workspaceId: string): Promise<MessagingConfig> {
    if (this.reading?.workspaceId === workspaceId) return this.reading.config;
    const config = this.read(workspaceId).finally(() => {
      if (this.reading?.config === config) this.reading = undefined;
    });
    this.reading = { workspaceId, config };
    return config;
  }

  private async read(workspaceId: string): Promise<MessagingConfig> {
    const held = this.held?.workspace_id === workspaceId ? this.held : undefined;
    try {
      const revision = await sharedRevision(this.kv, workspaceId);
      // No revision key: nothing was published since it existed, so the copy held is current.
      if (held && (revision === null || held.revision === revision)) return held;
      const key = `${workspaceId}\u0000${revision}`;
      let config = isolateConfigs.get(key, Date.now())?.value;
      if (!config) {
        config = await loadPublishedConfig(this.kv, workspaceId);
        // KV may answer a newer revision key than value (two keys, eventually consistent): such a
        // copy is not kept under the newer revision, and its own revision makes the next event look again.
        if (revision !== null && config.revision === revision) isolateConfigs.set(key, config, CONFIG_CACHE_TTL_MS, Date.now());
      }
      this.held = config;
      return config;
    } catch (error) {
      console.error("seam: messaging config read from KV failed; using the copy held", workspaceId, error);
      return held ?? emptyConfig(workspaceId);
    }
  }
}
