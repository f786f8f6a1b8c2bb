import { describe, expect, it } from "vitest";
import { formatTime } from "../../../src/incidents/render.ts";

describe("formatTime", () => {
  it("formats an instant in each time zone, remembered per zone and instant", () => {
    const at = new Date("2026-11-25T13:05:42.123Z");
    expect(formatTime(at, "Europe/Berlin")).toBe("2026-11-25 14:05 CET");
    // The same instant in another zone is not the one remembered for Berlin.
    expect(formatTime(at, "UTC")).toBe("2026-11-25 13:05 UTC");
    expect(formatTime(at, "Europe/Berlin")).toBe("2026-11-25 14:05 CET");
    // Another instant in the same zone and minute is formatted on its own.
    expect(formatTime(new Date("2026-11-25T13:05:59.999Z"), "UTC")).toBe("2026-11-25 13:05 UTC");
    expect(formatTime(new Date("2026-07-01T00:00:00Z"), "Europe/Berlin")).toBe("2026-07-01 02:00 CEST");
  });

  it("refuses an invalid date every time, never remembering it", () => {
    expect(() => formatTime(new Date(Number.NaN), "UTC")).toThrow(RangeError);
    expect(() => formatTime(new Date(Number.NaN), "UTC")).toThrow(RangeError);
  });
});
