// How incidents look in chat, as neutral messages (each platform renders them its own way).
import {
  type Action,
  actions,
  context,
  fields,
  heading,
  list,
  type Message,
  table,
  text,
} from "../chat/message.ts";
import type { Incident, Person, Task, TimelineEntry } from "../generated/prisma/client.ts";
import type { IncidentDetails } from "./incidents.ts";
import { allowedNext, formatSeverity, isOpen, STATUS_DESCRIPTIONS } from "./lifecycle.ts";
import { isRole, ROLES } from "./roles.ts";
import { describeRsitType } from "./taxonomy.ts";
import { formatTlp, storedTlp, type TlpLabel } from "./tlp.ts";

export type Mention = (person: Person) => string;

export const tlpOf = (incident: Incident): TlpLabel => storedTlp(incident.tlp);

/** One formatter per time zone: making one costs more than a whole summary's rendering. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    // Time zones come from configuration and people's profiles: few, but bounded all the same.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Times already formatted, by time zone and instant: a summary or a timeline shows the same few
 * instants (declared, each status change) at every refresh and every `show`, and formatToParts
 * costs more than the rest of a summary's rendering. Keyed by the exact instant, so an answer is
 * always what formatting it again would give; forgotten all at once past the bound.
 */
const formatted = new Map<string, string>();
const MAX_FORMATTED = 10_000;

/** `2026-11-25 14:05 CET`: unambiguous for teams spread over countries. */
export function formatTime(date: Date, timeZone: string): string {
  const key = `${timeZone} ${date.getTime()}`;
  let shown = formatted.get(key);
  if (shown === undefined) {
    const parts = formatterFor(timeZone).formatToParts(date);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
    shown = `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")} ${part("timeZoneName")}`;
    if (formatted.size >= MAX_FORMATTED) formatted.clear();
    formatted.set(key, shown);
  }
  return shown;
}

/** `INC-2026-0001 · SEV2 (high) · investigating · TLP:AMBER · IC: Alice`, for room topics. */
export function incidentTopic(details: IncidentDetails): string {
  const commander = details.roles.find((r) => r.role === "commander")?.person.displayName ?? "none";
  // A restricted incident's title shows nowhere but in messages inside: a topic travels further
  // (invitations' room previews, room lists, notifications), like the room's name.
  const restricted = details.restricted || tlpOf(details) === "red";
  return [
    details.publicId,
    formatSeverity(details.severity),
    details.status,
    formatTlp(tlpOf(details)),
    `IC: ${commander}`,
    ...(restricted ? [] : [details.title]),
  ].join(" · ");
}

/** The pinned summary of an incident room, refreshed on every change. */
export function incidentSummary(details: IncidentDetails, mention: Mention, timeZone: string): Message {
  const roles = details.roles
    .filter((r) => isRole(r.role))
    .map((r) => `${ROLES[r.role as keyof typeof ROLES].name}: ${mention(r.person)}`);
  const open = details.tasks.filter((t) => !t.doneAt).length;
  const blocks = [
    heading(`${details.publicId}: ${details.title}`),
    fields([
      ["Status", `${details.status} (${STATUS_DESCRIPTIONS[details.status] ?? ""})`],
      ["Severity", formatSeverity(details.severity)],
      ["Classification", describeRsitType(details.rsitType)],
      ["TLP", formatTlp(tlpOf(details))],
      ["Reporter", mention(details.reporter)],
      ["Declared", formatTime(details.declaredAt, timeZone)],
      ["Tasks", `${open} open, ${details.tasks.length - open} done`],
    ]),
  ];
  if (details.summary) blocks.push(text(details.summary));
  blocks.push(
    text(roles.length ? roles.join("\n") : "No roles assigned yet: `/inc lead @person` names a commander."),
  );
  if (details.resolution) blocks.push(text(`Resolution: ${details.resolution}`));
  blocks.push(actions(...summaryActions(details)));
  blocks.push(context(`Updated ${formatTime(details.updatedAt, timeZone)}`));
  return { tlp: tlpOf(details), blocks };
}

/** The summary's buttons: the next statuses, taking command, joining; a closed one offers Reopen. */
export function summaryActions(incident: Pick<Incident, "publicId" | "status">): Action[] {
  const id = incident.publicId;
  if (!isOpen(incident.status)) {
    return [{ label: "Reopen", command: { group: "inc", name: "reopen", incident: id } }];
  }
  // Closing needs a resolution, merging a target: those are typed, not clicked.
  const next = allowedNext(incident.status).filter((s) => s !== "merged" && s !== "closed");
  const buttons: Action[] = next.slice(0, 3).map((status) => ({
    label: `→ ${status}`,
    command: { group: "inc", name: "status", incident: id, args: [status] },
  }));
  buttons.push({
    label: "I'm commander",
    command: { group: "inc", name: "lead", incident: id, args: ["me"] },
    style: "primary",
  });
  buttons.push({ label: "Add me", command: { group: "inc", name: "join", incident: id } });
  return buttons;
}

export function incidentLine(incident: Incident): string[] {
  return [
    incident.publicId,
    `SEV${incident.severity}`,
    incident.status,
    formatTlp(tlpOf(incident)),
    incident.title.length > 60 ? `${incident.title.slice(0, 59)}…` : incident.title,
  ];
}

export function incidentTable(title: string, incidents: Incident[]): Message {
  return {
    blocks: [heading(title), table(["id", "sev", "status", "tlp", "title"], incidents.map(incidentLine))],
  };
}

export function timelineMessage(
  incident: Incident,
  entries: Array<TimelineEntry & { actor: Person | null }>,
  timeZone: string,
): Message {
  return {
    tlp: tlpOf(incident),
    blocks: [
      heading(`Timeline of ${incident.publicId}`),
      list(
        entries.map(
          (e) =>
            `${formatTime(e.at, timeZone)}  [${e.kind}] ${e.actor ? `${e.actor.displayName}: ` : ""}${e.text}`,
        ),
      ),
    ],
  };
}

export function tasksMessage(incident: Incident, tasks: Task[]): Message {
  if (tasks.length === 0) {
    return { blocks: [text(`${incident.publicId} has no tasks yet. Add one: \`/inc task <text>\`.`)] };
  }
  return {
    tlp: tlpOf(incident),
    blocks: [
      heading(`Tasks of ${incident.publicId}`),
      list(tasks.map((t) => `${t.doneAt ? "[x]" : "[ ]"} #${t.number} ${t.text}`)),
    ],
  };
}

/** The announcement of one change, posted in every room of the incident. */
export function changeMessage(incident: Incident, actor: Person, line: string, mention: Mention): Message {
  return {
    tlp: tlpOf(incident),
    blocks: [text(`${incident.publicId}: ${line}`), context(`by ${mention(actor)}`)],
  };
}
