// The API's validation details read as sentences about the setting, with numbers and units.
import { describe, expect, it } from "vitest";
import { fieldLabel, issueMessage, issuesByField } from "../src/lib/issues.ts";

describe("validation messages in words", () => {
  it("names the setting from its path", () => {
    expect(fieldLabel("steps.1.delay_minutes")).toBe("Step 2 delay");
    expect(fieldLabel("caps.0.window_days")).toBe("Frequency cap 1 window");
    expect(fieldLabel("quiet_hours.start")).toBe("Quiet hours start");
    expect(fieldLabel("")).toBe("This");
  });

  it("turns zod's wording into limits with units, and keeps the API's own sentences", () => {
    expect(issueMessage({ path: "steps.0.delay_minutes", message: "Too big: expected number to be <=129600" })).toBe(`Step 1 delay must be at most ${(129600).toLocaleString()} minutes.`);
    expect(issueMessage({ path: "expires_after_hours", message: "Too small: expected number to be >=0.25" })).toBe("Give up after must be at least 0.25 hours.");
    expect(issueMessage({ path: "min_views", message: "Invalid input: expected int, received number" })).toBe("Views before it counts must be a whole number.");
    expect(issueMessage({ path: "steps", message: "step delays must not decrease" })).toBe("Steps: step delays must not decrease.");
  });

  it("groups problems by the field they sit next to", () => {
    const byField = issuesByField([
      { path: "steps.1.delay_minutes", message: "Too small: expected number to be >=0" },
      { path: "cooldown_hours", message: "Too big: expected number to be <=8760" },
    ]);
    expect([...byField.keys()]).toEqual(["steps.1", "cooldown_hours"]);
  });
});
