import cron from "node-cron";
import { describe, expect, it } from "vitest";
import { CronExpressionError, CronSchedule } from "../../../src/jobs/cron-time.ts";

const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

describe("cron fire times", () => {
  it("finds the last fire time at or before an instant, and the next one after it", () => {
    const daily = CronSchedule.parse("0 8 * * *", "Europe/Berlin");
    expect(iso(daily.previous(at("2026-03-10T09:00:00Z")))).toBe("2026-03-10T07:00:00.000Z");
    expect(iso(daily.previous(at("2026-03-10T06:59:59Z")))).toBe("2026-03-09T07:00:00.000Z");
    // A fire time is its own previous fire time, and not its own next.
    expect(iso(daily.previous(at("2026-03-10T07:00:00Z")))).toBe("2026-03-10T07:00:00.000Z");
    expect(iso(daily.next(at("2026-03-10T07:00:00Z")))).toBe("2026-03-11T07:00:00.000Z");
  });

  it("skips days the expression excludes", () => {
    const weekdays = CronSchedule.parse("30 7 * * mon-fri", "UTC");
    // Sunday 2026-03-15: the last fire was Friday, the next is Monday.
    expect(iso(weekdays.previous(at("2026-03-15T12:00:00Z")))).toBe("2026-03-13T07:30:00.000Z");
    expect(iso(weekdays.next(at("2026-03-15T12:00:00Z")))).toBe("2026-03-16T07:30:00.000Z");
    const monthly = CronSchedule.parse("0 9 1 * *", "UTC");
    expect(iso(monthly.previous(at("2026-03-10T00:00:00Z")))).toBe("2026-03-01T09:00:00.000Z");
    expect(iso(monthly.next(at("2026-03-10T00:00:00Z")))).toBe("2026-04-01T09:00:00.000Z");
  });

  it("keeps a local time across daylight saving changes", () => {
    const daily = CronSchedule.parse("0 8 * * *", "Europe/Berlin");
    expect(iso(daily.next(at("2026-03-28T12:00:00Z")))).toBe("2026-03-29T06:00:00.000Z");
    expect(iso(daily.previous(at("2026-03-29T06:30:00Z")))).toBe("2026-03-29T06:00:00.000Z");
    expect(iso(daily.previous(at("2026-03-29T05:59:00Z")))).toBe("2026-03-28T07:00:00.000Z");
    expect(iso(daily.next(at("2026-10-24T12:00:00Z")))).toBe("2026-10-25T07:00:00.000Z");
  });

  it("does not fire a local time that the spring-forward gap skips", () => {
    const night = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens that day.
    expect(iso(night.next(at("2026-03-28T01:30:00Z")))).toBe("2026-03-30T00:30:00.000Z");
    expect(iso(night.previous(at("2026-03-29T23:59:00Z")))).toBe("2026-03-28T01:30:00.000Z");
  });

  it("fires a local time that the fall-back overlap repeats once, at its first occurrence", () => {
    const night = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    expect(iso(night.next(at("2026-10-24T12:00:00Z")))).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(night.next(at("2026-10-25T00:30:00Z")))).toBe("2026-10-26T01:30:00.000Z");
    expect(iso(night.previous(at("2026-10-25T01:45:00Z")))).toBe("2026-10-25T00:30:00.000Z");
  });

  it("handles the southern hemisphere and zones west of UTC", () => {
    const sydney = CronSchedule.parse("30 2 * * *", "Australia/Sydney");
    // 2026-10-04: Sydney moves from 02:00 AEST to 03:00 AEDT.
    expect(iso(sydney.next(at("2026-10-02T20:00:00Z")))).toBe("2026-10-04T15:30:00.000Z"); // 5 Oct, AEDT
    expect(iso(sydney.previous(at("2026-10-04T15:00:00Z")))).toBe("2026-10-02T16:30:00.000Z"); // 3 Oct, AEST
    const newYork = CronSchedule.parse("0 0 * * *", "America/New_York");
    expect(iso(newYork.previous(at("2026-03-08T12:00:00Z")))).toBe("2026-03-08T05:00:00.000Z");
    expect(iso(newYork.next(at("2026-03-08T12:00:00Z")))).toBe("2026-03-09T04:00:00.000Z");
  });

  it("takes seconds as an optional first field and the nicknames", () => {
    expect(iso(CronSchedule.parse("15 0 8 * * *", "UTC").next(at("2026-03-10T00:00:00Z")))).toBe(
      "2026-03-10T08:00:15.000Z",
    );
    expect(iso(CronSchedule.parse("@weekly", "UTC").previous(at("2026-03-10T00:00:00Z")))).toBe(
      "2026-03-08T00:00:00.000Z",
    );
  });

  it("looks back years for rare days", () => {
    const leapDay = CronSchedule.parse("0 12 29 2 *", "UTC");
    expect(iso(leapDay.previous(at("2026-03-10T00:00:00Z")))).toBe("2024-02-29T12:00:00.000Z");
    expect(iso(leapDay.next(at("2026-03-10T00:00:00Z")))).toBe("2028-02-29T12:00:00.000Z");
  });

  it("explains expressions it refuses", () => {
    const problem = (expression: string, zone = "UTC") => {
      try {
        CronSchedule.parse(expression, zone);
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(CronExpressionError);
        return (error as Error).message;
      }
    };
    expect(problem("0 8 * *")).toMatch(/is not a cron expression \(expected 5 or 6 fields but got 4\)/);
    expect(problem("61 8 * * *")).toMatch(/61 is a invalid expression for minute/);
    expect(problem("0 8 L * *")).toMatch(/uses "L": the L, W and # forms are not supported/);
    expect(problem("0 8 1-7 * 1")).toMatch(/restricts both the day of month and the day of week/);
    expect(problem("0 0 30 2 *")).toMatch(/impossible day of month/);
    expect(problem("0 8 * * *", "Mars/Olympus")).toMatch(/"Mars\/Olympus" is not an IANA time zone/);
  });

  it("agrees with node-cron's own matcher, minute by minute around both DST changes", () => {
    const cases = [
      ["*/20 1-3 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z"],
      ["*/20 1-3 * * *", "Europe/Berlin", "2026-10-24T00:00:00Z"],
      ["0,30 * * * sat,sun", "America/New_York", "2026-11-01T00:00:00Z"],
      ["45 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z"],
    ] as const;
    for (const [expression, zone, start] of cases) {
      const schedule = CronSchedule.parse(expression, zone);
      const task = cron.createTask(expression, () => {}, { timezone: zone });
      const from = at(start).getTime();
      const mine = new Set<number>();
      for (let t = schedule.next(new Date(from - 1)); t && t.getTime() < from + 3 * 86_400_000; ) {
        mine.add(t.getTime());
        t = schedule.next(t);
      }
      const theirs: number[] = [];
      for (let t = from; t < from + 3 * 86_400_000; t += 60_000) if (task.match(new Date(t))) theirs.push(t);
      // Every fire time here is one node-cron matches; the only minutes node-cron matches and we
      // skip are second occurrences of a repeated local time.
      for (const t of mine) expect(task.match(new Date(t))).toBe(true);
      const skipped = theirs.filter((t) => !mine.has(t));
      for (const t of skipped) expect(task.match(new Date(t - 3_600_000))).toBe(true);
      expect(skipped.length).toBeLessThanOrEqual(6);
      void task.destroy();
    }
  });
});
