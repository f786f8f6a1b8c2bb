// Fire times of a cron expression in an IANA time zone, as pure functions of an instant, so that
// catch-up at start ("the last fire time before now") and the keys of scheduled jobs are computed
// from the injected clock and tested without waiting. node-cron only wakes the process up; which
// fire time a wake-up stands for is decided here (see cron-triggers.ts).
//
// The syntax is node-cron's (5 fields, or 6 with seconds first; names such as mon-fri and jan;
// @daily and the other nicknames), parsed by node-cron itself so both read an expression alike.
// Not accepted, because cron implementations disagree on them: the L, W and # tokens, and a day of
// month together with a day of week (classic cron fires when either matches, node-cron when both do).
//
// Daylight saving time: a local time that does not exist on a day (the spring-forward gap) does
// not fire that day; a local time that happens twice (fall back) fires once, at its first
// occurrence. So "30 2 * * *" in Europe/Berlin skips the last Sunday of March and fires once on
// the last Sunday of October.
import { IANAZone } from "luxon";
import cron, { type ParsedFields } from "node-cron";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far to look for a fire time: long enough for "29 Feb" schedules (every 4 or 8 years). */
const SEARCH_DAYS = 366 * 9;

export class CronExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronExpressionError";
  }
}

interface LocalDay {
  year: number;
  month: number;
  day: number;
}

export class CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  readonly #zone: IANAZone;
  readonly #seconds: number[];
  readonly #minutes: number[];
  readonly #hours: number[];
  readonly #days: ReadonlySet<number>;
  readonly #months: ReadonlySet<number>;
  readonly #weekdays: ReadonlySet<number>;

  private constructor(expression: string, timeZone: string, zone: IANAZone, fields: ParsedFields) {
    this.expression = expression;
    this.timeZone = timeZone;
    this.#zone = zone;
    this.#seconds = numbers(fields.second).sort((a, b) => a - b);
    this.#minutes = numbers(fields.minute).sort((a, b) => a - b);
    this.#hours = numbers(fields.hour).sort((a, b) => a - b);
    this.#days = new Set(numbers(fields.dayOfMonth));
    this.#months = new Set(numbers(fields.month));
    this.#weekdays = new Set(numbers(fields.dayOfWeek));
  }

  /** Throws a CronExpressionError saying what is wrong, in words a person can act on. */
  static parse(expression: string, timeZone: string): CronSchedule {
    const zone = IANAZone.create(timeZone);
    if (!zone.isValid) {
      throw new CronExpressionError(`"${timeZone}" is not an IANA time zone such as Europe/Berlin or UTC`);
    }
    const trimmed = expression.trim();
    const validation = cron.validateDetailed(trimmed);
    if (!validation.valid) {
      const problems = validation.errors.map((error) => error.message).join("; ");
      throw new CronExpressionError(
        `"${expression}" is not a cron expression (${problems}); write minute hour day-of-month month day-of-week, e.g. "0 8 * * 1-5"`,
      );
    }
    const fields = cron.parse(trimmed);
    const special = [...fields.dayOfMonth, ...fields.dayOfWeek].find((value) => typeof value === "string");
    if (special !== undefined) {
      throw new CronExpressionError(
        `"${expression}" uses "${special}": the L, W and # forms are not supported; list the days instead`,
      );
    }
    const everyDayOfMonth = fields.dayOfMonth.length === 31;
    const everyWeekday = fields.dayOfWeek.length === 7;
    if (!everyDayOfMonth && !everyWeekday) {
      throw new CronExpressionError(
        `"${expression}" restricts both the day of month and the day of week, which cron implementations read differently; restrict only one of them`,
      );
    }
    const schedule = new CronSchedule(trimmed, timeZone, zone, fields);
    if (schedule.next(new Date(0)) === undefined) {
      throw new CronExpressionError(`"${expression}" never fires (no such day in any year)`);
    }
    return schedule;
  }

  /** The latest fire time at or before `instant`; undefined when there is none within years. */
  previous(instant: Date): Date | undefined {
    const limit = instant.getTime();
    // Start a day late: a fall-back overlap just after midnight can put a next-day local time
    // before the instant.
    let day = addDays(this.#localDay(limit), 1);
    for (let i = 0; i < SEARCH_DAYS; i++, day = addDays(day, -1)) {
      if (!this.#firesOn(day)) continue;
      for (const hour of this.#hours.toReversed()) {
        for (const minute of this.#minutes.toReversed()) {
          for (const second of this.#seconds.toReversed()) {
            const at = this.#instantOf(day, hour, minute, second);
            if (at !== undefined && at <= limit) return new Date(at);
          }
        }
      }
    }
    return undefined;
  }

  /** The earliest fire time strictly after `instant`; undefined when there is none within years. */
  next(instant: Date): Date | undefined {
    const limit = instant.getTime();
    let day = addDays(this.#localDay(limit), -1);
    for (let i = 0; i < SEARCH_DAYS; i++, day = addDays(day, 1)) {
      if (!this.#firesOn(day)) continue;
      for (const hour of this.#hours) {
        for (const minute of this.#minutes) {
          for (const second of this.#seconds) {
            const at = this.#instantOf(day, hour, minute, second);
            if (at !== undefined && at > limit) return new Date(at);
          }
        }
      }
    }
    return undefined;
  }

  #firesOn(day: LocalDay): boolean {
    const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
    return this.#months.has(day.month) && this.#days.has(day.day) && this.#weekdays.has(weekday);
  }

  /**
   * The instant a local wall-clock time happens in the zone: undefined in a spring-forward gap,
   * the first of the two in a fall-back overlap.
   */
  #instantOf(day: LocalDay, hour: number, minute: number, second: number): number | undefined {
    const wall = Date.UTC(day.year, day.month - 1, day.day, hour, minute, second);
    // Offsets change at most once around a given day, so the offsets a day before and after
    // are the only candidates; a candidate is real when the zone has that offset at that instant.
    let earliest: number | undefined;
    for (const offset of new Set([this.#zone.offset(wall - DAY_MS), this.#zone.offset(wall + DAY_MS)])) {
      const candidate = wall - offset * MINUTE_MS;
      if (this.#zone.offset(candidate) === offset && (earliest === undefined || candidate < earliest)) {
        earliest = candidate;
      }
    }
    return earliest;
  }

  #localDay(instant: number): LocalDay {
    const local = new Date(instant + this.#zone.offset(instant) * MINUTE_MS);
    return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
  }
}

function numbers(values: ReadonlyArray<number | string>): number[] {
  return values.filter((value): value is number => typeof value === "number");
}

function addDays(day: LocalDay, days: number): LocalDay {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}
