// How regulatory deadlines read in chat: the warnings posted in the incident's rooms, the table
// of `/inc deadlines`, and the due time of a milestone that may not be known yet ("one month
// after the incident notification", "on request").
import { type ButtonCommand, commandLine } from "../chat/button-command.ts";
import { actions, context, type Message, table, text } from "../chat/message.ts";
import type { Incident, IncidentDeadline } from "../generated/prisma/client.ts";
import { formatDelay } from "../oncall/durations.ts";
import { type DeadlineOffset, describeOffset } from "./deadline-presets.ts";
import { formatTime } from "./render.ts";

export type WarningKind = "ahead" | "due";

/** The due time, or when it will be known: `one month after the incident notification`, `on request`. */
export function describeDue(
  deadline: IncidentDeadline,
  siblings: readonly IncidentDeadline[],
  timeZone: string,
): string {
  if (deadline.dueAt) return formatTime(deadline.dueAt, timeZone);
  if (deadline.onRequest) return "on request";
  const from = siblings.find((d) => d.preset === deadline.preset && d.milestone === deadline.countsFrom);
  const offset = deadline.offset as DeadlineOffset | null;
  return `${offset ? describeOffset(offset) : "some time"} after the ${from?.name ?? deadline.countsFrom}`;
}

/** What a due time counts from, for the warnings. */
function countedFrom(deadline: IncidentDeadline, counted: IncidentDeadline | null, timeZone: string): string {
  const at = formatTime(deadline.countsFromAt ?? deadline.awareAt, timeZone);
  if (deadline.onRequest) return `Requested at ${at}.`;
  if (deadline.countsFrom) return `Counted from the ${counted?.name ?? deadline.countsFrom}, done at ${at}.`;
  return `Counted from awareness at ${at}.`;
}

export function deadlineWarning(
  deadline: IncidentDeadline & { dueAt: Date },
  incident: Incident,
  warning: WarningKind,
  now: Date,
  timeZone: string,
  counted: IncidentDeadline | null,
): Message {
  const what = `${deadline.presetName} ${deadline.name}`;
  const due = formatTime(deadline.dueAt, timeZone);
  const left = deadline.dueAt.getTime() - now.getTime();
  const line =
    warning === "ahead"
      ? `⏳ ${incident.publicId}: the ${what} is due in ${formatDelay(left)} (${due}).`
      : left < -60_000
        ? `⏰ ${incident.publicId}: the ${what} was due at ${due}, ${formatDelay(-left)} ago, and is not marked done.`
        : `⏰ ${incident.publicId}: the ${what} is due now (${due}). If it has not been sent, it is late.`;
  const done: ButtonCommand = {
    group: "inc",
    name: "deadlines",
    incident: incident.publicId,
    subcommand: "done",
    args: [deadline.preset, deadline.milestone],
  };
  return {
    blocks: [
      text(line),
      context(`${countedFrom(deadline, counted, timeZone)} Once it is sent: ${commandLine(done)}`),
      actions({ label: "Mark done", command: done }),
    ],
  };
}

/** The table of `/inc deadlines`. */
export function deadlinesMessage(
  incident: Incident,
  deadlines: IncidentDeadline[],
  now: Date,
  timeZone: string,
): Message {
  if (deadlines.length === 0) {
    return {
      blocks: [
        text(`${incident.publicId} has no regulatory deadlines running.`),
        context("Start some: /inc deadlines start nis2 (or gdpr) [aware:<when you became aware>]"),
      ],
    };
  }
  const rows = deadlines.map((d) => [
    d.presetName,
    d.name,
    describeDue(d, deadlines, timeZone),
    deadlineState(d, deadlines, now, timeZone),
    `${d.preset} ${d.milestone}`,
  ]);
  return {
    blocks: [
      text(`Regulatory deadlines of ${incident.publicId}:`),
      table(["Preset", "Deadline", "Due", "State", "Id"], rows),
      context(
        "Mark one done: /inc deadlines done <preset> <milestone>. One due on request: /inc deadlines request <milestone> due:<date or duration>. Stop a preset: /inc deadlines stop <preset>.",
      ),
    ],
  };
}

function deadlineState(
  d: IncidentDeadline,
  siblings: readonly IncidentDeadline[],
  now: Date,
  timeZone: string,
): string {
  if (d.metAt) {
    const late =
      d.dueAt && d.metAt.getTime() > d.dueAt.getTime()
        ? `, ${formatDelay(d.metAt.getTime() - d.dueAt.getTime())} late`
        : "";
    return `done ${formatTime(d.metAt, timeZone)}${late}`;
  }
  if (d.stoppedAt) return "stopped";
  if (!d.dueAt) {
    if (d.onRequest) return "not requested";
    const from = siblings.find((s) => s.preset === d.preset && s.milestone === d.countsFrom);
    return `waits for the ${from?.name ?? d.countsFrom}`;
  }
  const left = d.dueAt.getTime() - now.getTime();
  if (left <= 0) return `OVERDUE by ${formatDelay(-left)}`;
  return `due in ${formatDelay(left)}${d.warnedAt ? " (warned)" : ""}`;
}
