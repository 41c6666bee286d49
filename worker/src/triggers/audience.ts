// A trigger's audience: the segment a customer must be in, and those they must not be in, checked
// when a run starts and again when each of its steps comes due (triggers/evaluate.ts, due-step.ts).

/** `{"segment": "high_value", "exclude": ["lapsed"]}` on a trigger definition; null: everyone. */
export interface TriggerAudience {
  segment?: string;
  exclude?: string[];
}

/** Whether a customer in `segments` (their memberships now) is in the audience. */
export function audienceAllows(audience: TriggerAudience | null | undefined, segments: ReadonlySet<string> | undefined): boolean {
  if (!audience) return true;
  const member = (id: string) => segments?.has(id) ?? false;
  if (audience.segment !== undefined && !member(audience.segment)) return false;
  return !(audience.exclude ?? []).some(member);
}

/** Every segment an audience names. */
export function audienceSegments(audience: TriggerAudience | null | undefined): string[] {
  if (!audience) return [];
  return [...(audience.segment === undefined ? [] : [audience.segment]), ...(audience.exclude ?? [])];
}
