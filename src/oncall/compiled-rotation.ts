// A rotation compiled once per configuration object: its shifts by arithmetic from the anchor
// (rule 7 of schedule.ts's DST rules) and its restriction windows, with bounded memo tables.
import type { IANAZone } from "luxon";
import type { Rotation, Weekday } from "./config.ts";
import {
  DAY_MS,
  epochDayOf,
  HOUR_MS,
  instantOfWallTime,
  isoWeekdayOf,
  parseLocalDateTime,
  parseTimeOfDay,
  wallTimeAt,
  wallTimeOf,
  zoneNamed,
} from "./local-time.ts";

/** One shift of one rotation, regardless of restriction windows. */
export interface Shift {
  personId: string;
  start: Date;
  end: Date;
  /** Shift number counted from the rotation's start (shift 0). */
  index: number;
}

const WEEKDAY_NUMBER: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Memo tables are dropped when they grow past this, to bound memory in long-running processes. */
const MEMO_LIMIT = 4096;

export class CompiledRotation {
  readonly id: string;
  readonly name: string;
  readonly windows: RestrictionWindows | undefined;
  readonly #participants: readonly string[];
  readonly #zone: IANAZone;
  /** Calendar shifts: days per shift; elapsed shifts: undefined. */
  readonly #days: number | undefined;
  readonly #elapsedMs: number;
  readonly #anchorDay: number;
  readonly #handoffMinutes: number;
  readonly #anchor: number;
  readonly #boundaries = new Map<number, number>();

  constructor(rotation: Rotation) {
    this.id = rotation.id;
    this.name = rotation.name ?? rotation.id;
    this.#participants = rotation.participants;
    this.#zone = zoneNamed(rotation.timeZone);
    const start = parseLocalDateTime(rotation.start);
    const handoff = rotation.handoff === undefined ? start?.minutes : parseTimeOfDay(rotation.handoff);
    if (!start || handoff === undefined) {
      throw new Error(
        `Rotation ${rotation.id}: invalid start or handoff (the configuration was not validated)`,
      );
    }
    this.#anchorDay = start.epochDay;
    this.#handoffMinutes = handoff;
    this.#anchor = instantOfWallTime(wallTimeAt(start.epochDay, handoff), this.#zone);
    const every =
      rotation.type === "daily" ? { days: 1 } : rotation.type === "weekly" ? { weeks: 1 } : rotation.every;
    if (!every) throw new Error(`Rotation ${rotation.id}: a custom rotation needs every`);
    this.#days = "days" in every ? every.days : "weeks" in every ? every.weeks * 7 : undefined;
    this.#elapsedMs = "hours" in every ? every.hours * HOUR_MS : 0;
    this.windows = rotation.restrict ? new RestrictionWindows(rotation.restrict, this.#zone) : undefined;
  }

  /** Start of shift `index` (any integer; negative ones precede the rotation's start). */
  boundary(index: number): number {
    if (this.#days === undefined) return this.#anchor + index * this.#elapsedMs;
    let instant = this.#boundaries.get(index);
    if (instant === undefined) {
      const day = this.#anchorDay + index * this.#days;
      instant = instantOfWallTime(wallTimeAt(day, this.#handoffMinutes), this.#zone);
      if (this.#boundaries.size >= MEMO_LIMIT) this.#boundaries.clear();
      this.#boundaries.set(index, instant);
    }
    return instant;
  }

  /** Number of the shift containing `t`; negative before the rotation's start. */
  shiftIndexAt(t: number): number {
    if (this.#days === undefined) return Math.floor((t - this.#anchor) / this.#elapsedMs);
    const localDay = epochDayOf(wallTimeOf(t, this.#zone));
    let index = Math.floor((localDay - this.#anchorDay) / this.#days);
    // The local date gets within one shift; the hand-off time of day settles which side.
    while (t < this.boundary(index)) index--;
    while (t >= this.boundary(index + 1)) index++;
    return index;
  }

  personFor(index: number): string {
    const count = this.#participants.length;
    return this.#participants[((index % count) + count) % count]!;
  }

  shift(index: number): Shift {
    return {
      personId: this.personFor(index),
      start: new Date(this.boundary(index)),
      end: new Date(this.boundary(index + 1)),
      index,
    };
  }
}

interface Coverage {
  covered: boolean;
  /** Coverage is constant over [start, end); the bounds may be nearer than the true changes. */
  start: number;
  end: number;
}

/** How many local days around an instant are searched for window edges (a week and a margin). */
const WINDOW_SEARCH_DAYS = 9;

class RestrictionWindows {
  readonly #windows: { days: Set<number>; from: number; to: number }[];
  readonly #zone: IANAZone;
  readonly #byDay = new Map<number, [number, number][]>();

  constructor(windows: readonly { days: readonly Weekday[]; from: string; to: string }[], zone: IANAZone) {
    this.#zone = zone;
    this.#windows = windows.map((window) => {
      const from = parseTimeOfDay(window.from);
      const to = parseTimeOfDay(window.to, { allowEndOfDay: true });
      if (from === undefined || to === undefined)
        throw new Error("invalid restriction window (not validated)");
      return {
        days: new Set(window.days.map((day) => WEEKDAY_NUMBER[day])),
        from,
        // Not after `from`: the window ends on the next day.
        to: to > from ? to : to + 24 * 60,
      };
    });
  }

  coverageAt(t: number): Coverage {
    const today = epochDayOf(wallTimeOf(t, this.#zone));
    const intervals: [number, number][] = [];
    for (let day = today - WINDOW_SEARCH_DAYS; day <= today + WINDOW_SEARCH_DAYS; day++) {
      intervals.push(...this.#windowsOn(day));
    }
    intervals.sort((a, b) => a[0] - b[0]);
    // A window lasts at most two local days, so coverage is fully known between these instants
    // (a local day is within a day of the same UTC day); answers are clamped to them.
    const knownStart = (today - WINDOW_SEARCH_DAYS + 3) * DAY_MS;
    const knownEnd = (today + WINDOW_SEARCH_DAYS - 1) * DAY_MS;
    const clamped = (covered: boolean, start: number, end: number): Coverage => ({
      covered,
      start: Math.max(start, knownStart),
      end: Math.min(end, knownEnd),
    });

    let uncoveredSince = knownStart;
    let index = 0;
    while (index < intervals.length) {
      let [start, end] = intervals[index]!;
      index++;
      while (index < intervals.length && intervals[index]![0] <= end) {
        end = Math.max(end, intervals[index]![1]);
        index++;
      }
      if (t < start) return clamped(false, uncoveredSince, start);
      if (t < end) return clamped(true, start, end);
      uncoveredSince = end;
    }
    return clamped(false, uncoveredSince, knownEnd);
  }

  /** Window instances starting on local day `day`, as instants, empty ones dropped. */
  #windowsOn(day: number): [number, number][] {
    let instances = this.#byDay.get(day);
    if (!instances) {
      instances = [];
      const weekday = isoWeekdayOf(day);
      for (const window of this.#windows) {
        if (!window.days.has(weekday)) continue;
        const start = instantOfWallTime(wallTimeAt(day, window.from), this.#zone);
        const end = instantOfWallTime(wallTimeAt(day, window.to), this.#zone);
        if (end > start) instances.push([start, end]);
      }
      if (this.#byDay.size >= MEMO_LIMIT) this.#byDay.clear();
      this.#byDay.set(day, instances);
    }
    return instances;
  }
}

const compiledRotations = new WeakMap<Rotation, CompiledRotation>();

export function compileRotation(rotation: Rotation): CompiledRotation {
  let compiled = compiledRotations.get(rotation);
  if (!compiled) {
    compiled = new CompiledRotation(rotation);
    compiledRotations.set(rotation, compiled);
  }
  return compiled;
}
