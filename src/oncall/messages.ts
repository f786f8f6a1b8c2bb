// How on-call answers look in chat (`/oncall who`, `schedule`, `teams`), as neutral messages.
// Times are shown in the team's zone (its first rotation's), named, so nobody has to guess.
import { context, fields, heading, type Message, table, text } from "../chat/message.ts";
import type { Team } from "./config.ts";
import type { Handoff, OnCall, OnCallSource, ScheduleSegment } from "./schedule.ts";

/** `Tue 10 Mar 09:00 CET` */
export function formatLocal(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("day")} ${part("month")} ${part("hour")}:${part("minute")} ${part("timeZoneName")}`;
}

export function describeSource(source: OnCallSource): string {
  switch (source.kind) {
    case "rotation":
      return source.rotationName;
    case "override":
      return source.rotationId ? `override (${source.rotationId})` : "override";
    case "nobody":
      return "nobody";
  }
}

export interface WhoEntry {
  team: Team;
  zone: string;
  onCall: OnCall;
  next: Handoff | null;
}

export function whoMessage(entries: WhoEntry[], nameOf: (configPersonId: string) => string): Message {
  const lines = entries.map(({ team, zone, onCall, next }) => {
    const who =
      onCall.personId === null
        ? "⚠️ nobody is on call"
        : `${nameOf(onCall.personId)} is on call (${describeSource(onCall.source)})`;
    const since = onCall.since ? ` since ${formatLocal(onCall.since, zone)}` : "";
    const handoff = next
      ? `next: ${next.toPersonId === null ? "nobody (a gap)" : nameOf(next.toPersonId)} from ${formatLocal(next.at, zone)}`
      : "no hand-off in the coming year";
    return `${team.name} (${team.id}): ${who}${since}; ${handoff}.`;
  });
  return { blocks: [text(lines.join("\n"))] };
}

export interface ScheduleRow {
  start: Date;
  end: Date;
  personId: string | null;
  source: OnCallSource;
}

/** The segments and the gaps, in time order, as one table. */
export function scheduleRows(segments: ScheduleSegment[], gaps: { start: Date; end: Date }[]): ScheduleRow[] {
  const rows: ScheduleRow[] = [
    ...segments.map((s) => ({
      start: s.start,
      end: s.end,
      personId: s.personId,
      source: s.source as OnCallSource,
    })),
    ...gaps.map((g) => ({ start: g.start, end: g.end, personId: null, source: { kind: "nobody" } as const })),
  ];
  return rows.sort((a, b) => a.start.getTime() - b.start.getTime());
}

export function scheduleMessage(
  team: Team,
  rows: ScheduleRow[],
  days: number,
  zone: string,
  nameOf: (configPersonId: string) => string,
): Message {
  const gaps = rows.filter((r) => r.personId === null).length;
  return {
    blocks: [
      heading(`${team.name}: on call for the next ${days} day${days === 1 ? "" : "s"} (times in ${zone})`),
      table(
        ["From", "To", "On call", "Why"],
        rows.map((row) => [
          formatLocal(row.start, zone),
          formatLocal(row.end, zone),
          row.personId === null ? "⚠️ NOBODY (gap)" : nameOf(row.personId),
          describeSource(row.source),
        ]),
      ),
      context(
        gaps
          ? `${gaps} gap${gaps === 1 ? "" : "s"} in coverage: a page to the on-call then goes straight to the next escalation level.`
          : "No gaps in coverage.",
      ),
    ],
  };
}

export interface TeamEntry {
  team: Team;
  onCallName: string;
  leads: string;
  policy: string;
}

export function teamsMessage(entries: TeamEntry[], defaultTeamId: string | undefined): Message {
  return {
    blocks: [
      table(
        ["Team", "Name", "On call now", "Members", "Leads", "Escalation", "Pages on"],
        entries.map(({ team, onCallName, leads, policy }) => [
          team.id === defaultTeamId ? `${team.id} (default)` : team.id,
          team.name,
          onCallName,
          String(team.members.length),
          leads,
          policy,
          team.paging.severities.map((s) => `SEV${s}`).join(", ") || "none",
        ]),
      ),
      context(
        "`/oncall who <team>`, `/oncall schedule <team>`; incidents declared without team: belong to the default team.",
      ),
    ],
  };
}

export function feedsMessage(links: Array<{ label: string; url: string }>): Message {
  return {
    blocks: [
      text("Calendar feeds (subscribe in your calendar app; keep the links private):"),
      fields(links.map(({ label, url }) => [label, url])),
    ],
  };
}
