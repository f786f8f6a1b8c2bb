import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.ts";
import {
  formatDuration,
  parseDuration,
  parseEndTime,
  parseInstant,
  parseShiftWindow,
} from "../../../src/oncall/durations.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const paris = { timeZone: "Europe/Paris" };

describe("parseDuration", () => {
  it.each([
    ["30m", 30 * MINUTE],
    ["4h", 4 * HOUR],
    ["1d", 24 * HOUR],
    ["1h30m", 90 * MINUTE],
    ["2d4h", 52 * HOUR],
    ["1w", 7 * 24 * HOUR],
    [" 90M ", 90 * MINUTE],
  ])("%s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "4", "h", "4 hours", "30m1h", "0m", "-1h", "1.5h"])("rejects %j with examples", (text) => {
    expect(() => parseDuration(text)).toThrow(UserError);
    expect(() => parseDuration(text)).toThrow(/Examples: 30m, 4h, 1h30m, 1d/);
  });

  it("formats back", () => {
    expect(formatDuration(90 * MINUTE)).toBe("1h30m");
    expect(formatDuration(52 * HOUR)).toBe("2d4h");
    expect(formatDuration(30_000)).toBe("0m");
  });
});

describe("parseEndTime", () => {
  const at = new Date("2026-06-10T12:00:00Z"); // 14:00 in Paris

  it("for:4h and a bare 4h are elapsed time from now", () => {
    expect(parseEndTime("for:4h", { at, ...paris }).toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(parseEndTime("1h30m", { at, ...paris }).toISOString()).toBe("2026-06-10T13:30:00.000Z");
  });

  it("until:18:00 is today's 18:00 local when still ahead, tomorrow's otherwise", () => {
    expect(parseEndTime("until:18:00", { at, ...paris }).toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(parseEndTime("until:09:00", { at, ...paris }).toISOString()).toBe("2026-06-11T07:00:00.000Z");
    expect(parseEndTime("until:14:00", { at, ...paris }).toISOString()).toBe("2026-06-11T12:00:00.000Z");
  });

  it("until:<date-time> is read in the given zone", () => {
    expect(parseEndTime("until:2026-12-01T09:00", { at, ...paris }).toISOString()).toBe(
      "2026-12-01T08:00:00.000Z",
    );
    expect(parseEndTime("until:2026-12-01T09:00", { at, timeZone: "America/New_York" }).toISOString()).toBe(
      "2026-12-01T14:00:00.000Z",
    );
    expect(parseEndTime("until:2026-12-01T08:00Z", { at, ...paris }).toISOString()).toBe(
      "2026-12-01T08:00:00.000Z",
    );
  });

  it("follows the DST rules: until:02:30 on the spring-forward day is 03:00", () => {
    const saturdayEvening = new Date("2026-03-28T20:00:00Z");
    expect(parseEndTime("until:02:30", { at: saturdayEvening, ...paris }).toISOString()).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("rejects the past and nonsense, with examples", () => {
    expect(() => parseEndTime("until:2026-01-01T09:00", { at, ...paris })).toThrow(
      /not in the future.*until:18:00/,
    );
    expect(() => parseEndTime("until:tomorrow", { at, ...paris })).toThrow(/Examples: for:4h/);
    expect(() => parseEndTime("for:soon", { at, ...paris })).toThrow(/for:1h30m/);
    expect(() => parseEndTime("until:25:00", { at, ...paris })).toThrow(UserError);
  });
});

describe("parseInstant and parseShiftWindow", () => {
  const at = new Date("2026-06-10T12:00:00Z");

  it("reads now, times of day, dates and date-times", () => {
    expect(parseInstant("now", { at, ...paris })).toEqual(at);
    expect(parseInstant("14:00", { at, ...paris })).toEqual(at);
    expect(parseInstant("18:00", { at, ...paris }).toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(parseInstant("2026-07-01", { at, ...paris }).toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(() => parseInstant("noon", { at, ...paris })).toThrow(/Examples: now, 18:00/);
  });

  it("reads the end of a range after its start", () => {
    const night = parseShiftWindow({ from: "22:00", until: "06:00" }, { at, ...paris });
    expect(night.start.toISOString()).toBe("2026-06-10T20:00:00.000Z");
    expect(night.end.toISOString()).toBe("2026-06-11T04:00:00.000Z");
    const day = parseShiftWindow({ from: "2026-07-01T09:00", for: "1d" }, { at, ...paris });
    expect(day.end.toISOString()).toBe("2026-07-02T07:00:00.000Z");
  });

  it("reads local times across a DST change: a night over fall-back lasts 11 h", () => {
    const night = parseShiftWindow({ from: "2026-10-24T20:00", until: "2026-10-25T06:00" }, { at, ...paris });
    expect(night.start.toISOString()).toBe("2026-10-24T18:00:00.000Z");
    expect(night.end.toISOString()).toBe("2026-10-25T05:00:00.000Z");
    const evening = parseShiftWindow({ from: "2026-03-28T18:00", until: "09:00" }, { at, ...paris });
    expect(evening.end.toISOString()).toBe("2026-03-29T07:00:00.000Z");
  });

  it("says an end before the start is before the start, and asks for what is missing", () => {
    expect(() =>
      parseShiftWindow({ from: "2026-12-01T09:00", until: "2026-11-01T09:00" }, { at, ...paris }),
    ).toThrow("The end is before the start: until:2026-11-01T09:00 is not after from:2026-12-01T09:00.");
    expect(() =>
      parseShiftWindow({ from: "2026-12-01T09:00", until: "2026-12-01T09:00" }, { at, ...paris }),
    ).toThrow("The end is the same as the start");
    expect(() => parseShiftWindow({ until: "18:00" }, { at, ...paris })).toThrow(
      "Say when it starts with from: and when it ends with until: or for:, e.g. from:2026-12-01T09:00 until:2026-12-02T09:00",
    );
    expect(() => parseShiftWindow({ from: "now" }, { at, ...paris })).toThrow("Say when it ends");
    expect(() => parseShiftWindow({ from: "now", until: "18:00", for: "1h" }, { at, ...paris })).toThrow(
      "Give until: or for:, not both.",
    );
  });
});
