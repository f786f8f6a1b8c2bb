// iCalendar (RFC 5545) feeds of on-call shifts, per team and per person, for calendar apps to
// subscribe to (`GET /oncall/<team>.ics?token=...`). Each feed is protected by its own token, an
// HMAC of the feed id, so a leaked link exposes one feed and can be revoked by rotating the
// secret.
//
// Events are the merged segments of schedule.ts, shown whole even where they cross the edges of
// the window. UIDs are derived from the feed, team, person, source and start of the segment, so a
// refreshed feed updates events in place instead of duplicating them. Times are written in UTC;
// calendar apps show them in the viewer's zone.
//
// Versions (RFC 5545 3.8.7.2 DTSTAMP, 3.8.7.4 SEQUENCE) are derived, never taken from the clock,
// so every fetch and every replica gives the same answer: an event's SEQUENCE counts the
// override changes (each creation and each removal) that touch its undisturbed span (the
// rotation's shift as it would be without overrides, or the override's own stretch), and its
// DTSTAMP is the latest of those changes, else when the rotation (or the override) began. A
// cover shortening a shift, or its removal restoring it, so raises the shift's SEQUENCE; removed
// overrides stay in the database for this (directory.ts).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import ical, { ICalEventTransparency } from "ical-generator";
import { UserError } from "../errors.ts";
import type { OncallConfig, OncallPerson, Team } from "./config.ts";
import { DAY_MS } from "./local-time.ts";
import type { Override } from "./override.ts";
import {
  nextRotationShift,
  type ScheduleSegment,
  shiftsBetween,
  sourceKey,
  whoIsOnCall,
} from "./schedule.ts";

export const FEED_DAYS_BACK = 14;
export const FEED_DAYS_FORWARD = 60;
/** How often calendar apps are asked to refresh (REFRESH-INTERVAL / X-PUBLISHED-TTL). */
const FEED_TTL_SECONDS = 3600;

export interface FeedWindow {
  from: Date;
  to: Date;
}

/** The window a feed covers around `at`: two weeks back (recent history), two months ahead. */
export function feedWindow(
  at: Date,
  days = { back: FEED_DAYS_BACK, forward: FEED_DAYS_FORWARD },
): FeedWindow {
  return {
    from: new Date(at.getTime() - days.back * DAY_MS),
    to: new Date(at.getTime() + days.forward * DAY_MS),
  };
}

export interface FeedInput {
  config: OncallConfig;
  /** Overrides per team id as stored in the database, removed ones included; a missing team has none. */
  overridesByTeam: ReadonlyMap<string, readonly Override[]>;
  window: FeedWindow;
}

/** The team's feed: one event per segment, "<person> on call". */
export function teamCalendar(input: FeedInput & { teamId: string }): string {
  const team = input.config.teams.find((candidate) => candidate.id === input.teamId);
  if (!team) throw new UserError(`There is no team "${input.teamId}".`, { code: "team.not_found" });
  const people = new Map(input.config.people.map((person) => [person.id, person]));
  const feedId = teamFeedId(team.id);
  const calendar = newCalendar(`On call: ${team.name}`);
  for (const segment of wholeSegments(team, input)) {
    const person = people.get(segment.personId);
    calendar.createEvent(
      eventFor(feedId, team, segment, `${person?.name ?? segment.personId} on call`, input),
    );
  }
  return withFinalCrlf(calendar.toString());
}

/** The person's feed: their segments in every team, "On call: <team>". */
export function personCalendar(input: FeedInput & { personId: string }): string {
  const person = input.config.people.find((candidate) => candidate.id === input.personId);
  if (!person)
    throw new UserError(`There is no person "${input.personId}" in the on-call configuration.`, {
      code: "person.not_configured",
    });
  const feedId = personFeedId(person.id);
  const calendar = newCalendar(`On call: ${person.name}`);
  for (const team of input.config.teams) {
    for (const segment of wholeSegments(team, input)) {
      if (segment.personId !== person.id) continue;
      calendar.createEvent(eventFor(feedId, team, segment, `On call: ${team.name}`, input, person));
    }
  }
  return withFinalCrlf(calendar.toString());
}

export function teamFeedId(teamId: string): string {
  return `team:${teamId}`;
}

export function personFeedId(personId: string): string {
  return `person:${personId}`;
}

/** The token that unlocks one feed: HMAC-SHA256(secret, feedId) in hex. */
export function feedToken(secret: string, feedId: string): string {
  if (secret === "") throw new Error("The calendar feed secret is empty");
  return createHmac("sha256", secret).update(feedId).digest("hex");
}

/** Constant-time check of a feed token taken from a request. */
export function verifyFeedToken(secret: string, feedId: string, token: string): boolean {
  // Computed whatever was sent, so every request does the same work.
  const expected = Buffer.from(feedToken(secret, feedId), "hex");
  if (!/^[0-9a-f]{64}$/i.test(token)) return false;
  return timingSafeEqual(Buffer.from(token, "hex"), expected);
}

function newCalendar(name: string) {
  return ical({
    name,
    prodId: { company: "tocsin", product: "oncall", language: "EN" },
    ttl: FEED_TTL_SECONDS,
  });
}

/** The team's segments in the window, the first and last ones extended to their true edges. */
function wholeSegments(team: Team, input: FeedInput): ScheduleSegment[] {
  const overrides = (input.overridesByTeam.get(team.id) ?? []).filter((override) => !override.removedAt);
  const { from, to } = input.window;
  const segments = shiftsBetween(team, overrides, from, to);
  const first = segments[0];
  if (first && first.start.getTime() === from.getTime()) {
    segments[0] = { ...first, start: whoIsOnCall(team, overrides, from).since ?? first.start };
  }
  const lastIndex = segments.length - 1;
  const last = segments[lastIndex];
  if (last && last.end.getTime() === to.getTime()) {
    const onCall = whoIsOnCall(team, overrides, new Date(to.getTime() - 1));
    segments[lastIndex] = { ...last, end: onCall.until ?? last.end };
  }
  return segments;
}

function eventFor(
  feedId: string,
  team: Team,
  segment: ScheduleSegment,
  summary: string,
  input: FeedInput,
  person?: OncallPerson,
) {
  const why =
    segment.source.kind === "rotation"
      ? `Rotation: ${segment.source.rotationName}`
      : "Override (arranged in chat)";
  const version = eventVersion(team, segment, input.overridesByTeam.get(team.id) ?? []);
  return {
    id: eventUid(feedId, team.id, segment),
    start: segment.start,
    end: segment.end,
    stamp: version.stamp,
    sequence: version.sequence,
    summary,
    description: [`Team: ${team.name}`, why, person ? undefined : `Person: ${segment.personId}`]
      .filter((line) => line !== undefined)
      .join("\n"),
    transparency: ICalEventTransparency.TRANSPARENT,
  };
}

/** Same feed, team, person, source and start: same UID, whenever the feed is generated. */
function eventUid(feedId: string, teamId: string, segment: ScheduleSegment): string {
  const identity = [feedId, teamId, segment.personId, sourceKey(segment.source), segment.start.toISOString()];
  return `${createHash("sha256").update(identity.join("\n")).digest("hex").slice(0, 32)}@tocsin`;
}

/**
 * The version of an event, from the override history alone (see the header): the number of
 * override changes touching its undisturbed span, and when the latest of them happened.
 */
function eventVersion(
  team: Team,
  segment: ScheduleSegment,
  history: readonly Override[],
): { sequence: number; stamp: Date } {
  let span: { start: number; end: number };
  let stamp: number;
  if (segment.source.kind === "override") {
    const overrideId = segment.source.overrideId;
    const own = history.find((override) => override.id === overrideId);
    span = { start: (own?.start ?? segment.start).getTime(), end: (own?.end ?? segment.end).getTime() };
    stamp = (own?.createdAt ?? segment.start).getTime();
  } else {
    const rotationId = segment.source.rotationId;
    const undisturbed = whoIsOnCall(team, [], segment.start);
    span = {
      start: (undisturbed.since ?? segment.start).getTime(),
      end: (undisturbed.until ?? segment.end).getTime(),
    };
    const rotation = team.rotations.find((candidate) => candidate.id === rotationId);
    stamp = rotation ? nextRotationShift(rotation, new Date(0)).start.getTime() : span.start;
  }
  let sequence = 0;
  for (const override of history) {
    if (segment.source.kind === "override" && override.id === segment.source.overrideId) continue;
    if (override.start.getTime() > span.end || override.end.getTime() < span.start) continue;
    sequence++;
    stamp = Math.max(stamp, override.createdAt.getTime());
    if (override.removedAt) {
      sequence++;
      stamp = Math.max(stamp, override.removedAt.getTime());
    }
  }
  return { sequence, stamp: new Date(stamp) };
}

/** RFC 5545 3.1: every content line ends with CRLF, the last one too (ical-generator omits it). */
function withFinalCrlf(text: string): string {
  return text.endsWith("\r\n") ? text : `${text}\r\n`;
}
