import { describe, expect, it } from "vitest";
import {
  epochDayOf,
  instantOfWallTime,
  isoWeekdayOf,
  parseLocalDateTime,
  parseTimeOfDay,
  wallTimeAt,
  wallTimeOf,
  zoneNamed,
} from "../../../src/oncall/local-time.ts";

const wallMs = (isoLocal: string) => Date.parse(`${isoLocal}Z`);
const instant = (isoLocal: string, zone: string) =>
  new Date(instantOfWallTime(wallMs(isoLocal), zoneNamed(zone))).toISOString();

describe("instantOfWallTime", () => {
  it("reads ordinary wall times with the offset in force", () => {
    expect(instant("2026-01-15T09:00", "Europe/Paris")).toBe("2026-01-15T08:00:00.000Z");
    expect(instant("2026-07-15T09:00", "Europe/Paris")).toBe("2026-07-15T07:00:00.000Z");
    expect(instant("2026-07-15T09:00", "Asia/Kolkata")).toBe("2026-07-15T03:30:00.000Z");
  });

  it("moves a wall time in the spring-forward gap to the moment of the change", () => {
    expect(instant("2026-03-29T02:00", "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
    expect(instant("2026-03-29T02:30", "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
    expect(instant("2026-03-29T02:59", "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
    expect(instant("2026-03-29T03:00", "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
    expect(instant("2026-03-08T02:30", "America/New_York")).toBe("2026-03-08T07:00:00.000Z");
    expect(instant("2026-10-04T02:30", "Australia/Sydney")).toBe("2026-10-03T16:00:00.000Z");
    // Lord Howe Island springs forward by 30 minutes, 02:00 -> 02:30.
    expect(instant("2026-10-04T02:15", "Australia/Lord_Howe")).toBe("2026-10-03T15:30:00.000Z");
  });

  it("takes the first occurrence of a wall time repeated at fall-back", () => {
    expect(instant("2026-10-25T02:30", "Europe/Paris")).toBe("2026-10-25T00:30:00.000Z");
    expect(instant("2026-11-01T01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
    expect(instant("2026-04-05T02:30", "Australia/Sydney")).toBe("2026-04-04T15:30:00.000Z");
  });

  it("round-trips with wallTimeOf outside gaps", () => {
    const zone = zoneNamed("America/New_York");
    for (let t = Date.UTC(2026, 2, 7); t < Date.UTC(2026, 2, 10); t += 17 * 60_000) {
      const back = instantOfWallTime(wallTimeOf(t, zone), zone);
      expect(back).toBe(t);
    }
  });
});

describe("local calendar helpers", () => {
  it("numbers days and weekdays", () => {
    expect(isoWeekdayOf(epochDayOf(wallMs("2026-03-29T12:00")))).toBe(7); // Sunday
    expect(isoWeekdayOf(epochDayOf(wallMs("2026-03-30T00:00")))).toBe(1); // Monday
    expect(isoWeekdayOf(epochDayOf(wallMs("1969-12-31T00:00")))).toBe(3); // Wednesday
    expect(wallTimeAt(epochDayOf(wallMs("2026-03-29T12:00")), 9 * 60)).toBe(wallMs("2026-03-29T09:00"));
  });

  it("parses times of day and local date-times strictly", () => {
    expect(parseTimeOfDay("09:00")).toBe(540);
    expect(parseTimeOfDay("9:05")).toBe(545);
    expect(parseTimeOfDay("23:59")).toBe(1439);
    expect(parseTimeOfDay("24:00")).toBeUndefined();
    expect(parseTimeOfDay("24:00", { allowEndOfDay: true })).toBe(1440);
    expect(parseTimeOfDay("25:00")).toBeUndefined();
    expect(parseTimeOfDay("09:60")).toBeUndefined();
    expect(parseTimeOfDay("9h")).toBeUndefined();
    expect(parseLocalDateTime("2026-01-05")).toEqual({ epochDay: 20458, minutes: undefined });
    expect(parseLocalDateTime("2026-01-05T09:30")).toEqual({ epochDay: 20458, minutes: 570 });
    expect(parseLocalDateTime("2026-02-30")).toBeUndefined();
    expect(parseLocalDateTime("2026-01-05T09:00+01:00")).toBeUndefined();
  });
});
