// Named time intervals in Alertmanager's syntax: the semantics of prometheus/alertmanager's
// timeinterval package (inclusive ranges, exclusive end_time, negative days from the month's
// end, all given fields must match, any entry may), wall-clock reading across Paris DST changes,
// and the on-call file's validation with file:line:column.
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { type ConfigProblem, OncallConfigError, parseOncallConfig } from "../../../src/oncall/config.ts";
import {
  entryContains,
  intervalContains,
  type TimeIntervalSpec,
} from "../../../src/oncall/time-intervals.ts";
import { timeSkipReason } from "../../../src/paging/plan.ts";

const BASE = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
`;

function configWith(intervals: string, levelExtra = "activeTimeIntervals: [office]"): string {
  return `${BASE}timeIntervals:
${intervals}
escalationPolicies:
  - id: default
    levels:
      - { target: { person: alice }, after: 5m, ${levelExtra} }
`;
}

/** The named intervals of a configuration, parsed as tocsin reads them. */
function intervalsOf(yaml: string): Map<string, TimeIntervalSpec[]> {
  const config = parseOncallConfig(configWith(yaml), "oncall.yaml");
  return new Map(config.timeIntervals.map((i) => [i.name, i.time_intervals]));
}

function office(entries: string): TimeIntervalSpec[] {
  return intervalsOf(`  - name: office\n    time_intervals:\n${entries}`).get("office")!;
}

const at = (iso: string) => new Date(iso);

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseOncallConfig(text, "oncall.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(OncallConfigError);
    return [...(error as OncallConfigError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("Alertmanager time interval semantics", () => {
  it("weekdays and times: monday:friday inclusive, start_time inclusive, end_time exclusive, UTC by default", () => {
    const hours = office(
      `      - weekdays: ["monday:friday"]\n        times: [{ start_time: "09:00", end_time: "17:00" }]`,
    );
    expect(intervalContains(hours, at("2026-03-09T09:00:00Z"))).toBe(true); // Monday
    expect(intervalContains(hours, at("2026-03-13T16:59:59Z"))).toBe(true); // Friday
    expect(intervalContains(hours, at("2026-03-13T17:00:00Z"))).toBe(false);
    expect(intervalContains(hours, at("2026-03-09T08:59:59Z"))).toBe(false);
    expect(intervalContains(hours, at("2026-03-14T10:00:00Z"))).toBe(false); // Saturday
  });

  it("end_time 24:00 reaches the end of the day; several ranges and entries are alternatives", () => {
    const nights = office(
      `      - times: [{ start_time: "18:00", end_time: "24:00" }, { start_time: "00:00", end_time: "08:00" }]\n      - weekdays: [saturday, sunday]`,
    );
    expect(intervalContains(nights, at("2026-03-10T23:59:00Z"))).toBe(true);
    expect(intervalContains(nights, at("2026-03-10T07:59:00Z"))).toBe(true);
    expect(intervalContains(nights, at("2026-03-10T12:00:00Z"))).toBe(false);
    expect(intervalContains(nights, at("2026-03-14T12:00:00Z"))).toBe(true); // Saturday noon
  });

  it("days_of_month: negative days count from the month's end (-1 is the last day)", () => {
    const last = office(`      - days_of_month: ["-1"]`);
    expect(intervalContains(last, at("2026-02-28T12:00:00Z"))).toBe(true);
    expect(intervalContains(last, at("2028-02-28T12:00:00Z"))).toBe(false); // a leap year
    expect(intervalContains(last, at("2028-02-29T12:00:00Z"))).toBe(true);
    const ends = office(`      - days_of_month: ["1:5", "-3:-1"]`);
    expect(intervalContains(ends, at("2026-04-05T23:59:00Z"))).toBe(true);
    expect(intervalContains(ends, at("2026-04-06T00:00:00Z"))).toBe(false);
    expect(intervalContains(ends, at("2026-04-28T00:00:00Z"))).toBe(true); // April has 30 days
    expect(intervalContains(ends, at("2026-04-27T23:59:00Z"))).toBe(false);
  });

  it("months (names or numbers) and years are inclusive; every given field must match", () => {
    const q1 = office(
      `      - months: ["january:march"]\n        years: ["2026"]\n        weekdays: [monday]`,
    );
    expect(intervalContains(q1, at("2026-03-30T10:00:00Z"))).toBe(true); // a Monday in March
    expect(intervalContains(q1, at("2026-03-31T10:00:00Z"))).toBe(false); // Tuesday
    expect(intervalContains(q1, at("2026-04-06T10:00:00Z"))).toBe(false); // Monday in April
    expect(intervalContains(q1, at("2027-03-29T10:00:00Z"))).toBe(false); // Monday, 2027
    expect(intervalContains(office(`      - months: ["4:6"]`), at("2026-06-30T10:00:00Z"))).toBe(true);
  });

  it("a level is active in ANY of its active intervals and muted by ANY mute interval", () => {
    const weekdays = { name: "weekdays", entries: office(`      - weekdays: ["monday:friday"]`) };
    const lunch = {
      name: "lunch",
      entries: office(`      - times: [{ start_time: "12:00", end_time: "13:00" }]`),
    };
    const level = {
      target: { kind: "team" as const, teamId: "csirt" },
      afterMs: 1,
      active: [weekdays],
      mute: [lunch],
    };
    expect(timeSkipReason(level, at("2026-03-10T10:00:00Z"))).toBeUndefined();
    expect(timeSkipReason(level, at("2026-03-10T12:30:00Z"))).toBe("muted during lunch");
    expect(timeSkipReason(level, at("2026-03-14T10:00:00Z"))).toBe("outside weekdays");
  });
});

describe("time intervals across Europe/Paris DST changes", () => {
  const business = office(
    `      - weekdays: ["monday:friday"]\n        times: [{ start_time: "09:00", end_time: "18:00" }]\n        location: Europe/Paris`,
  );

  it("09:00 in Paris is 08:00 UTC before the spring change and 07:00 UTC after it", () => {
    expect(intervalContains(business, at("2026-03-27T08:00:00Z"))).toBe(true); // Friday, CET
    expect(intervalContains(business, at("2026-03-27T07:59:00Z"))).toBe(false);
    expect(intervalContains(business, at("2026-03-30T07:00:00Z"))).toBe(true); // Monday, CEST
    expect(intervalContains(business, at("2026-03-30T06:59:00Z"))).toBe(false);
    expect(intervalContains(business, at("2026-03-30T16:00:00Z"))).toBe(false); // 18:00 CEST
  });

  it("02:00-03:00 does not exist on the spring day and happens twice on the autumn day", () => {
    const twoAm = office(
      `      - times: [{ start_time: "02:00", end_time: "03:00" }]\n        location: Europe/Paris`,
    );
    const minutesIn = (fromIso: string, hours: number) => {
      let count = 0;
      for (let m = 0; m < hours * 60; m++) {
        if (intervalContains(twoAm, new Date(Date.parse(fromIso) + m * 60_000))) count++;
      }
      return count;
    };
    expect(minutesIn("2026-03-28T22:00:00Z", 8)).toBe(0); // 29 March: 02:00 CET jumps to 03:00 CEST
    expect(minutesIn("2026-10-24T22:00:00Z", 8)).toBe(120); // 25 October: 02:00-03:00 twice
  });

  it("matches what the wall clock in the interval's zone says, for any instant (property)", () => {
    const zones = ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"];
    const range = (min: number, max: number) =>
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => ({
        begin: Math.min(a, b),
        end: Math.max(a, b),
      }));
    const spec = fc.record({
      times: fc.option(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 })).map(([a, b]) => ({
            start: Math.min(a, b - 1),
            end: Math.max(a + 1, b),
          })),
          { minLength: 1, maxLength: 3 },
        ),
        { nil: undefined },
      ),
      weekdays: fc.option(fc.array(range(0, 6), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      daysOfMonth: fc.option(fc.array(range(1, 31), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      months: fc.option(fc.array(range(1, 12), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      years: fc.option(fc.array(range(2025, 2028), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      location: fc.constantFrom(...zones),
    });
    const instant = fc.integer({
      min: Date.parse("2025-01-01T00:00:00Z"),
      max: Date.parse("2028-12-31T00:00:00Z"),
    });
    const inRanges = (value: number, ranges?: Array<{ begin: number; end: number }>) =>
      !ranges || ranges.some((r) => value >= r.begin && value <= r.end);
    fc.assert(
      fc.property(spec, instant, (s, ms) => {
        // The oracle reads the wall clock with luxon, independently of the implementation.
        const local = DateTime.fromMillis(ms, { zone: s.location });
        const minute = local.hour * 60 + local.minute;
        const expected =
          (!s.times || s.times.some((t) => minute >= t.start && minute < t.end)) &&
          inRanges(local.weekday % 7, s.weekdays) &&
          inRanges(local.day, s.daysOfMonth) &&
          inRanges(local.month, s.months) &&
          inRanges(local.year, s.years);
        expect(entryContains(s, new Date(ms))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("validation of timeIntervals and their use", () => {
  it("reports each bad field with file:line:column and Alertmanager's rules", () => {
    const text = configWith(`  - name: office
    time_intervals:
      - weekdays: ["saturday:sunday", funday]
        times: [{ start_time: "18:00", end_time: "08:00" }]
        days_of_month: ["-1:5", "0"]
        months: ["march:january"]
        location: Europe/Pariss`);
    const problems = problemsOf(text);
    const summary = problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
    expect(summary).toEqual([
      expect.stringMatching(
        /^8:20 timeIntervals\[0\]\.time_intervals\[0\]\.weekdays\[0\]: "saturday:sunday": the start day comes after the end day/,
      ),
      expect.stringMatching(
        /^8:39 timeIntervals\[0\]\.time_intervals\[0\]\.weekdays\[1\]: "funday" is not a weekday/,
      ),
      expect.stringMatching(
        /^9:17 timeIntervals\[0\]\.time_intervals\[0\]\.times\[0\]: start_time 18:00 is not before end_time 08:00; a range past midnight is two ranges/,
      ),
      expect.stringMatching(
        /^10:25 .*days_of_month\[0\]: "-1:5": the end day must be negative when the start day is/,
      ),
      expect.stringMatching(/^10:33 .*days_of_month\[1\]: "0": 0 is not a day of the month/),
      expect.stringMatching(/^11:18 .*months\[0\]: "march:january": the end month is before the start month/),
      expect.stringMatching(/^12:19 .*location: "Europe\/Pariss" is not an IANA time zone/),
    ]);
  });

  it("an unknown interval name on a level is reported where it is used, with a suggestion", () => {
    const text = configWith(
      `  - name: office-hours\n    time_intervals:\n      - weekdays: ["monday:friday"]\n  - name: office-hours\n    time_intervals:\n      - weekdays: [sunday]`,
      "muteTimeIntervals: [office-hour]",
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^timeIntervals\[1\]\.name: duplicate time interval name "office-hours"/),
      'escalationPolicies[0].levels[0].muteTimeIntervals[0]: unknown time interval "office-hour"; did you mean "office-hours"?',
    ]);
    expect(problems[1]?.line).toBe(text.split("\n").findIndex((l) => l.includes("office-hour]")) + 1);
  });
});
