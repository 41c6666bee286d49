// Quiet hours (pure): in the customer's own time zone, windows across midnight, daylight saving, and which zone counts.
import { describe, expect, it } from "vitest";
import { customerTimeZone, quietHoursEnd } from "../src/triggers/quiet-hours.ts";

const at = (isoString: string) => Date.parse(isoString);
const iso = (ms: number) => new Date(ms).toISOString();
const NIGHT = { start: "21:00", end: "08:00" };

describe("quietHoursEnd", () => {
  it("leaves a time outside the quiet hours as it is", () => {
    expect(quietHoursEnd(at("2026-11-02T12:00:00Z"), NIGHT, "UTC")).toBe(at("2026-11-02T12:00:00Z"));
    expect(quietHoursEnd(at("2026-11-02T23:00:00Z"), null, "UTC")).toBe(at("2026-11-02T23:00:00Z"));
  });

  it("moves a time inside a window that wraps midnight to its end, before and after midnight", () => {
    expect(iso(quietHoursEnd(at("2026-11-02T22:30:15Z"), NIGHT, "UTC"))).toBe("2026-11-03T08:00:00.000Z");
    expect(iso(quietHoursEnd(at("2026-11-03T03:10:00Z"), NIGHT, "UTC"))).toBe("2026-11-03T08:00:00.000Z");
    expect(iso(quietHoursEnd(at("2026-11-03T08:00:00Z"), NIGHT, "UTC"))).toBe("2026-11-03T08:00:00.000Z");
  });

  it("uses the customer's time zone: 23:00 in Tokyo is 14:00 UTC", () => {
    // 14:00 UTC = 23:00 JST (UTC+9): quiet until 08:00 JST = 23:00 UTC.
    expect(iso(quietHoursEnd(at("2026-11-02T14:00:00Z"), NIGHT, "Asia/Tokyo"))).toBe("2026-11-02T23:00:00.000Z");
    // The same instant is 09:00 in New York (UTC-5): not quiet there.
    expect(quietHoursEnd(at("2026-11-02T14:00:00Z"), NIGHT, "America/New_York")).toBe(at("2026-11-02T14:00:00Z"));
  });

  it("supports a window inside one day", () => {
    const lunch = { start: "12:00", end: "13:30" };
    expect(iso(quietHoursEnd(at("2026-11-02T12:45:00Z"), lunch, "UTC"))).toBe("2026-11-02T13:30:00.000Z");
  });

  it("lands at the local end of the window across a daylight-saving change", () => {
    // New York leaves DST on 2026-11-01 at 02:00 local; 22:00 EDT (02:00 UTC) → 08:00 EST = 13:00 UTC.
    expect(iso(quietHoursEnd(at("2026-11-01T02:00:00Z"), NIGHT, "America/New_York"))).toBe("2026-11-01T13:00:00.000Z");
  });
});

describe("customerTimeZone", () => {
  it("prefers the SDK's zone, then the edge's, then the workspace default; invalid names are skipped", () => {
    expect(customerTimeZone("Europe/Berlin", "Asia/Tokyo", "UTC")).toBe("Europe/Berlin");
    expect(customerTimeZone(undefined, "Asia/Tokyo", "UTC")).toBe("Asia/Tokyo");
    expect(customerTimeZone("Mars/Olympus", "nope", "Europe/Paris")).toBe("Europe/Paris");
    expect(customerTimeZone(undefined, undefined, "not/a_zone")).toBe("UTC");
  });
});
