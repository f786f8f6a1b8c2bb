import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { Rotation } from "../../../src/oncall/config.ts";
import type { Override } from "../../../src/oncall/override.ts";
import {
  coverageGaps,
  nextHandoff,
  nextRotationShift,
  onCallPersonAt,
  rotationShiftAt,
  rotationShiftsBetween,
  shiftsBetween,
  sourceKey,
  whoIsOnCall,
} from "../../../src/oncall/schedule.ts";
import { local, override, rotation, wall } from "./rotation-builder.ts";

const PARIS = "Europe/Paris";
const paris = (isoLocal: string) => local(isoLocal, PARIS);

describe("rotations", () => {
  const weekly = rotation({ timeZone: PARIS, type: "weekly", start: "2026-01-05" });

  it("a weekly rotation hands over on the anchor's weekday, in participant order, and wraps around", () => {
    const people = ["2026-01-05T09:00", "2026-01-12T09:00", "2026-01-19T09:00", "2026-01-26T09:00"].map(
      (at) => rotationShiftAt(weekly, paris(at))!.personId,
    );
    expect(people).toEqual(["alice", "bob", "carol", "alice"]);
    expect(rotationShiftAt(weekly, paris("2026-01-12T08:59"))!.personId).toBe("alice");
  });

  it("covers nothing before its start, and its first shift is the next one", () => {
    expect(rotationShiftAt(weekly, paris("2026-01-05T08:59"))).toBeNull();
    const first = nextRotationShift(weekly, paris("2025-12-01T00:00"));
    expect(first.index).toBe(0);
    expect(wall(first.start, PARIS)).toBe("2026-01-05 09:00 +01:00");
  });

  it("every 3 days and every 2 weeks count whole periods from the anchor", () => {
    const every3 = rotation({ timeZone: PARIS, type: "custom", every: { days: 3 }, start: "2026-01-01" });
    const shift = rotationShiftAt(every3, paris("2026-01-10T10:00"))!;
    expect(shift.index).toBe(3);
    expect(wall(shift.start, PARIS)).toBe("2026-01-10 09:00 +01:00");
    expect(wall(shift.end, PARIS)).toBe("2026-01-13 09:00 +01:00");
    expect(rotationShiftAt(every3, paris("2026-01-10T08:00"))!.index).toBe(2);

    const fortnightly = rotation({
      timeZone: PARIS,
      type: "custom",
      every: { weeks: 2 },
      start: "2026-01-05",
    });
    expect(rotationShiftAt(fortnightly, paris("2026-01-18T23:00"))!.personId).toBe("alice");
    expect(rotationShiftAt(fortnightly, paris("2026-01-19T09:00"))!.personId).toBe("bob");
    expect(rotationShiftAt(fortnightly, paris("2026-02-02T09:00"))!.personId).toBe("carol");
    expect(rotationShiftAt(fortnightly, paris("2026-02-16T09:00"))!.personId).toBe("alice");
  });

  it("hours shifts count from the first hand-off", () => {
    const eight = rotation({
      timeZone: PARIS,
      type: "custom",
      every: { hours: 8 },
      start: "2026-01-05T06:00",
      handoff: undefined,
    });
    expect(rotationShiftAt(eight, paris("2026-01-05T13:59"))!.personId).toBe("alice");
    expect(rotationShiftAt(eight, paris("2026-01-05T14:00"))!.personId).toBe("bob");
    expect(rotationShiftAt(eight, paris("2026-01-06T05:59"))!.personId).toBe("carol");
    expect(rotationShiftAt(eight, paris("2026-01-06T06:00"))!.personId).toBe("alice");
  });

  it("lists the whole shifts overlapping a window, back to back", () => {
    const daily = rotation({ timeZone: PARIS });
    const shifts = rotationShiftsBetween(daily, paris("2026-03-27T12:00"), paris("2026-03-31T09:00"));
    expect(shifts.map((shift) => wall(shift.start, PARIS))).toEqual([
      "2026-03-27 09:00 +01:00",
      "2026-03-28 09:00 +01:00",
      "2026-03-29 09:00 +02:00",
      "2026-03-30 09:00 +02:00",
    ]);
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start).toEqual(shifts[i - 1]!.end);
  });

  it("an anchor ten years back gives the same answer as counting the days, instantly", () => {
    const old = rotation({ timeZone: PARIS, start: "2016-03-01" });
    const at = paris("2026-03-29T12:00");
    const days = DateTime.fromISO("2026-03-29").diff(DateTime.fromISO("2016-03-01"), "days").days;
    const shift = rotationShiftAt(old, at)!;
    expect(shift.index).toBe(days);
    expect(shift.personId).toBe(["alice", "bob", "carol"][days % 3]);
    expect(wall(shift.start, PARIS)).toBe("2026-03-29 09:00 +02:00");

    const hourly = rotation({
      timeZone: PARIS,
      type: "custom",
      every: { hours: 1 },
      start: "2016-03-01T00:00",
      handoff: undefined,
    });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      rotationShiftAt(old, new Date(at.getTime() + i * 3_600_000));
      rotationShiftAt(hourly, new Date(at.getTime() + i * 3_600_000));
      whoIsOnCall({ rotations: [old] }, [], new Date(at.getTime() + i * 3_600_000));
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

// The layered team of examples/oncall.yaml, reduced: business hours on top, nights and weekends
// below, both handing over on Mondays at 09:00 Paris time.
const business: Rotation = rotation({
  id: "business",
  name: "Business hours",
  timeZone: PARIS,
  type: "weekly",
  participants: ["alice", "bob"],
  restrict: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }],
});
const nights: Rotation = rotation({
  id: "nights",
  name: "Nights and weekends",
  timeZone: PARIS,
  type: "weekly",
  participants: ["carol", "dave"],
  restrict: [
    { days: ["mon", "tue", "wed", "thu", "fri"], from: "18:00", to: "09:00" },
    { days: ["sat", "sun"], from: "09:00", to: "09:00" },
  ],
});
const layered = { rotations: [business, nights] };
// Week of 2026-03-23 is week 11 since 2026-01-05: business -> bob, nights -> dave.

describe("layers", () => {
  it("business hours and nights/weekends resolve on a Friday evening and a Saturday", () => {
    const at = (isoLocal: string) => {
      const onCall = whoIsOnCall(layered, [], paris(isoLocal));
      return `${onCall.personId} (${onCall.source.kind === "rotation" ? onCall.source.rotationName : onCall.source.kind})`;
    };
    expect(at("2026-03-27T17:59")).toBe("bob (Business hours)");
    expect(at("2026-03-27T18:00")).toBe("dave (Nights and weekends)");
    expect(at("2026-03-27T23:30")).toBe("dave (Nights and weekends)");
    expect(at("2026-03-28T12:00")).toBe("dave (Nights and weekends)");
    expect(at("2026-03-29T04:00")).toBe("dave (Nights and weekends)");
    // Monday 08:59: the nights layer still covers; its weekly hand-off at 09:00 coincides with
    // business hours starting, so the next nights person only appears in the evening.
    expect(at("2026-03-30T08:59")).toBe("dave (Nights and weekends)");
    expect(at("2026-03-30T09:00")).toBe("alice (Business hours)");
    expect(at("2026-03-30T18:00")).toBe("carol (Nights and weekends)");
  });

  it("until is the next change: Friday evening's nights shift runs to Monday 09:00 local (after the DST change)", () => {
    const onCall = whoIsOnCall(layered, [], paris("2026-03-27T19:00"));
    expect(wall(onCall.since!, PARIS)).toBe("2026-03-27 18:00 +01:00");
    expect(wall(onCall.until!, PARIS)).toBe("2026-03-30 09:00 +02:00");
  });

  it("the top-most covering layer wins; an unrestricted layer on top hides everything below", () => {
    const base = rotation({ id: "base", timeZone: PARIS, participants: ["zoe"] });
    const withBaseBelow = { rotations: [business, base] };
    expect(whoIsOnCall(withBaseBelow, [], paris("2026-03-24T10:00")).personId).toBe("bob");
    expect(whoIsOnCall(withBaseBelow, [], paris("2026-03-24T20:00")).personId).toBe("zoe");
    const withBaseOnTop = { rotations: [base, business] };
    expect(whoIsOnCall(withBaseOnTop, [], paris("2026-03-24T10:00")).personId).toBe("zoe");
  });

  it("a layer that has not started yet lets the layers below decide until its start", () => {
    const future = rotation({ id: "future", timeZone: PARIS, participants: ["zoe"], start: "2026-04-01" });
    const team = { rotations: [future, nights] };
    const before = whoIsOnCall(team, [], paris("2026-03-28T12:00"));
    expect(before.personId).toBe("dave");
    expect(wall(before.until!, PARIS)).toBe("2026-03-30 09:00 +02:00");
    const lastNight = whoIsOnCall(team, [], paris("2026-03-31T23:00"));
    expect(wall(lastNight.until!, PARIS)).toBe("2026-04-01 09:00 +02:00");
    expect(whoIsOnCall(team, [], paris("2026-04-01T09:00")).personId).toBe("zoe");
  });

  it("when no layer covers, nobody is on call, and coverageGaps shows when", () => {
    const onlyBusiness = { rotations: [business] };
    const saturday = whoIsOnCall(onlyBusiness, [], paris("2026-03-28T12:00"));
    expect(saturday).toMatchObject({ personId: null, source: { kind: "nobody" } });
    expect(wall(saturday.since!, PARIS)).toBe("2026-03-27 18:00 +01:00");
    expect(wall(saturday.until!, PARIS)).toBe("2026-03-30 09:00 +02:00");
    const gaps = coverageGaps(onlyBusiness, [], paris("2026-03-27T00:00"), paris("2026-03-31T00:00"));
    expect(gaps.map((gap) => `${wall(gap.start, PARIS)} -> ${wall(gap.end, PARIS)}`)).toEqual([
      "2026-03-27 00:00 +01:00 -> 2026-03-27 09:00 +01:00",
      "2026-03-27 18:00 +01:00 -> 2026-03-30 09:00 +02:00",
      "2026-03-30 18:00 +02:00 -> 2026-03-31 00:00 +02:00",
    ]);
    expect(coverageGaps(layered, [], paris("2026-01-05T09:00"), paris("2026-12-31T00:00"))).toEqual([]);
  });

  it("shiftsBetween gives contiguous, gap-free, merged segments when the layers cover all times", () => {
    const from = paris("2026-03-01T00:00");
    const to = paris("2026-05-01T00:00");
    const segments = shiftsBetween(layered, [], from, to);
    expect(segments[0]!.start).toEqual(from);
    expect(segments.at(-1)!.end).toEqual(to);
    for (let i = 1; i < segments.length; i++) {
      const [previous, current] = [segments[i - 1]!, segments[i]!];
      expect(current.start).toEqual(previous.end);
      expect(current.start.getTime()).toBeLessThan(current.end.getTime());
      const same =
        previous.personId === current.personId && sourceKey(previous.source) === sourceKey(current.source);
      expect(same, `segments ${i - 1} and ${i} should have been merged`).toBe(false);
    }
    // A weekend is one segment from Friday 18:00 to Monday 09:00.
    const weekend = segments.find((segment) => wall(segment.start, PARIS) === "2026-03-27 18:00 +01:00")!;
    expect(wall(weekend.end, PARIS)).toBe("2026-03-30 09:00 +02:00");
  });

  it("nextHandoff skips changes of layer that keep the same person", () => {
    const alwaysAlice = rotation({ ...business, participants: ["alice"] });
    const nightsAliceThenBob = rotation({ ...nights, participants: ["alice", "bob"] });
    const team = { rotations: [alwaysAlice, nightsAliceThenBob] };
    const monday = paris("2026-01-05T10:00");
    expect(wall(whoIsOnCall(team, [], monday).until!, PARIS)).toBe("2026-01-05 18:00 +01:00");
    const handoff = nextHandoff(team, [], monday)!;
    expect(wall(handoff.at, PARIS)).toBe("2026-01-12 18:00 +01:00");
    expect(handoff).toMatchObject({
      fromPersonId: "alice",
      toPersonId: "bob",
      source: { kind: "rotation", rotationId: "nights" },
    });
  });

  it("a single-person rotation never hands off: until and nextHandoff are null", () => {
    const solo = { rotations: [rotation({ timeZone: PARIS, participants: ["alice"] })] };
    const onCall = whoIsOnCall(solo, [], paris("2026-03-01T12:00"));
    expect(onCall.personId).toBe("alice");
    expect(wall(onCall.since!, PARIS)).toBe("2026-01-05 09:00 +01:00");
    expect(onCall.until).toBeNull();
    expect(nextHandoff(solo, [], paris("2026-03-01T12:00"))).toBeNull();
  });
});

describe("overrides", () => {
  const who = (overrides: Override[], isoLocal: string) => whoIsOnCall(layered, overrides, paris(isoLocal));

  it("an override covering an instant wins over every layer, from its start to its end", () => {
    const erin = override("erin", paris("2026-03-28T10:00"), paris("2026-03-28T14:00"));
    const during = who([erin], "2026-03-28T12:00");
    expect(during).toMatchObject({
      personId: "erin",
      source: { kind: "override", overrideId: erin.id, rotationId: null },
    });
    expect(wall(during.since!, PARIS)).toBe("2026-03-28 10:00 +01:00");
    expect(wall(during.until!, PARIS)).toBe("2026-03-28 14:00 +01:00");
    expect(who([erin], "2026-03-28T14:00").personId).toBe("dave");
    expect(who([erin], "2026-03-28T09:59").personId).toBe("dave");
  });

  it("a partial overlap across a layer change cuts both layers' segments", () => {
    const erin = override("erin", paris("2026-03-27T17:00"), paris("2026-03-27T20:00"));
    const segments = shiftsBetween(layered, [erin], paris("2026-03-27T12:00"), paris("2026-03-28T00:00"));
    expect(
      segments.map(
        (s) => `${s.personId} ${wall(s.start, PARIS).slice(11, 16)}-${wall(s.end, PARIS).slice(11, 16)}`,
      ),
    ).toEqual(["bob 12:00-17:00", "erin 17:00-20:00", "dave 20:00-00:00"]);
  });

  it("a nested override created later wins inside the outer one", () => {
    const outer = override("erin", paris("2026-03-28T08:00"), paris("2026-03-28T20:00"));
    const inner = override("frank", paris("2026-03-28T12:00"), paris("2026-03-28T14:00"));
    const segments = shiftsBetween(
      layered,
      [outer, inner],
      paris("2026-03-28T06:00"),
      paris("2026-03-28T22:00"),
    );
    expect(
      segments.map(
        (s) => `${s.personId} ${wall(s.start, PARIS).slice(11, 16)}-${wall(s.end, PARIS).slice(11, 16)}`,
      ),
    ).toEqual([
      "dave 06:00-08:00",
      "erin 08:00-12:00",
      "frank 12:00-14:00",
      "erin 14:00-20:00",
      "dave 20:00-22:00",
    ]);
  });

  it("the later-created override wins, whatever the order of the list", () => {
    const inner = override("frank", paris("2026-03-28T12:00"), paris("2026-03-28T14:00"));
    const outer = override("erin", paris("2026-03-28T08:00"), paris("2026-03-28T20:00"));
    expect(who([outer, inner], "2026-03-28T13:00").personId).toBe("erin");
    expect(who([inner, outer], "2026-03-28T13:00").personId).toBe("erin");
    const sameTime = override("gina", paris("2026-03-28T12:00"), paris("2026-03-28T14:00"), {
      createdAt: outer.createdAt,
    });
    expect(who([outer, sameTime], "2026-03-28T13:00").personId).toBe("gina");
  });

  it("a rotation's override replaces that rotation's person only while that layer decides", () => {
    const forBusiness = override("erin", paris("2026-03-27T12:00"), paris("2026-03-28T12:00"), {
      rotationId: "business",
    });
    expect(who([forBusiness], "2026-03-27T13:00")).toMatchObject({
      personId: "erin",
      source: { kind: "override", rotationId: "business" },
    });
    expect(who([forBusiness], "2026-03-27T19:00").personId).toBe("dave");
    expect(wall(who([forBusiness], "2026-03-27T13:00").until!, PARIS)).toBe("2026-03-27 18:00 +01:00");
  });

  it("ignores overrides that end before they start", () => {
    const backwards = override("erin", paris("2026-03-28T14:00"), paris("2026-03-28T10:00"));
    expect(who([backwards], "2026-03-28T12:00").personId).toBe("dave");
  });

  it("nextHandoff reports the override taking over", () => {
    const erin = override("erin", paris("2026-03-28T10:00"), paris("2026-03-28T14:00"));
    const handoff = nextHandoff(layered, [erin], paris("2026-03-28T08:00"))!;
    expect(wall(handoff.at, PARIS)).toBe("2026-03-28 10:00 +01:00");
    expect(handoff).toMatchObject({ fromPersonId: "dave", toPersonId: "erin", source: { kind: "override" } });
  });
});

describe("property: whoIsOnCall agrees with the shiftsBetween segment containing the instant", () => {
  const zones = ["Europe/Paris", "America/New_York", "Australia/Sydney"];
  // Around the March/April 2026 DST changes of all three zones.
  const from = new Date("2026-02-25T00:00:00Z");
  const to = new Date("2026-04-20T00:00:00Z");

  const teamIn = (zone: string, shape: "layered" | "business-only" | "hours") => {
    const inZone = (r: Rotation): Rotation => ({ ...r, timeZone: zone });
    if (shape === "layered") return { rotations: [inZone(business), inZone(nights)] };
    if (shape === "business-only") return { rotations: [inZone(business)] };
    return {
      rotations: [
        inZone(business),
        rotation({
          id: "hours",
          timeZone: zone,
          type: "custom",
          every: { hours: 7 },
          start: "2026-03-01T05:00",
          handoff: undefined,
        }),
      ],
    };
  };

  const overrideArbitrary = fc.record({
    personId: fc.constantFrom("erin", "frank", "alice"),
    startMinute: fc.integer({ min: -2 * 24 * 60, max: 56 * 24 * 60 }),
    lengthMinutes: fc.integer({ min: 1, max: 4 * 24 * 60 }),
    createdAt: fc.integer({ min: 0, max: 10 }),
    rotationId: fc.constantFrom(null, "business", "nights", "hours"),
  });

  it("for random teams, overrides and instants", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom("layered" as const, "business-only" as const, "hours" as const),
        fc.array(overrideArbitrary, { maxLength: 5 }),
        fc.array(fc.integer({ min: from.getTime(), max: to.getTime() - 1 }), { minLength: 1, maxLength: 20 }),
        (zone, shape, rawOverrides, instants) => {
          const team = teamIn(zone, shape);
          const overrides: Override[] = rawOverrides.map((raw, i) => {
            const start = from.getTime() + raw.startMinute * 60_000;
            return {
              id: `o${i}`,
              personId: raw.personId,
              start: new Date(start),
              end: new Date(start + raw.lengthMinutes * 60_000),
              createdAt: new Date(raw.createdAt * 1000),
              rotationId: raw.rotationId,
            };
          });
          const segments = shiftsBetween(team, overrides, from, to);
          for (const instant of instants) {
            const onCall = whoIsOnCall(team, overrides, new Date(instant));
            // Paging's cheaper answer (no search for the shift's ends) names the same person.
            expect(onCallPersonAt(team, overrides, new Date(instant))).toBe(onCall.personId);
            const segment = segments.find((s) => s.start.getTime() <= instant && instant < s.end.getTime());
            if (onCall.personId === null) {
              expect(segment).toBeUndefined();
              continue;
            }
            expect(segment).toBeDefined();
            expect(segment!.personId).toBe(onCall.personId);
            expect(sourceKey(segment!.source)).toBe(sourceKey(onCall.source));
            if (segment!.end.getTime() < to.getTime()) expect(onCall.until).toEqual(segment!.end);
            if (segment!.start.getTime() > from.getTime()) expect(onCall.since).toEqual(segment!.start);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
