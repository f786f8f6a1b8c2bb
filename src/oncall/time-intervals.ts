// Named time intervals in Alertmanager's `time_intervals` syntax, so an SRE can paste the
// business-hours block from alertmanager.yml into the on-call file and escalation levels can be
// active (or muted) in them, as Alertmanager routes are (`active_time_intervals`,
// `mute_time_intervals`).
//
// Semantics are Alertmanager's (prometheus/alertmanager timeinterval/timeinterval.go):
// - a named interval matches when ANY of its entries matches; an entry matches when EVERY field it
//   gives matches (fields left out match everything);
// - times: [{start_time: "09:00", end_time: "17:00"}]: start inclusive, end exclusive, "24:00"
//   allowed as an end, start before end (no wrapping past midnight: write two ranges);
// - weekdays: "monday:friday" or "saturday", inclusive, sunday first (so "saturday:sunday" is an
//   error there too: write ["saturday", "sunday"]);
// - days_of_month: "1:5", "-1" (the last day), "-3:-1"; inclusive; negatives count from the end of
//   the month; a negative start needs a negative end;
// - months: "january:march" or 1..12; years: "2026:2027"; both inclusive;
// - location: IANA zone the fields are read in (default UTC); wall-clock reading, so DST
//   changes move the instants, never the meaning ("09:00" is 09:00 in Paris in winter and summer).
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import { isValidTimeZone, zoneNamed } from "./local-time.ts";

const WEEKDAY_NUMBERS: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};
const MONTH_NUMBERS: Record<string, number> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

/** An inclusive range [begin, end]. */
export interface Range {
  begin: number;
  end: number;
}

/** One entry of a named interval, resolved to numbers (and stored so in a page's plan). */
export const timeIntervalSpecSchema = lazySchema(() =>
  z.object({
    /** Minutes of the day, start inclusive, end exclusive. */
    times: z.array(z.object({ start: z.number().int(), end: z.number().int() })).optional(),
    weekdays: z.array(z.object({ begin: z.number().int(), end: z.number().int() })).optional(),
    daysOfMonth: z.array(z.object({ begin: z.number().int(), end: z.number().int() })).optional(),
    months: z.array(z.object({ begin: z.number().int(), end: z.number().int() })).optional(),
    years: z.array(z.object({ begin: z.number().int(), end: z.number().int() })).optional(),
    location: z.string(),
  }),
);
export type TimeIntervalSpec = z.infer<ReturnType<typeof timeIntervalSpecSchema>>;

const MAX_RANGE_TEXT = 40;

/** A zod schema for one range field, written as Alertmanager writes it. */
function rangeSchema(
  what: string,
  member: (token: string) => number | undefined,
  check: (r: Range) => string | undefined,
) {
  return z.string({ error: `expected a ${what} or a range "start:end" in quotes` }).transform((raw, ctx) => {
    const text = raw.trim().toLowerCase();
    const parts = text.length > MAX_RANGE_TEXT ? [] : text.split(":");
    const begin = parts.length >= 1 && parts.length <= 2 ? member(parts[0]!) : undefined;
    const end = parts.length === 2 ? member(parts[1]!) : begin;
    if (begin === undefined || end === undefined) {
      ctx.addIssue({ code: "custom", message: `"${raw}" is not a ${what} or a range of them ("start:end")` });
      return z.NEVER;
    }
    const problem = check({ begin, end });
    if (problem) {
      ctx.addIssue({ code: "custom", message: `"${raw}": ${problem}` });
      return z.NEVER;
    }
    return { begin, end };
  });
}

const integer = (token: string) => (/^-?\d{1,4}$/.test(token) ? Number(token) : undefined);

const weekdayRange = rangeSchema(
  "weekday (monday .. sunday)",
  (t) => WEEKDAY_NUMBERS[t],
  (r) =>
    r.begin > r.end
      ? "the start day comes after the end day (sunday is first; list [saturday, sunday] instead)"
      : undefined,
);

const dayOfMonthRange = rangeSchema("day of the month (1 .. 31, or -1 for the last)", integer, (r) => {
  for (const day of [r.begin, r.end]) {
    if (day === 0 || day < -31 || day > 31)
      return `${day} is not a day of the month (1 .. 31, or -31 .. -1 from the end)`;
  }
  if (r.begin < 0 && r.end > 0) return "the end day must be negative when the start day is";
  // As Alertmanager: refuse what is empty in every month (a 28-day month decides for negatives).
  const begin = r.begin < 0 ? 28 + r.begin : r.begin;
  const end = r.end < 0 ? 28 + r.end : r.end;
  return begin > end ? `the end day ${r.end} is always before the start day ${r.begin}` : undefined;
});

const monthRange = rangeSchema(
  "month (january .. december, or 1 .. 12)",
  (t) =>
    MONTH_NUMBERS[t] ??
    (integer(t) !== undefined && Number(t) >= 1 && Number(t) <= 12 ? Number(t) : undefined),
  (r) => (r.begin > r.end ? "the end month is before the start month" : undefined),
);

const yearRange = rangeSchema(
  "year",
  (t) => (/^\d{4}$/.test(t) ? Number(t) : undefined),
  (r) => (r.begin > r.end ? "the end year is before the start year" : undefined),
);

/** "HH:MM" from "00:00" to "24:00", as minutes of the day. */
function minutesOfDay(text: string): number | undefined {
  if (text === "24:00") return 24 * 60;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

const timeRange = lazySchema(() =>
  z
    .strictObject({
      start_time: z.string({ error: 'expected a quoted time such as "09:00"' }),
      end_time: z.string({ error: 'expected a quoted time such as "17:00"' }),
    })
    .transform((range, ctx) => {
      const start = minutesOfDay(range.start_time);
      const end = minutesOfDay(range.end_time);
      if (start === undefined || end === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${start === undefined ? range.start_time : range.end_time}" is not a time; write HH:MM from 00:00 to 24:00`,
        });
        return z.NEVER;
      }
      if (start >= end) {
        ctx.addIssue({
          code: "custom",
          message: `start_time ${range.start_time} is not before end_time ${range.end_time}; a range past midnight is two ranges (e.g. 18:00-24:00 and 00:00-08:00)`,
        });
        return z.NEVER;
      }
      return { start, end };
    }),
);

const locationSchema = lazySchema(() =>
  z.string({ error: "expected an IANA time zone such as Europe/Paris" }).superRefine((value, ctx) => {
    if (!isValidTimeZone(value)) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not an IANA time zone; write e.g. Europe/Paris or UTC`,
      });
    }
  }),
);

const MAX_ENTRIES = 100;

/** One entry of `time_intervals`, as Alertmanager writes it. */
const timeIntervalEntrySchema = lazySchema(() =>
  z
    .strictObject({
      times: z.array(timeRange()).max(MAX_ENTRIES).optional(),
      weekdays: z.array(weekdayRange).max(MAX_ENTRIES).optional(),
      days_of_month: z.array(dayOfMonthRange).max(MAX_ENTRIES).optional(),
      months: z.array(monthRange).max(MAX_ENTRIES).optional(),
      years: z.array(yearRange).max(MAX_ENTRIES).optional(),
      location: locationSchema().default("UTC"),
    })
    .transform(
      (entry): TimeIntervalSpec => ({
        times: entry.times,
        weekdays: entry.weekdays,
        daysOfMonth: entry.days_of_month,
        months: entry.months,
        years: entry.years,
        location: entry.location,
      }),
    ),
);

/** A named interval at the top of the on-call file: `timeIntervals: [{ name, time_intervals }]`. */
export const namedTimeIntervalSchema = lazySchema(() =>
  z.strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "names are letters, digits, '-', '_' and '.'"),
    time_intervals: z.array(timeIntervalEntrySchema()).min(1, "give at least one entry").max(MAX_ENTRIES),
  }),
);
export type NamedTimeInterval = z.infer<ReturnType<typeof namedTimeIntervalSchema>>;

function inAny(value: number, ranges: Range[] | undefined): boolean {
  return ranges === undefined || ranges.some((r) => value >= r.begin && value <= r.end);
}

/** Whether the instant falls in this entry (Alertmanager's ContainsTime). */
export function entryContains(spec: TimeIntervalSpec, at: Date): boolean {
  const local = new Date(at.getTime() + zoneNamed(spec.location).offset(at.getTime()) * 60_000);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  if (spec.times && !spec.times.some((t) => minute >= t.start && minute < t.end)) return false;
  if (spec.daysOfMonth) {
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth();
    const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const day = local.getUTCDate();
    const matches = spec.daysOfMonth.some((r) => {
      const begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
      const end = r.end < 0 ? days + r.end + 1 : r.end;
      if (begin > days) return false;
      return day >= Math.max(begin, -days) && day <= Math.min(end, days);
    });
    if (!matches) return false;
  }
  if (!inAny(local.getUTCMonth() + 1, spec.months)) return false;
  if (!inAny(local.getUTCDay(), spec.weekdays)) return false;
  return inAny(local.getUTCFullYear(), spec.years);
}

/** Whether the instant falls in any entry of a named interval. */
export function intervalContains(entries: TimeIntervalSpec[], at: Date): boolean {
  return entries.some((entry) => entryContains(entry, at));
}
