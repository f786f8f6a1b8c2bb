// Builds rotations and overrides for schedule tests, and reads instants as local times, so tests
// say "09:00 in Paris" instead of computing UTC by hand. Expectations use luxon directly, an
// implementation independent of src/oncall/local-time.ts.
import { DateTime } from "luxon";
import type { Rotation } from "../../../src/oncall/config.ts";
import type { Override } from "../../../src/oncall/override.ts";

export function rotation(fields: Partial<Rotation> & Pick<Rotation, "timeZone">): Rotation {
  return {
    id: "primary",
    type: "daily",
    participants: ["alice", "bob", "carol"],
    start: "2026-01-05",
    handoff: "09:00",
    ...fields,
  };
}

/** The instant of an unambiguous local date-time in `zone`. */
export function local(isoLocal: string, zone: string): Date {
  const dateTime = DateTime.fromISO(isoLocal, { zone });
  if (!dateTime.isValid) throw new Error(`bad local time ${isoLocal}`);
  return dateTime.toJSDate();
}

/** How `instant` reads on a wall clock in `zone`, e.g. "2026-03-29 09:00 +02:00". */
export function wall(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat("yyyy-MM-dd HH:mm ZZ");
}

export function hoursBetween(start: Date, end: Date): number {
  return (end.getTime() - start.getTime()) / 3_600_000;
}

let overrideSequence = 0;

/** An override; each call is "created" after the previous one unless createdAt is given. */
export function override(
  personId: string,
  start: Date | string,
  end: Date | string,
  fields: Partial<Override> = {},
): Override {
  overrideSequence++;
  return {
    id: `ov-${overrideSequence}`,
    personId,
    start: new Date(start),
    end: new Date(end),
    createdAt: new Date(Date.UTC(2025, 0, 1) + overrideSequence * 1000),
    ...fields,
  };
}
