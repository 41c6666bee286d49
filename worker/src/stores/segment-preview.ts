// The live size preview of a segment rule being edited (POST /v1/segments/preview): the rule is
// evaluated in a bounded sample of customers' own objects (each decides on its own facts, as for a
// real segment) and the share that matches is scaled to the workspace's customers: an estimate,
// said to be one, with its sample size; exact when the sample is every customer. The sample is a
// run of each index shard from a place fixed per workspace and hour.
import { customerStub } from "../customer/routing.ts";
import type { Env } from "../env.ts";
import type { SegmentDefinition } from "../segments/definitions.ts";
import type { SegmentRule } from "../segments/rules.ts";
import { customerSample } from "./segment-index.ts";

/** Customers a preview evaluates: enough for a share within about ±10 points, few enough to answer in well under a second. */
export const PREVIEW_SAMPLE_SIZE = 100;
/** Customer objects asked at once. */
const PREVIEW_CONCURRENCY = 50;
/**
 * The sample stays the same customers this long: previews while a rule is edited differ only
 * because the rule did (not by the luck of a new sample), and ask objects that are awake already.
 */
const SAMPLE_HOLD_MS = 3600_000;

/** A number in [0, 1) fixed per workspace and hour (FNV-1a): where the hour's sample starts in the index. */
function sampleStart(workspaceId: string, now: number): number {
  let hash = 0x811c9dc5;
  for (const ch of `${workspaceId}:${Math.floor(now / SAMPLE_HOLD_MS)}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

export interface SegmentPreview {
  /** True when `members` is scaled from a sample; false when every customer was evaluated. */
  estimated: boolean;
  /** The segment's size: counted (every customer evaluated) or estimated from the sample's share. */
  members: number;
  /** The share of the sample that matched (0 with no customers). */
  share: number;
  sample: { size: number; members: number };
  /** Customers in the workspace (the customer index). */
  customers: number;
  evaluated_at: string;
}

export async function previewSegmentRule(env: Env, workspaceId: string, rule: SegmentRule, definitions: SegmentDefinition[], now: number, sampleSize = PREVIEW_SAMPLE_SIZE): Promise<SegmentPreview> {
  const { customers, keys } = await customerSample(env, workspaceId, sampleSize, () => sampleStart(workspaceId, now));
  const answers: (boolean | null)[] = [];
  for (let i = 0; i < keys.length; i += PREVIEW_CONCURRENCY)
    answers.push(...(await Promise.all(keys.slice(i, i + PREVIEW_CONCURRENCY).map((key) => customerStub(env, workspaceId, key).previewSegment(definitions, rule, now)))));
  // An object that no longer holds a customer (merged or deleted since the index was read) is left out.
  const size = answers.filter((a) => a !== null).length;
  const members = answers.filter((a) => a === true).length;
  const share = size ? members / size : 0;
  const estimated = size < customers;
  return {
    estimated,
    members: estimated ? Math.round(share * customers) : members,
    share: Math.round(share * 1000) / 1000,
    sample: { size, members },
    customers,
    evaluated_at: new Date(now).toISOString(),
  };
}
