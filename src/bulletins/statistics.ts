// Incident statistics over a period, as CSIRTs publish them (eCSIRT.net "type 2" statistics):
// incidents opened and closed by RSIT class and by severity, median times to acknowledge, contain
// and close, the trend against the previous period of the same length, and incidents per day.
//
// How the numbers are read (also in the report's footnote):
// - Declined incidents (not an incident) and merged ones (duplicates) are not counted; the report
//   says how many there were.
// - Opened: declared in the period. Closed: status closed, closed in the period (`closedAt` is
//   stamped when an incident is first closed; one reopened and still open is not closed).
// - Time to acknowledge: declaration to `investigatingAt`, the moment a responder took the report
//   out of triage (confirmed it and started working on it). Time to contain: declaration to
//   `containedAt`. Time to close: declaration to `closedAt`. Each median is over the incidents
//   that reached that point within the period, so a week's report says how fast the work finished
//   that week was.
import { DateTime } from "luxon";
import type { Db } from "../db/database.ts";
import { SEVERITIES, type Severity } from "../incidents/lifecycle.ts";
import { RSIT_CLASSES, RSIT_TYPES } from "../incidents/taxonomy.ts";
import { TLP_LABELS, type TlpLabel, tlpAllows } from "../incidents/tlp.ts";

// ---------------------------------------------------------------------------------------------
// Periods

export type PeriodSpec =
  | { kind: "rolling"; days: number }
  | { kind: "last-month" }
  | { kind: "month"; year: number; month: number };

export const PERIOD_HINT =
  '"7d", "30d", "4w" (ending now), "month" (the last full calendar month) or a month such as "2026-10"';
export const SCHEDULED_PERIOD_HINT =
  '"7d", "30d", "4w" (ending at the run) or "month" (the last full calendar month)';

/** Parses `7d`, `4w`, `month`, `2026-10`; calendar months are not for schedules (they would repeat). */
export function parsePeriodSpec(
  input: string,
  options: { scheduled?: boolean } = {},
): PeriodSpec | undefined {
  const value = input.trim().toLowerCase();
  const rolling = /^(\d{1,3})([dw])$/.exec(value);
  if (rolling) {
    const days = Number(rolling[1]) * (rolling[2] === "w" ? 7 : 1);
    return days >= 1 && days <= 366 ? { kind: "rolling", days } : undefined;
  }
  if (value === "month") return { kind: "last-month" };
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month && !options.scheduled) {
    const number = Number(month[2]);
    return number >= 1 && number <= 12 ? { kind: "month", year: Number(month[1]), month: number } : undefined;
  }
  return undefined;
}

export interface Interval {
  from: Date;
  to: Date;
}

export interface ReportPeriod extends Interval {
  previous: Interval;
  /** A calendar month that has not ended yet: counted up to now. */
  inProgress: boolean;
  timeZone: string;
}

export class PeriodError extends Error {}

export function resolvePeriod(spec: PeriodSpec, now: Date, timeZone: string): ReportPeriod {
  const end = DateTime.fromJSDate(now, { zone: timeZone });
  const interval = (from: DateTime, to: DateTime): Interval => ({ from: from.toJSDate(), to: to.toJSDate() });
  switch (spec.kind) {
    case "rolling": {
      const start = end.minus({ days: spec.days });
      const current = interval(start, end);
      return {
        ...current,
        previous: interval(start.minus({ days: spec.days }), start),
        inProgress: false,
        timeZone,
      };
    }
    case "last-month": {
      const to = end.startOf("month");
      const from = to.minus({ months: 1 });
      return {
        ...interval(from, to),
        previous: interval(from.minus({ months: 1 }), from),
        inProgress: false,
        timeZone,
      };
    }
    case "month": {
      const from = DateTime.fromObject({ year: spec.year, month: spec.month, day: 1 }, { zone: timeZone });
      if (from > end) throw new PeriodError(`${from.toFormat("yyyy-MM")} has not started yet.`);
      const monthEnd = from.plus({ months: 1 });
      const inProgress = monthEnd > end;
      return {
        ...interval(from, inProgress ? end : monthEnd),
        previous: interval(from.minus({ months: 1 }), from),
        inProgress,
        timeZone,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

/** The columns of an Incident the statistics read. */
export interface IncidentTimes {
  status: string;
  severity: number;
  rsitType: string | null;
  declaredAt: Date;
  investigatingAt: Date | null;
  containedAt: Date | null;
  closedAt: Date | null;
}

export interface PeriodFigures {
  opened: number;
  closed: number;
  declined: number;
  merged: number;
  /** Undefined when no incident reached that point in the period. */
  medianToAcknowledgeMs?: number;
  medianToContainMs?: number;
  medianToCloseMs?: number;
}

export interface BreakdownRow {
  opened: number;
  closed: number;
}

export interface IncidentStatistics {
  period: ReportPeriod;
  current: PeriodFigures;
  previous: PeriodFigures;
  /** RSIT classes with at least one incident, most opened first; `unclassified` last. */
  byClass: Array<BreakdownRow & { classId: string; className: string }>;
  /** All four severities, most severe first. */
  bySeverity: Array<BreakdownRow & { severity: Severity }>;
  /** One entry per day of the period (in its time zone), oldest first. */
  perDay: Array<BreakdownRow & { day: string }>;
}

const UNCLASSIFIED = "unclassified";

export function computeStatistics(
  incidents: readonly IncidentTimes[],
  period: ReportPeriod,
): IncidentStatistics {
  const within = (date: Date | null, interval: Interval): date is Date =>
    date !== null && date >= interval.from && date < interval.to;
  const counted = incidents.filter(
    (incident) => incident.status !== "declined" && incident.status !== "merged",
  );
  const isOpened = (incident: IncidentTimes, interval: Interval) => within(incident.declaredAt, interval);
  const isClosed = (incident: IncidentTimes, interval: Interval) =>
    incident.status === "closed" && within(incident.closedAt, interval);

  const figures = (interval: Interval): PeriodFigures => {
    const durations = (pick: (incident: IncidentTimes) => Date | null, onlyClosed = false) =>
      counted.flatMap((incident) => {
        const reached = pick(incident);
        if (!within(reached, interval) || (onlyClosed && incident.status !== "closed")) return [];
        return [reached.getTime() - incident.declaredAt.getTime()];
      });
    const notCounted = (status: string) =>
      incidents.filter((incident) => incident.status === status && within(incident.declaredAt, interval))
        .length;
    return withoutUndefined({
      opened: counted.filter((incident) => isOpened(incident, interval)).length,
      closed: counted.filter((incident) => isClosed(incident, interval)).length,
      declined: notCounted("declined"),
      merged: notCounted("merged"),
      medianToAcknowledgeMs: median(durations((incident) => incident.investigatingAt)),
      medianToContainMs: median(durations((incident) => incident.containedAt)),
      medianToCloseMs: median(durations((incident) => incident.closedAt, true)),
    });
  };

  const classRows = new Map<string, BreakdownRow>();
  const severityRows = new Map<Severity, BreakdownRow>(SEVERITIES.map((s) => [s, { opened: 0, closed: 0 }]));
  const days = dayBuckets(period);
  for (const incident of counted) {
    const opened = isOpened(incident, period);
    const closed = isClosed(incident, period);
    if (!opened && !closed) continue;
    const classId = (incident.rsitType && RSIT_TYPES.get(incident.rsitType)?.classId) || UNCLASSIFIED;
    let classRow = classRows.get(classId);
    if (!classRow) {
      classRow = { opened: 0, closed: 0 };
      classRows.set(classId, classRow);
    }
    for (const row of [classRow, severityRows.get(incident.severity as Severity)]) {
      if (!row) continue;
      if (opened) row.opened++;
      if (closed) row.closed++;
    }
    const openedBucket = opened ? days.find((bucket) => within(incident.declaredAt, bucket)) : undefined;
    if (openedBucket) openedBucket.row.opened++;
    const closedBucket = closed ? days.find((bucket) => within(incident.closedAt, bucket)) : undefined;
    if (closedBucket) closedBucket.row.closed++;
  }

  const classNames = new Map(RSIT_CLASSES.map((c) => [c.id, c.name]));
  return {
    period,
    current: figures(period),
    previous: figures(period.previous),
    byClass: [...classRows.entries()]
      .map(([classId, row]) => ({ classId, className: classNames.get(classId) ?? "Unclassified", ...row }))
      .sort(
        (a, b) =>
          Number(a.classId === UNCLASSIFIED) - Number(b.classId === UNCLASSIFIED) ||
          b.opened - a.opened ||
          b.closed - a.closed ||
          (a.classId < b.classId ? -1 : 1),
      ),
    bySeverity: SEVERITIES.map((severity) => ({ severity, ...(severityRows.get(severity) as BreakdownRow) })),
    perDay: days.map((bucket) => ({ day: bucket.day, ...bucket.row })),
  };
}

/** Local days of the period; the first and last may be partial (a rolling period ends "now"). */
function dayBuckets(period: ReportPeriod): Array<Interval & { day: string; row: BreakdownRow }> {
  const buckets: Array<Interval & { day: string; row: BreakdownRow }> = [];
  let day = DateTime.fromJSDate(period.from, { zone: period.timeZone }).startOf("day");
  const end = DateTime.fromJSDate(period.to, { zone: period.timeZone });
  while (day < end) {
    const next = day.plus({ days: 1 });
    buckets.push({
      from: day.toJSDate(),
      to: next.toJSDate(),
      day: day.toISODate() ?? "",
      row: { opened: 0, closed: 0 },
    });
    day = next;
  }
  return buckets;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Reads the incidents that touch the period or the one before it, and computes the figures. */
/**
 * The incidents a report labelled `label` may count: unrestricted ones labelled at most `label`.
 * A count is information too: a TLP:CLEAR report must not reveal that TLP:AMBER incidents, or
 * restricted ones (TLP:RED always), exist.
 */
export async function loadStatistics(
  db: Db,
  period: ReportPeriod,
  label: TlpLabel,
): Promise<IncidentStatistics> {
  const range = { gte: period.previous.from, lt: period.to };
  const countable = TLP_LABELS.filter((candidate) => tlpAllows(label, candidate));
  const incidents = await db.incident.findMany({
    where: {
      OR: [{ declaredAt: range }, { investigatingAt: range }, { containedAt: range }, { closedAt: range }],
      restricted: false,
      tlp: { in: countable },
    },
    select: {
      status: true,
      severity: true,
      rsitType: true,
      declaredAt: true,
      investigatingAt: true,
      containedAt: true,
      closedAt: true,
    },
  });
  return computeStatistics(incidents, period);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
