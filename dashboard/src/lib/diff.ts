// What changed between two versions of a trigger: every setting whose value differs, as a path
// ("steps.2.delay_minutes") with the value before and after. Pure; the version history shows it.

export interface Change {
  path: string;
  before: unknown;
  after: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Leaf-level differences, in key order; arrays by position (steps are ordered). */
export function diffValues(before: unknown, after: unknown, path = ""): Change[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: Change[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) changes.push(...diffValues(before[i], after[i], path ? `${path}.${i}` : String(i)));
    return changes;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}
