// A workspace's segments as the customer objects evaluate them: every built-in (defaults, or the
// params the workspace set) and every custom segment, each with its rule and version; resolved
// from what D1 stores, published with the messaging config, checked for references and cycles.
import { BUILTIN_SEGMENT_IDS, builtinParams, builtinSegment, isBuiltinSegment, type BuiltinParams } from "./builtins.ts";
import { ruleReferences, type SegmentRule } from "./rules.ts";

export const SEGMENT_LIMITS = {
  customPerWorkspace: 50,
  nameLength: 100,
  /** Segments a trigger's audience may exclude. */
  audienceExcludes: 10,
} as const;

export interface SegmentDefinition {
  id: string;
  kind: "builtin" | "custom";
  name: string;
  /** Bumped by every change; a changed segment is back-filled over existing customers. 0: a built-in as shipped. */
  version: number;
  /** A built-in's parameters (defaults filled in). */
  params?: BuiltinParams;
  /** What decides membership: the custom rule, or the built-in's rule made from its params. */
  rule: SegmentRule;
}

/** A row of D1's segment_definitions: a custom segment, or a built-in the workspace tuned. */
export interface StoredSegment {
  segment_id: string;
  kind: string;
  name: string;
  /** JSON: `{"params": {…}}` (built-in) or `{"rule": {…}}` (custom). */
  definition: string;
  version: number;
}

export function builtinDefinition(id: string, set: Readonly<Record<string, unknown>> = {}, version = 0, name?: string): SegmentDefinition {
  if (!isBuiltinSegment(id)) throw new Error(`not a built-in segment: ${id}`);
  const params = builtinParams(id, set);
  return { id, kind: "builtin", name: name ?? builtinSegment(id).name, version, params, rule: builtinSegment(id).rule(params) };
}

/** Every segment of a workspace: the built-ins in their fixed order, then the custom ones by id. */
export function resolveSegments(rows: readonly StoredSegment[]): SegmentDefinition[] {
  const stored = new Map(rows.map((r) => [r.segment_id, r]));
  const builtins = BUILTIN_SEGMENT_IDS.map((id) => {
    const row = stored.get(id);
    const saved = row ? (JSON.parse(row.definition) as { params?: Record<string, unknown> }) : {};
    return builtinDefinition(id, saved.params, row?.version ?? 0, row?.name);
  });
  const customs = rows
    .filter((r) => r.kind === "custom" && !isBuiltinSegment(r.segment_id))
    .sort((a, b) => (a.segment_id < b.segment_id ? -1 : 1))
    .map((r): SegmentDefinition => ({ id: r.segment_id, kind: "custom", name: r.name, version: r.version, rule: (JSON.parse(r.definition) as { rule: SegmentRule }).rule }));
  return [...builtins, ...customs];
}

/** FNV-1a, 32 bits: a rule's fingerprint in the digest (a segment deleted and made again restarts its version). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

const digests = new WeakMap<readonly SegmentDefinition[], string>();

/**
 * What the definitions are, in a few bytes: an object whose memberships were evaluated under
 * another digest evaluates everything again. Worked out once per definitions list.
 */
export function segmentsDigest(definitions: readonly SegmentDefinition[]): string {
  let digest = digests.get(definitions);
  if (digest === undefined) {
    digest = definitions.map((d) => `${d.id}@${d.version}:${fingerprint(JSON.stringify(d.rule))}`).join(",");
    digests.set(definitions, digest);
  }
  return digest;
}

/** Segments a rule names that the workspace does not have. */
export function unknownReferences(rule: SegmentRule, definitions: readonly SegmentDefinition[]): string[] {
  const known = new Set(definitions.map((d) => d.id));
  return [...ruleReferences(rule)].filter((id) => !known.has(id));
}

/**
 * The reference cycle `rule` would close if saved as segment `id` (e.g. `["a", "b", "a"]`), or
 * null: a segment may build on others, never on itself through them.
 */
export function referenceCycle(id: string, rule: SegmentRule, definitions: readonly SegmentDefinition[]): string[] | null {
  const rules = new Map(definitions.map((d) => [d.id, d.rule]));
  rules.set(id, rule);
  const walk = (current: string, path: string[]): string[] | null => {
    for (const next of ruleReferences(rules.get(current) ?? {})) {
      if (next === id) return [...path, next];
      if (path.includes(next)) continue;
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return null;
  };
  return walk(id, [id]);
}

/** Custom segments whose rules name `id`. */
export function segmentsReferencing(id: string, definitions: readonly SegmentDefinition[]): string[] {
  return definitions.filter((d) => d.id !== id && ruleReferences(d.rule).has(id)).map((d) => d.id);
}

// ---- a PUT ------------------------------------------------------------------------------------

/** `PUT /v1/segments/:id`: a built-in's params, or a custom segment's rule (and a name for either). */
export interface SegmentInput {
  name?: string | undefined;
  params?: Record<string, unknown> | undefined;
  rule?: SegmentRule | undefined;
}

export interface SegmentProblem {
  status: 400 | 409;
  code: string;
  message: string;
  details?: unknown;
}

/** What D1 keeps of a segment: its kind, name and the JSON of its params or rule. */
export interface SegmentToStore {
  kind: "builtin" | "custom";
  name: string;
  definition: string;
}

/**
 * Checks a PUT against the workspace's segments and says what to store, or why not: a built-in
 * takes params (each checked by `checkParams`), a custom segment a rule that names only existing
 * segments and never, through them, itself; a workspace has at most SEGMENT_LIMITS.customPerWorkspace.
 */
export function segmentToStore(
  id: string,
  input: SegmentInput,
  definitions: readonly SegmentDefinition[],
  checkParams: (id: string, params: Record<string, unknown>) => unknown[] | null,
): SegmentToStore | SegmentProblem {
  if (isBuiltinSegment(id)) {
    if (input.rule !== undefined || input.params === undefined)
      return { status: 400, code: "builtin_segment", message: `${id} is a built-in segment: send its params (a custom segment needs an id of its own)` };
    const issues = checkParams(id, input.params);
    if (issues) return { status: 400, code: "invalid_params", message: `params of ${id} are not valid`, details: issues };
    return { kind: "builtin", name: input.name ?? builtinSegment(id).name, definition: JSON.stringify({ params: builtinParams(id, input.params) }) };
  }
  if (input.rule === undefined || input.params !== undefined)
    return { status: 400, code: "invalid_body", message: "a custom segment is a rule: send `rule` (params belong to built-in segments)" };
  const unknown = unknownReferences(input.rule, definitions).filter((ref) => ref !== id);
  if (unknown.length) return { status: 400, code: "unknown_segment", message: `the rule names segments that do not exist: ${unknown.join(", ")}`, details: { segments: unknown } };
  const cycle = referenceCycle(id, input.rule, definitions);
  if (cycle) return { status: 400, code: "segment_cycle", message: `the rule would make a segment depend on itself: ${cycle.join(" → ")}`, details: { cycle } };
  const customs = definitions.filter((d) => d.kind === "custom");
  if (!customs.some((d) => d.id === id) && customs.length >= SEGMENT_LIMITS.customPerWorkspace)
    return { status: 409, code: "too_many_segments", message: `a workspace has at most ${SEGMENT_LIMITS.customPerWorkspace} custom segments` };
  return { kind: "custom", name: input.name ?? id, definition: JSON.stringify({ rule: input.rule }) };
}
