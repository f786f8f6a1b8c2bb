// Local wall-clock time in an IANA time zone, and the one place where a wall time becomes an
// instant. Schedules, restriction windows and chat commands all go through
// `instantOfWallTime`, so they share the same DST rules (see the top of schedule.ts):
//   - a wall time that does not exist (spring-forward gap) moves forward to the first instant
//     that exists, i.e. the transition itself (02:30 on the gap day in Paris -> 03:00);
//   - a wall time that exists twice (fall-back overlap) means its first, earlier occurrence.
//
// A wall time is represented as "wall milliseconds": milliseconds since 1970-01-01T00:00 as read
// on the local clock, as if the zone were UTC. Calendar arithmetic on wall milliseconds is plain
// integer arithmetic (a local day is always 86 400 000 wall ms, whatever DST does to it).
import { IANAZone } from "luxon";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const zones = new Map<string, IANAZone>();

export function isValidTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** The luxon zone for an IANA name; throws on names that were not validated first. */
export function zoneNamed(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    if (!IANAZone.isValidZone(name)) throw new Error(`Unknown IANA time zone "${name}"`);
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
}

function offsetMs(zone: IANAZone, instantMs: number): number {
  return zone.offset(instantMs) * MINUTE_MS;
}

/** What a clock on the wall in `zone` shows at `instantMs`, as wall milliseconds. */
export function wallTimeOf(instantMs: number, zone: IANAZone): number {
  return instantMs + offsetMs(zone, instantMs);
}

/**
 * The instant at which the wall clock in `zone` shows `wallMs`, following the DST rules above.
 * Assumes at most one offset change within a day of the wall time, which holds for every zone in
 * the tz database since 1970.
 */
export function instantOfWallTime(wallMs: number, zone: IANAZone): number {
  const offsetBefore = offsetMs(zone, wallMs - DAY_MS);
  const offsetAfter = offsetMs(zone, wallMs + DAY_MS);
  const candidates = offsetBefore === offsetAfter ? [offsetBefore] : [offsetBefore, offsetAfter];
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of candidates) {
    const instant = wallMs - offset;
    if (offsetMs(zone, instant) === offset && instant < earliest) earliest = instant;
  }
  if (earliest !== Number.POSITIVE_INFINITY) return earliest;

  // In a gap: the transition lies between the two readings of the wall time. Binary search for
  // the first instant carrying the later offset; that is where the local clock jumps.
  const larger = Math.max(offsetBefore, offsetAfter);
  const smaller = Math.min(offsetBefore, offsetAfter);
  let before = wallMs - larger;
  let after = wallMs - smaller;
  const offsetAtBefore = offsetMs(zone, before);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (offsetMs(zone, middle) === offsetAtBefore) before = middle;
    else after = middle;
  }
  return after;
}

/** Local calendar day number (days since 1970-01-01) of a wall time. */
export function epochDayOf(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** ISO weekday of a local calendar day: 1 = Monday ... 7 = Sunday. */
export function isoWeekdayOf(epochDay: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;

/**
 * Minutes after local midnight for "HH:MM" (00:00 to 23:59, or 24:00 when `allowEndOfDay`), or
 * undefined when the text is not such a time.
 */
export function parseTimeOfDay(text: string, options: { allowEndOfDay?: boolean } = {}): number | undefined {
  const match = TIME_OF_DAY.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0 && options.allowEndOfDay) return 24 * 60;
  if (hours > 23) return undefined;
  return hours * 60 + minutes;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

export interface LocalDateTime {
  /** Local calendar day, days since 1970-01-01. */
  epochDay: number;
  /** Minutes after local midnight, or undefined when only a date was written. */
  minutes: number | undefined;
}

/**
 * Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (no offset: a local time), rejecting dates that do
 * not exist on the calendar (2026-02-30). Undefined when the text is not in that form.
 */
export function parseLocalDateTime(text: string): LocalDateTime | undefined {
  const match = LOCAL_DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const dayStart = Date.UTC(year, month - 1, day);
  const check = new Date(dayStart);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  let minutes: number | undefined;
  if (match[4] !== undefined) {
    minutes = parseTimeOfDay(`${match[4]}:${match[5]}`);
    if (minutes === undefined) return undefined;
  }
  return { epochDay: dayStart / DAY_MS, minutes };
}

/** Wall milliseconds of a local day and a time of day. */
export function wallTimeAt(epochDay: number, minutes: number): number {
  return epochDay * DAY_MS + minutes * MINUTE_MS;
}
