// Who is on call, when: pure time math over a team's rotations and overrides. Nothing here reads
// a clock or the database; instants come in as parameters.
//
// DST RULES (the contract; test/unit/oncall/schedule-dst.test.ts holds the code to it)
//
// 1. Hand-offs are wall-clock times in the rotation's `timeZone`. A rotation that hands off at
//    09:00 hands off at 09:00 local on every hand-off day, before and after a DST change.
// 2. `daily`, `weekly`, `every: { days: N }` and `every: { weeks: N }` shifts last N calendar
//    days (or weeks) in the rotation's zone, not N x 24 hours. A shift that spans the
//    spring-forward change is an hour shorter (a daily shift lasts 23 h, a weekly one 167 h), one
//    that spans the fall-back change an hour longer (25 h, 169 h).
// 3. A hand-off time that does not exist on its day (it falls in the spring-forward gap, e.g.
//    02:30 in Europe/Paris on 2026-03-29) happens at the first instant that does exist after it,
//    which is the moment of the change (03:00 local). On other days it is 02:30 again.
// 4. A hand-off time that exists twice on its day (the fall-back overlap, e.g. 02:30 in
//    Europe/Paris on 2026-10-25) happens at its first, earlier occurrence (02:30 +02:00).
// 5. `every: { hours: N }` shifts last exactly N elapsed hours, counted from the first hand-off.
//    Their hand-offs move by an hour on the local clock across a DST change: equal shifts are
//    what hours were asked for.
// 6. Restriction windows (`restrict`) are wall-clock times on their days, like hand-offs, with
//    rules 3 and 4; a night window spanning a change is an hour shorter or longer.
// 7. Shift number k (shift 0 starts at `start`) is computed by arithmetic: the number of whole
//    periods between the anchor's local date and the instant's local date, corrected by at most
//    one step for the time of day. Nothing loops over the shifts since the anchor, so an anchor
//    ten years back costs the same as yesterday's. Before `start` a rotation covers nothing.
//
// LAYERS AND OVERRIDES
//
// - A team's rotations are layers, listed top-most first. At any instant, the first rotation
//   that has started and whose `restrict` windows (if any) cover the instant decides who is on
//   call. A rotation without `restrict` covers all the time, so nothing below it is ever used.
// - A layerless override (no rotationId) covering the instant wins over every layer. An override
//   for a rotation replaces that rotation's person only while that rotation is the one deciding.
//   When several overrides apply, the most recently created wins.
// - When nothing covers an instant, nobody is on call: whoIsOnCall says so with `personId: null`
//   and coverageGaps lists such times, so a schedule table can show the hole.
//
// A schedule is piecewise constant. `pieceAt` finds an interval around an instant over which
// nothing changes (bounded by the nearest hand-offs, window edges and override edges); walking
// from piece to piece, and merging neighbours with the same person and source, yields the
// segments everything else is built on.
import { type CompiledRotation, compileRotation, type Shift } from "./compiled-rotation.ts";
import type { Rotation, Team } from "./config.ts";
import { DAY_MS } from "./local-time.ts";
import type { Override } from "./override.ts";

export type { Shift };

/** How far whoIsOnCall and nextHandoff look for the next change before answering "none". */
export const SEARCH_HORIZON_MS = 366 * DAY_MS;

/** Why someone is on call. */
export type OnCallSource =
  | { kind: "rotation"; rotationId: string; rotationName: string }
  | { kind: "override"; overrideId: string; rotationId: string | null }
  | { kind: "nobody" };

export interface OnCall {
  /** The configuration's person id, or null when no layer or override covers the instant. */
  personId: string | null;
  source: OnCallSource;
  /** When this person and source took over; null if not within SEARCH_HORIZON_MS. */
  since: Date | null;
  /** When the person or the source changes next; null if not within SEARCH_HORIZON_MS. */
  until: Date | null;
}

/** A stretch of time with one person on call for one reason, for schedule tables and calendars. */
export interface ScheduleSegment {
  personId: string;
  source: Exclude<OnCallSource, { kind: "nobody" }>;
  start: Date;
  end: Date;
}

export interface Handoff {
  at: Date;
  fromPersonId: string | null;
  toPersonId: string | null;
  /** Why `toPersonId` is on call from then on. */
  source: OnCallSource;
}

/** What the schedule functions need of a team: its layers. */
export type ScheduledTeam = Pick<Team, "rotations">;

// ---------------------------------------------------------------------------------------------
// One rotation

/** The shift of `rotation` containing `at`, or null before the rotation's start. */
export function rotationShiftAt(rotation: Rotation, at: Date): Shift | null {
  const compiled = compileRotation(rotation);
  const index = compiled.shiftIndexAt(at.getTime());
  return index < 0 ? null : compiled.shift(index);
}

/** The first shift of `rotation` that starts after `at`; its start is the next hand-off. */
export function nextRotationShift(rotation: Rotation, at: Date): Shift {
  const compiled = compileRotation(rotation);
  return compiled.shift(Math.max(0, compiled.shiftIndexAt(at.getTime()) + 1));
}

/** The shifts of `rotation` that overlap [from, to), whole (not cut at from and to). */
export function rotationShiftsBetween(rotation: Rotation, from: Date, to: Date): Shift[] {
  const compiled = compileRotation(rotation);
  const shifts: Shift[] = [];
  const end = to.getTime();
  if (end <= from.getTime()) return shifts;
  for (
    let index = Math.max(0, compiled.shiftIndexAt(from.getTime()));
    compiled.boundary(index) < end;
    index++
  ) {
    shifts.push(compiled.shift(index));
  }
  return shifts;
}

// ---------------------------------------------------------------------------------------------
// A team: layers and overrides

/** Who is on call for `team` at `at`, why, and from when until when. */
export function whoIsOnCall(team: ScheduledTeam, overrides: readonly Override[], at: Date): OnCall {
  const schedule = new TeamSchedule(team, overrides);
  const t = at.getTime();
  const piece = schedule.pieceAt(t);
  const start = schedule.extendBackward(piece, t - SEARCH_HORIZON_MS);
  const end = schedule.extendForward(piece, t + SEARCH_HORIZON_MS);
  return {
    personId: piece.assignment.personId,
    source: piece.assignment.source,
    since: start > t - SEARCH_HORIZON_MS ? new Date(start) : null,
    until: end < t + SEARCH_HORIZON_MS ? new Date(end) : null,
  };
}

/**
 * Only who is on call at `at` (a person id, or null): what paging needs, without whoIsOnCall's
 * search for when that shift started and ends (most of its cost).
 */
export function onCallPersonAt(team: ScheduledTeam, overrides: readonly Override[], at: Date): string | null {
  return new TeamSchedule(team, overrides).pieceAt(at.getTime()).assignment.personId;
}

/**
 * Who is on call over [from, to), as contiguous segments cut at `from` and `to`, neighbours
 * merged when the person and the source are the same. Times nobody covers are left out (see
 * coverageGaps), so when the layers cover all times the segments have no gaps.
 */
export function shiftsBetween(
  team: ScheduledTeam,
  overrides: readonly Override[],
  from: Date,
  to: Date,
): ScheduleSegment[] {
  const segments: ScheduleSegment[] = [];
  for (const { assignment, start, end } of new TeamSchedule(team, overrides).segments(
    from.getTime(),
    to.getTime(),
  )) {
    const { personId, source } = assignment;
    if (personId !== null && source.kind !== "nobody") {
      segments.push({ personId, source, start: new Date(start), end: new Date(end) });
    }
  }
  return segments;
}

/** The stretches of [from, to) when nobody is on call for `team`. */
export function coverageGaps(
  team: ScheduledTeam,
  overrides: readonly Override[],
  from: Date,
  to: Date,
): { start: Date; end: Date }[] {
  return new TeamSchedule(team, overrides)
    .segments(from.getTime(), to.getTime())
    .filter(({ assignment }) => assignment.personId === null)
    .map(({ start, end }) => ({ start: new Date(start), end: new Date(end) }));
}

/**
 * The next instant after `at` when a different person (or nobody) goes on call for `team`;
 * changes of source alone (same person, another layer) are not hand-offs. Null when nothing
 * changes within SEARCH_HORIZON_MS.
 */
export function nextHandoff(team: ScheduledTeam, overrides: readonly Override[], at: Date): Handoff | null {
  const schedule = new TeamSchedule(team, overrides);
  const t = at.getTime();
  const current = schedule.pieceAt(t);
  const limit = t + SEARCH_HORIZON_MS;
  for (let cursor = current.end; cursor < limit; ) {
    const piece = schedule.pieceAt(cursor);
    if (piece.assignment.personId !== current.assignment.personId) {
      return {
        at: new Date(cursor),
        fromPersonId: current.assignment.personId,
        toPersonId: piece.assignment.personId,
        source: piece.assignment.source,
      };
    }
    cursor = piece.end;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The engine

interface Assignment {
  personId: string | null;
  source: OnCallSource;
}

/** An interval [start, end) around some instant over which the assignment does not change. */
interface Piece {
  assignment: Assignment;
  start: number;
  end: number;
}

interface PreparedOverride {
  id: string;
  personId: string;
  start: number;
  end: number;
  rotationId: string | null;
}

const NOBODY: Assignment = { personId: null, source: { kind: "nobody" } };

class TeamSchedule {
  readonly #rotations: CompiledRotation[];
  /** Oldest first, so the last one that applies is the most recently created. */
  readonly #overrides: PreparedOverride[];

  constructor(team: ScheduledTeam, overrides: readonly Override[]) {
    this.#rotations = team.rotations.map(compileRotation);
    this.#overrides = overrides
      .map((override, order) => ({ override, order }))
      .filter(({ override }) => override.end.getTime() > override.start.getTime())
      .sort((a, b) => a.override.createdAt.getTime() - b.override.createdAt.getTime() || a.order - b.order)
      .map(({ override }) => ({
        id: override.id,
        personId: override.personId,
        start: override.start.getTime(),
        end: override.end.getTime(),
        rotationId: override.rotationId ?? null,
      }));
  }

  pieceAt(t: number): Piece {
    let start = Number.NEGATIVE_INFINITY;
    let end = Number.POSITIVE_INFINITY;
    const active: PreparedOverride[] = [];
    for (const override of this.#overrides) {
      if (override.start <= t && t < override.end) {
        active.push(override);
        start = Math.max(start, override.start);
        end = Math.min(end, override.end);
      } else if (override.start > t) end = Math.min(end, override.start);
      else start = Math.max(start, override.end);
    }
    const latest = (rotationId: string | null) =>
      active.findLast((override) => override.rotationId === rotationId);

    const layerless = latest(null);
    if (layerless) return { assignment: fromOverride(layerless), start, end };

    for (const rotation of this.#rotations) {
      const index = rotation.shiftIndexAt(t);
      if (index < 0) {
        end = Math.min(end, rotation.boundary(0));
        continue;
      }
      if (rotation.windows) {
        const coverage = rotation.windows.coverageAt(t);
        start = Math.max(start, coverage.start);
        end = Math.min(end, coverage.end);
        if (!coverage.covered) continue;
      }
      start = Math.max(start, rotation.boundary(index));
      end = Math.min(end, rotation.boundary(index + 1));
      const scoped = latest(rotation.id);
      const assignment: Assignment = scoped
        ? fromOverride(scoped)
        : {
            personId: rotation.personFor(index),
            source: { kind: "rotation", rotationId: rotation.id, rotationName: rotation.name },
          };
      return { assignment, start, end };
    }
    return { assignment: NOBODY, start, end };
  }

  /** End of the run of pieces with `piece`'s assignment, looking no further than `limit`. */
  extendForward(piece: Piece, limit: number): number {
    let end = piece.end;
    while (end < limit) {
      const next = this.pieceAt(end);
      if (!sameAssignment(next.assignment, piece.assignment)) break;
      end = next.end;
    }
    return Math.min(end, limit);
  }

  /** Start of the run of pieces with `piece`'s assignment, looking no further back than `limit`. */
  extendBackward(piece: Piece, limit: number): number {
    let start = piece.start;
    while (start > limit) {
      const previous = this.pieceAt(start - 1);
      if (!sameAssignment(previous.assignment, piece.assignment)) break;
      start = previous.start;
    }
    return Math.max(start, limit);
  }

  /** Maximal runs of one assignment covering [from, to), cut at from and to. */
  segments(from: number, to: number): Piece[] {
    const segments: Piece[] = [];
    for (let cursor = from; cursor < to; ) {
      const piece = this.pieceAt(cursor);
      const end = this.extendForward(piece, to);
      segments.push({ assignment: piece.assignment, start: cursor, end });
      cursor = end;
    }
    return segments;
  }
}

function fromOverride(override: PreparedOverride): Assignment {
  return {
    personId: override.personId,
    source: { kind: "override", overrideId: override.id, rotationId: override.rotationId },
  };
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  return a.personId === b.personId && sourceKey(a.source) === sourceKey(b.source);
}

/** A string naming a source exactly, for comparisons and stable calendar UIDs. */
export function sourceKey(source: OnCallSource): string {
  switch (source.kind) {
    case "rotation":
      return `rotation:${source.rotationId}`;
    case "override":
      return `override:${source.overrideId}`;
    case "nobody":
      return "nobody";
  }
}
