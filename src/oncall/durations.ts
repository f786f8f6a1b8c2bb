// Durations and points in time as responders type them in on-call commands
// (`cover @bob for:4h`, `cover @bob until:18:00`, `override @bob 2026-12-01T09:00 for:1d`) and as
// the configuration writes escalation timeouts (`after: 5m`). Local times are read in the zone
// the caller passes (usually the responder's), with the DST rules of local-time.ts.
import { UserError } from "../errors.ts";
import {
  DAY_MS,
  epochDayOf,
  HOUR_MS,
  instantOfWallTime,
  MINUTE_MS,
  parseLocalDateTime,
  parseTimeOfDay,
  wallTimeAt,
  wallTimeOf,
  zoneNamed,
} from "./local-time.ts";

const DURATION_EXAMPLES = "30m, 4h, 1h30m, 1d, 2w";
const END_EXAMPLES = "for:4h, for:1h30m, until:18:00, until:2026-12-01T09:00";
const INSTANT_EXAMPLES = "now, 18:00, 2026-12-01T09:00, 2026-12-01";

// Seconds exist for short escalation timeouts in drills and tests (`after: 30s`).
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export interface TimeContext {
  /** The present (from the Clock); relative times count from here. */
  at: Date;
  /** IANA zone in which local times such as 18:00 are read. */
  timeZone: string;
}

/** Milliseconds in a duration such as `4h`, `30m`, `1h30m`, `1d`, `2w`, `45s` (units largest first). */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const match = trimmed === "" ? null : DURATION.exec(trimmed);
  if (!match) {
    throw new UserError(`"${text}" is not a duration. Examples: ${DURATION_EXAMPLES}.`, {
      code: "duration.invalid",
    });
  }
  const [weeks, days, hours, minutes, seconds] = [match[1], match[2], match[3], match[4], match[5]].map(
    (part) => Number(part ?? 0),
  );
  const ms =
    (weeks ?? 0) * 7 * DAY_MS +
    (days ?? 0) * DAY_MS +
    (hours ?? 0) * HOUR_MS +
    (minutes ?? 0) * MINUTE_MS +
    (seconds ?? 0) * 1000;
  if (ms === 0)
    throw new UserError(`"${text}" is an empty duration. Examples: ${DURATION_EXAMPLES}.`, {
      code: "duration.empty",
    });
  if (!Number.isSafeInteger(ms))
    throw new UserError(`"${text}" is too long a duration.`, { code: "duration.too_long" });
  return ms;
}

/** `1h30m`, `2d`, `45m`: the inverse of parseDuration for whole minutes (seconds are dropped). */
export function formatDuration(ms: number): string {
  let minutes = Math.floor(Math.abs(ms) / MINUTE_MS);
  if (minutes === 0) return "0m";
  const days = Math.floor(minutes / (24 * 60));
  minutes -= days * 24 * 60;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  return `${days ? `${days}d` : ""}${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}`;
}

/** Like formatDuration, but a delay under a minute shows its seconds (`30s`), as in drills. */
export function formatDelay(ms: number): string {
  return Math.abs(ms) < MINUTE_MS ? `${Math.round(Math.abs(ms) / 1000)}s` : formatDuration(ms);
}

/**
 * A point in time: `now`, a local time of day (`18:00`: its next occurrence at or after `at`), a
 * local date-time (`2026-12-01T09:00`), a local date (`2026-12-01`: its midnight), or an ISO 8601
 * instant with an offset (`2026-12-01T08:00Z`).
 */
export function parseInstant(text: string, context: TimeContext): Date {
  const instant = readInstant(text.trim(), context, "at-or-after");
  if (instant === undefined) {
    throw new UserError(`"${text}" is not a time. Examples: ${INSTANT_EXAMPLES}.`, { code: "time.invalid" });
  }
  return new Date(instant);
}

/**
 * The end of a cover or override: `for:4h` (elapsed time from `at`), `until:18:00` (the next
 * 18:00 after `at`), `until:2026-12-01T09:00`; the prefixes may be left out. Must be after `at`.
 */
export function parseEndTime(text: string, context: TimeContext): Date {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower.startsWith("for:")) return new Date(context.at.getTime() + parseEndDuration(trimmed.slice(4)));
  const hasUntil = lower.startsWith("until:");
  if (!hasUntil && lower !== "" && DURATION.test(lower)) {
    return new Date(context.at.getTime() + parseDuration(trimmed));
  }
  const instant = readInstant(hasUntil ? trimmed.slice(6) : trimmed, context, "after");
  if (instant === undefined) {
    throw new UserError(`"${text}" is not an end time. Examples: ${END_EXAMPLES}.`, {
      code: "time.invalid_end",
    });
  }
  if (instant <= context.at.getTime()) {
    throw new UserError(`"${text}" is not in the future. Examples: ${END_EXAMPLES}.`, {
      code: "time.not_future",
    });
  }
  return new Date(instant);
}

export interface ShiftWindowOptions {
  from?: string;
  until?: string;
  for?: string;
}

/** How an override's times are written, for hints; `command` goes before each example. */
export function shiftWindowExamples(command = ""): string {
  return `${command}from:2026-12-01T09:00 until:2026-12-02T09:00, or ${command}from:2026-12-01T09:00 for:8h`;
}

/**
 * The stretch of an override, from explicit options only: `from:` (when it starts: `now`, `18:00`,
 * `2026-12-01T09:00`, `2026-12-01` for its midnight) and `until:` (when it ends; a time of day is
 * its next occurrence after the start) or `for:` (elapsed time from the start). Nothing is
 * guessed from bare words: `2026-12-01 09:00` could mean either end.
 */
export function parseShiftWindow(
  options: ShiftWindowOptions,
  context: TimeContext,
): { start: Date; end: Date } {
  if (options.from === undefined) {
    throw new UserError(
      `Say when it starts with from: and when it ends with until: or for:, e.g. ${shiftWindowExamples()}.`,
      { code: "shift.window_missing" },
    );
  }
  if (options.until !== undefined && options.for !== undefined)
    throw new UserError("Give until: or for:, not both.", { code: "shift.until_and_for" });
  if (options.until === undefined && options.for === undefined) {
    throw new UserError(`Say when it ends with until: or for:, e.g. ${shiftWindowExamples()}.`, {
      code: "shift.end_missing",
    });
  }
  const start = parseInstant(options.from, context);
  if (options.for !== undefined)
    return { start, end: new Date(start.getTime() + parseEndDuration(options.for)) };
  const until = options.until ?? "";
  const end = readInstant(until.trim(), { at: start, timeZone: context.timeZone }, "after");
  if (end === undefined)
    throw new UserError(`"until:${until}" is not a time. Examples: ${INSTANT_EXAMPLES}.`, {
      code: "time.invalid",
    });
  if (end <= start.getTime()) {
    throw new UserError(
      `The end is ${end === start.getTime() ? "the same as" : "before"} the start: until:${until} is not after from:${options.from}.`,
      { code: "shift.end_before_start" },
    );
  }
  return { start, end: new Date(end) };
}

function parseEndDuration(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UserError(`"for:${text}" needs a duration. Examples: ${END_EXAMPLES}.`, {
      code: "duration.missing",
    });
  }
}

function readInstant(
  text: string,
  context: TimeContext,
  timeOfDay: "at-or-after" | "after",
): number | undefined {
  const at = context.at.getTime();
  if (text.toLowerCase() === "now") return at;
  if (WITH_OFFSET.test(text)) {
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const zone = zoneNamed(context.timeZone);
  const minutes = parseTimeOfDay(text);
  if (minutes !== undefined) {
    const today = epochDayOf(wallTimeOf(at, zone));
    const candidate = instantOfWallTime(wallTimeAt(today, minutes), zone);
    const reached = timeOfDay === "after" ? candidate <= at : candidate < at;
    return reached ? instantOfWallTime(wallTimeAt(today + 1, minutes), zone) : candidate;
  }
  const local = parseLocalDateTime(text);
  if (local) return instantOfWallTime(wallTimeAt(local.epochDay, local.minutes ?? 0), zone);
  return undefined;
}
