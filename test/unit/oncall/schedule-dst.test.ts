// The DST rules documented at the top of src/oncall/schedule.ts, zone by zone. 2026 changes:
//   Europe/Paris       spring forward 2026-03-29 02:00->03:00, fall back 2026-10-25 03:00->02:00
//   America/New_York   spring forward 2026-03-08 02:00->03:00, fall back 2026-11-01 02:00->01:00
//   Australia/Sydney   fall back 2026-04-05 03:00->02:00, spring forward 2026-10-04 02:00->03:00
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  nextRotationShift,
  rotationShiftAt,
  rotationShiftsBetween,
  shiftsBetween,
  whoIsOnCall,
} from "../../../src/oncall/schedule.ts";
import { hoursBetween, local, rotation, wall } from "./rotation-builder.ts";

const ZONES = [
  { zone: "Europe/Paris", springForward: "2026-03-29", fallBack: "2026-10-25" },
  { zone: "America/New_York", springForward: "2026-03-08", fallBack: "2026-11-01" },
  { zone: "Australia/Sydney", springForward: "2026-10-04", fallBack: "2026-04-05" },
] as const;

function dayBefore(isoDate: string): string {
  return DateTime.fromISO(isoDate).minus({ days: 1 }).toISODate()!;
}

function offsetOn(isoLocal: string, zone: string): string {
  return DateTime.fromISO(isoLocal, { zone }).toFormat("ZZ");
}

describe.each(ZONES)("daily hand-off at 09:00 in $zone", ({ zone, springForward, fallBack }) => {
  const daily = rotation({ timeZone: zone });

  it("stays at 09:00 local across spring-forward, and the shift spanning it lasts 23 h", () => {
    const shift = rotationShiftAt(daily, local(`${dayBefore(springForward)}T12:00`, zone))!;
    expect(wall(shift.start, zone)).toBe(
      `${dayBefore(springForward)} 09:00 ${offsetOn(`${dayBefore(springForward)}T09:00`, zone)}`,
    );
    expect(wall(shift.end, zone)).toBe(`${springForward} 09:00 ${offsetOn(`${springForward}T09:00`, zone)}`);
    expect(hoursBetween(shift.start, shift.end)).toBe(23);
    const after = nextRotationShift(daily, shift.start);
    expect(after.start).toEqual(shift.end);
    expect(hoursBetween(after.start, after.end)).toBe(24);
  });

  it("stays at 09:00 local across fall-back, and the shift spanning it lasts 25 h", () => {
    const shift = rotationShiftAt(daily, local(`${dayBefore(fallBack)}T12:00`, zone))!;
    expect(wall(shift.start, zone).slice(0, 16)).toBe(`${dayBefore(fallBack)} 09:00`);
    expect(wall(shift.end, zone).slice(0, 16)).toBe(`${fallBack} 09:00`);
    expect(hoursBetween(shift.start, shift.end)).toBe(25);
  });

  it("hands over at the first instant of 09:00 local: 08:59 is still the previous shift", () => {
    const before = rotationShiftAt(daily, local(`${springForward}T08:59`, zone))!;
    const at = rotationShiftAt(daily, local(`${springForward}T09:00`, zone))!;
    expect(at.index).toBe(before.index + 1);
    expect(at.personId).not.toBe(before.personId);
  });
});

describe.each(ZONES)("weekly and every-N-days rotations in $zone", ({ zone, springForward, fallBack }) => {
  it("a weekly shift spanning spring-forward is 167 h and one spanning fall-back 169 h, Monday 09:00 to Monday 09:00", () => {
    const weekly = rotation({ timeZone: zone, type: "weekly", start: "2026-01-05" }); // a Monday
    const spring = rotationShiftAt(weekly, local(`${springForward}T12:00`, zone))!;
    const fall = rotationShiftAt(weekly, local(`${fallBack}T12:00`, zone))!;
    for (const shift of [spring, fall]) {
      expect(DateTime.fromJSDate(shift.start, { zone }).toFormat("ccc HH:mm")).toBe("Mon 09:00");
      expect(DateTime.fromJSDate(shift.end, { zone }).toFormat("ccc HH:mm")).toBe("Mon 09:00");
    }
    expect(hoursBetween(spring.start, spring.end)).toBe(167);
    expect(hoursBetween(fall.start, fall.end)).toBe(169);
  });

  it("an every-2-days shift spanning spring-forward lasts 47 h and keeps 09:00", () => {
    // Anchor so that a shift starts the day before the change.
    const every2 = rotation({
      timeZone: zone,
      type: "custom",
      every: { days: 2 },
      start: dayBefore(springForward),
    });
    const shift = rotationShiftAt(every2, local(`${springForward}T12:00`, zone))!;
    expect(shift.index).toBe(0);
    expect(hoursBetween(shift.start, shift.end)).toBe(47);
    expect(wall(shift.end, zone).slice(11, 16)).toBe("09:00");
  });
});

describe("a hand-off time in the spring-forward gap moves to the first valid instant", () => {
  const cases = [
    {
      zone: "Europe/Paris",
      gapDay: "2026-03-29",
      expected: "2026-03-29 03:00 +02:00",
      utc: "2026-03-29T01:00:00.000Z",
    },
    {
      zone: "America/New_York",
      gapDay: "2026-03-08",
      expected: "2026-03-08 03:00 -04:00",
      utc: "2026-03-08T07:00:00.000Z",
    },
    {
      zone: "Australia/Sydney",
      gapDay: "2026-10-04",
      expected: "2026-10-04 03:00 +11:00",
      utc: "2026-10-03T16:00:00.000Z",
    },
  ];

  it.each(cases)("02:30 in $zone on $gapDay is $expected", ({ zone, gapDay, expected, utc }) => {
    const nightly = rotation({ timeZone: zone, handoff: "02:30" });
    const before = rotationShiftAt(nightly, local(`${dayBefore(gapDay)}T12:00`, zone))!;
    expect(wall(before.start, zone).slice(0, 16)).toBe(`${dayBefore(gapDay)} 02:30`);
    expect(wall(before.end, zone)).toBe(expected);
    expect(before.end.toISOString()).toBe(utc);
    const onGapDay = nextRotationShift(nightly, before.start);
    expect(onGapDay.start).toEqual(before.end);
    // The next day the hand-off is back at 02:30, so the two shifts around the gap add up to 47 h.
    expect(wall(onGapDay.end, zone).slice(11, 16)).toBe("02:30");
    expect(hoursBetween(before.start, onGapDay.end)).toBe(47);
    // Who is on call at the moment of the jump is the incoming person.
    expect(rotationShiftAt(nightly, before.end)!.index).toBe(onGapDay.index);
  });
});

describe("a hand-off time that happens twice at fall-back uses the first occurrence", () => {
  const cases = [
    {
      zone: "Europe/Paris",
      day: "2026-10-25",
      handoff: "02:30",
      utc: "2026-10-25T00:30:00.000Z",
      shown: "02:30 +02:00",
    },
    {
      zone: "America/New_York",
      day: "2026-11-01",
      handoff: "01:30",
      utc: "2026-11-01T05:30:00.000Z",
      shown: "01:30 -04:00",
    },
    {
      zone: "Australia/Sydney",
      day: "2026-04-05",
      handoff: "02:30",
      utc: "2026-04-04T15:30:00.000Z",
      shown: "02:30 +11:00",
    },
  ];

  it.each(cases)("$handoff in $zone on $day is $utc", ({ zone, day, handoff, utc, shown }) => {
    const nightly = rotation({ timeZone: zone, handoff });
    const shift = rotationShiftAt(nightly, new Date(Date.parse(utc) + 60_000))!;
    expect(shift.start.toISOString()).toBe(utc);
    expect(wall(shift.start, zone)).toBe(`${day} ${shown}`);
    // The shift starting at the first occurrence runs to the next day's hand-off: 25 h.
    expect(hoursBetween(shift.start, shift.end)).toBe(25);
    // The second occurrence of the wall time, an hour later, is in the same shift.
    expect(rotationShiftAt(nightly, new Date(Date.parse(utc) + 3_600_000))!.index).toBe(shift.index);
  });
});

describe("hours shifts are exact elapsed hours", () => {
  it("12-hour shifts stay 12 h across spring-forward in Paris, so the local hand-off moves from 08:00 to 09:00", () => {
    const twelve = rotation({
      timeZone: "Europe/Paris",
      type: "custom",
      every: { hours: 12 },
      start: "2026-03-28T08:00",
      handoff: undefined,
    });
    const shifts = rotationShiftsBetween(
      twelve,
      local("2026-03-28T08:00", "Europe/Paris"),
      local("2026-03-30T00:00", "Europe/Paris"),
    );
    expect(shifts.map((shift) => hoursBetween(shift.start, shift.end))).toEqual([12, 12, 12, 12]);
    expect(shifts.map((shift) => wall(shift.start, "Europe/Paris"))).toEqual([
      "2026-03-28 08:00 +01:00",
      "2026-03-28 20:00 +01:00",
      "2026-03-29 09:00 +02:00",
      "2026-03-29 21:00 +02:00",
    ]);
  });

  it("8-hour shifts stay 8 h across fall-back in New York", () => {
    const eight = rotation({
      timeZone: "America/New_York",
      type: "custom",
      every: { hours: 8 },
      start: "2026-10-31T22:00",
      handoff: undefined,
    });
    const shifts = rotationShiftsBetween(
      eight,
      local("2026-10-31T22:00", "America/New_York"),
      local("2026-11-01T20:00", "America/New_York"),
    );
    expect(shifts.map((shift) => hoursBetween(shift.start, shift.end))).toEqual([8, 8, 8]);
    expect(wall(shifts[1]!.start, "America/New_York")).toBe("2026-11-01 05:00 -05:00");
  });
});

describe("restriction windows are wall-clock times too", () => {
  it("a 22:00-06:00 night window spanning spring-forward in Paris covers 7 h", () => {
    const nights = rotation({
      timeZone: "Europe/Paris",
      restrict: [{ days: ["sat", "sun"], from: "22:00", to: "06:00" }],
    });
    const team = { rotations: [nights] };
    const night = whoIsOnCall(team, [], local("2026-03-29T01:30", "Europe/Paris"));
    expect(wall(night.since!, "Europe/Paris")).toBe("2026-03-28 22:00 +01:00");
    expect(wall(night.until!, "Europe/Paris")).toBe("2026-03-29 06:00 +02:00");
    // The daily hand-off at 09:00 falls outside the window, so the night is one segment of 7 h.
    expect(hoursBetween(night.since!, night.until!)).toBe(7);
  });

  it("business hours in New York are 09:00-18:00 local before and after the change", () => {
    const business = rotation({
      timeZone: "America/New_York",
      restrict: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }],
    });
    const segments = shiftsBetween(
      { rotations: [business] },
      [],
      local("2026-03-05T00:00", "America/New_York"),
      local("2026-03-11T00:00", "America/New_York"),
    );
    expect(
      segments.map(
        (segment) =>
          `${wall(segment.start, "America/New_York")} - ${wall(segment.end, "America/New_York").slice(11)}`,
      ),
    ).toEqual([
      "2026-03-05 09:00 -05:00 - 18:00 -05:00",
      "2026-03-06 09:00 -05:00 - 18:00 -05:00",
      "2026-03-09 09:00 -04:00 - 18:00 -04:00",
      "2026-03-10 09:00 -04:00 - 18:00 -04:00",
    ]);
  });
});

describe("property: every daily hand-off is at 09:00 local, or at the DST jump when 09:00 does not exist", () => {
  const zones = [
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
  ];

  it("holds for random instants between 2000 and 2040", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom("09:00", "02:30", "00:00", "23:30"),
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, handoff, instant) => {
          const daily = rotation({ timeZone: zone, handoff, start: "1995-06-15" });
          const shift = rotationShiftAt(daily, new Date(instant))!;
          expect(shift.start.getTime()).toBeLessThanOrEqual(instant);
          expect(shift.end.getTime()).toBeGreaterThan(instant);
          for (const edge of [shift.start, shift.end]) {
            const shown = DateTime.fromJSDate(edge, { zone });
            const intended = shown.set({
              hour: Number(handoff.slice(0, 2)),
              minute: Number(handoff.slice(3)),
            });
            // Either exactly the hand-off time, or (gap) the first instant after a missing one.
            const exact = shown.toFormat("HH:mm") === handoff;
            const gap = !exact && shown.offset !== DateTime.fromMillis(edge.getTime() - 1, { zone }).offset;
            expect(exact || gap, `${zone} ${handoff} ${shown.toISO()} (${intended.toISO()})`).toBe(true);
          }
          // A calendar day is 23 to 25 hours long (Lord Howe shifts by 30 minutes).
          const hours = hoursBetween(shift.start, shift.end);
          expect(hours).toBeGreaterThanOrEqual(23);
          expect(hours).toBeLessThanOrEqual(25);
        },
      ),
      { numRuns: 500 },
    );
  });
});
