import { describe, expect, it } from "vitest";
import {
  computeStatistics,
  median,
  PeriodError,
  parsePeriodSpec,
  resolvePeriod,
} from "../../../src/bulletins/statistics.ts";
import { renderStatistics, sparkline } from "../../../src/bulletins/statistics-rendering.ts";

const iso = (date: Date) => date.toISOString();

describe("statistics periods", () => {
  it("reads rolling periods, the last full month and calendar months", () => {
    expect(parsePeriodSpec("7d")).toEqual({ kind: "rolling", days: 7 });
    expect(parsePeriodSpec("4W")).toEqual({ kind: "rolling", days: 28 });
    expect(parsePeriodSpec("month")).toEqual({ kind: "last-month" });
    expect(parsePeriodSpec("2026-10")).toEqual({ kind: "month", year: 2026, month: 10 });
    for (const bad of ["0d", "400d", "2026-13", "week", "7", ""])
      expect(parsePeriodSpec(bad)).toBeUndefined();
    // A schedule repeating a fixed month would report it again and again.
    expect(parsePeriodSpec("2026-10", { scheduled: true })).toBeUndefined();
  });

  it("ends a rolling period now and compares with as many days before it, across DST", () => {
    const period = resolvePeriod(
      { kind: "rolling", days: 7 },
      new Date("2026-03-30T10:00:00Z"),
      "Europe/Berlin",
    );
    // 12:00 CEST back to 12:00 CET: seven calendar days, one hour shorter than 7 × 24 h.
    expect([iso(period.from), iso(period.to)]).toEqual([
      "2026-03-23T11:00:00.000Z",
      "2026-03-30T10:00:00.000Z",
    ]);
    expect([iso(period.previous.from), iso(period.previous.to)]).toEqual([
      "2026-03-16T11:00:00.000Z",
      "2026-03-23T11:00:00.000Z",
    ]);
  });

  it("takes whole months in the time zone, and counts a month in progress up to now", () => {
    const last = resolvePeriod({ kind: "last-month" }, new Date("2026-03-10T09:00:00Z"), "Europe/Berlin");
    expect([iso(last.from), iso(last.to), iso(last.previous.from)]).toEqual([
      "2026-01-31T23:00:00.000Z",
      "2026-02-28T23:00:00.000Z",
      "2025-12-31T23:00:00.000Z",
    ]);
    const current = resolvePeriod(
      { kind: "month", year: 2026, month: 3 },
      new Date("2026-03-10T09:00:00Z"),
      "UTC",
    );
    expect(current).toMatchObject({ inProgress: true, to: new Date("2026-03-10T09:00:00Z") });
    expect(() =>
      resolvePeriod({ kind: "month", year: 2026, month: 4 }, new Date("2026-03-10T09:00:00Z"), "UTC"),
    ).toThrow(PeriodError);
  });
});

describe("statistics figures", () => {
  it("takes the median of odd and even counts, and of nothing", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it("draws one character per day, zero as the lowest bar", () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe("▁▂▃▅█");
    expect(sparkline([0, 0])).toBe("▁▁");
  });

  it("shows trends with arrows and percentages, in English and German", () => {
    const period = resolvePeriod({ kind: "rolling", days: 2 }, new Date("2026-03-10T00:00:00Z"), "UTC");
    const incident = (declaredAt: string) => ({
      status: "triage",
      severity: 3,
      rsitType: null,
      declaredAt: new Date(declaredAt),
      investigatingAt: null,
      containedAt: null,
      closedAt: null,
    });
    const stats = computeStatistics(
      [
        incident("2026-03-09T01:00Z"),
        incident("2026-03-09T02:00Z"),
        incident("2026-03-07T01:00Z"),
        incident("2026-03-06T01:00Z"),
        incident("2026-03-06T05:00Z"),
        incident("2026-03-07T05:00Z"),
      ],
      period,
    );
    const en = renderStatistics(stats, { tlp: "clear" }).text;
    expect(en).toContain("Opened: 2 (↓ 50% vs 4)");
    expect(en).toContain("Closed: 0 (→ 0% vs 0)");
    expect(en).toContain("Median time to acknowledge: – (vs –)");
    expect(en.split("\n")[0]).toBe("TLP:CLEAR");
    const de = renderStatistics(stats, { tlp: "clear", language: "de" }).text;
    expect(de).toContain("Vorfallstatistik: 2026-03-08 – 2026-03-09");
    expect(de).toContain("Eröffnet: 2 (↓ 50% vs. 4)");
  });
});
