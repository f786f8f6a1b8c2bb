// The post-incident report: a Markdown document with the TLP marking first, written to be
// clear-signed and kept. Lists use `*`, never `-`: a clear-signed line starting with a dash is
// dash-escaped ("- - item"), which would show in the signed file. Times are shown in the desk's
// zone, durations from the phase stamps (the first time each phase was entered).
import type { Person, Task, TimelineEntry } from "../generated/prisma/client.ts";
import { formatDuration } from "../oncall/durations.ts";
import type { IncidentDetails } from "./incidents.ts";
import { formatSeverity, STATUS_DESCRIPTIONS, type Status } from "./lifecycle.ts";
import { formatTime, tlpOf } from "./render.ts";
import { isRole, ROLES } from "./roles.ts";
import { RSIT_TYPES } from "./taxonomy.ts";
import { formatTlp, TLP_AUDIENCE } from "./tlp.ts";

type Stamp = "declaredAt" | "investigatingAt" | "containedAt" | "eradicatedAt" | "recoveredAt" | "closedAt";

/** The phases whose entry is stamped, in lifecycle order. */
const PHASES: ReadonlyArray<{ name: string; stamp: Stamp }> = [
  { name: "Triage", stamp: "declaredAt" },
  { name: "Investigating", stamp: "investigatingAt" },
  { name: "Contained", stamp: "containedAt" },
  { name: "Eradicated", stamp: "eradicatedAt" },
  { name: "Recovered", stamp: "recoveredAt" },
];

export interface PhaseDuration {
  phase: string;
  from: Date;
  /** When the next stamped phase (or closing) began; undefined while the phase goes on. */
  to?: Date;
  ms: number;
}

/**
 * Time in each phase the incident went through: from entering it to entering the next phase it
 * reached (skipped phases have no row), the last one up to closing or `now`.
 */
export function phaseDurations(incident: Pick<IncidentDetails, Stamp>, now: Date): PhaseDuration[] {
  const reached = PHASES.flatMap((phase) => {
    const at = incident[phase.stamp];
    return at ? [{ name: phase.name, at }] : [];
  });
  return reached.map((phase, index) => {
    const next = reached[index + 1]?.at ?? incident.closedAt ?? undefined;
    const end = next ?? now;
    return {
      phase: phase.name,
      from: phase.at,
      ...(next ? { to: next } : {}),
      ms: end.getTime() - phase.at.getTime(),
    };
  });
}

export interface ReportInput {
  details: IncidentDetails;
  timeline: Array<TimelineEntry & { actor: Person | null }>;
  now: Date;
  timeZone: string;
  /** The team or desk name shown in the heading. */
  author?: string;
}

export function postIncidentReport({ details, timeline, now, timeZone }: ReportInput): string {
  const time = (date: Date) => formatTime(date, timeZone);
  const tlp = tlpOf(details);
  const type = details.rsitType ? RSIT_TYPES.get(details.rsitType) : undefined;
  const roles = details.roles.filter((r) => isRole(r.role));
  const phases = phaseDurations(details, now);
  const done = details.tasks.filter((task) => task.doneAt);
  const open = details.tasks.filter((task) => !task.doneAt);
  const total = (details.closedAt ?? now).getTime() - details.declaredAt.getTime();

  const lines: string[] = [
    `**${formatTlp(tlp)}**: ${TLP_AUDIENCE[tlp]}.`,
    "",
    `# Post-incident report: ${details.publicId}: ${oneLine(details.title)}`,
    "",
    "| | |",
    "|---|---|",
    `| Status | ${details.status} (${STATUS_DESCRIPTIONS[details.status as Status] ?? ""}) |`,
    `| Severity | ${formatSeverity(details.severity)} |`,
    `| Classification | ${type ? `${type.className} / ${type.name}` : "unclassified"} |`,
    `| TLP | ${formatTlp(tlp)} |`,
    `| Declared | ${time(details.declaredAt)} by ${cell(details.reporter.displayName)} |`,
    `| Closed | ${details.closedAt ? time(details.closedAt) : "not yet"} |`,
    `| Duration | ${formatDuration(total)}${details.closedAt ? "" : " so far"} |`,
    `| Report made | ${time(now)} |`,
    "",
    "## Summary",
    "",
    details.summary.trim() || "No summary was recorded.",
  ];
  if (details.resolution) lines.push("", `Resolution: ${oneLine(details.resolution)}`);

  lines.push("", "## Classification", "");
  if (type) {
    lines.push(
      `* RSIT class: ${type.className} (\`${type.classId}\`)`,
      `* RSIT type: ${type.name} (\`${type.id}\`): ${oneLine(type.description)}`,
    );
  } else {
    lines.push("Not classified (`/inc class <type>` sets the RSIT type).");
  }

  lines.push("", "## Roles", "");
  if (roles.length === 0) lines.push("No roles were assigned.");
  for (const role of roles) {
    lines.push(
      `* ${capitalise(ROLES[role.role as keyof typeof ROLES].name)}: ${oneLine(role.person.displayName)}`,
    );
  }
  const others = details.participants
    .map((p) => p.person.displayName)
    .filter((name) => !roles.some((role) => role.person.displayName === name));
  if (others.length > 0) lines.push(`* Also involved: ${others.map(oneLine).join(", ")}`);

  lines.push("", "## Phase durations", "", "| Phase | Entered | Left | Time in phase |", "|---|---|---|---|");
  for (const phase of phases) {
    lines.push(
      `| ${phase.phase} | ${time(phase.from)} | ${phase.to ? time(phase.to) : "ongoing"} | ${formatDuration(phase.ms)} |`,
    );
  }
  lines.push(
    "",
    "Each phase counts from the first time it was entered to the next phase reached; skipped phases have no row.",
  );

  lines.push("", "## Timeline", "");
  if (timeline.length === 0) lines.push("No entries.");
  for (const entry of timeline) {
    const who = entry.actor ? ` (${oneLine(entry.actor.displayName)})` : "";
    lines.push(`* ${time(entry.at)}: [${entry.kind}] ${oneLine(entry.text)}${who}`);
  }

  lines.push("", "## Tasks", "");
  if (details.tasks.length === 0) lines.push("No tasks were recorded.");
  else
    lines.push(
      `${done.length} done, ${open.length} open.`,
      "",
      ...details.tasks.map((task) => taskLine(task, time)),
    );

  lines.push("", "## Follow-ups", "");
  if (open.length === 0) lines.push("None: every task is done.");
  for (const task of open) lines.push(`* #${task.number} ${oneLine(task.text)}`);

  lines.push("", `**${formatTlp(tlp)}**`);
  return lines.map((line) => line.trimEnd()).join("\n");
}

function taskLine(task: Task, time: (date: Date) => string): string {
  const state = task.doneAt
    ? `[x] #${task.number} ${oneLine(task.text)} (done ${time(task.doneAt)})`
    : `[ ] #${task.number} ${oneLine(task.text)}`;
  return `* ${state}`;
}

/** Free text from chat on one line, so it cannot break the document's structure. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

function cell(value: string): string {
  return oneLine(value).replace(/\|/g, "\\|");
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
