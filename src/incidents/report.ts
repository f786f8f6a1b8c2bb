// The post-incident report: a Markdown document with the TLP marking first, written to be
// clear-signed and kept. Lists use `*`, never `-`: a clear-signed line starting with a dash is
// dash-escaped ("- - item"), which would show in the signed file. Times are shown in the desk's
// zone, phase durations from the status changes on the timeline.
import type { Person, Task, TimelineEntry } from "../generated/prisma/client.ts";
import { formatDuration } from "../oncall/durations.ts";
import type { IncidentDetails } from "./incidents.ts";
import { formatSeverity, isOpen, STATUS_DESCRIPTIONS } from "./lifecycle.ts";
import { formatTime, tlpOf } from "./render.ts";
import { isRole, ROLES } from "./roles.ts";
import { RSIT_TYPES } from "./taxonomy.ts";
import { formatTlp, TLP_AUDIENCE } from "./tlp.ts";

/** A status change as the timeline records it: `status <from> → <to>[: note]`. */
const STATUS_CHANGE = /^status ([a-z]+) → ([a-z]+)(?::|$)/;

export type StatusEntry = Pick<TimelineEntry, "at" | "kind" | "text">;

export interface PhaseDuration {
  phase: string;
  from: Date;
  /** When the next status began; undefined while the phase goes on. */
  to?: Date;
  ms: number;
}

export interface PhaseHistory {
  /** Each stay in a phase, in order; a reopened incident goes through phases again. */
  phases: PhaseDuration[];
  /** When the incident last closed (or was declined or merged), if it is so now. */
  endedAt?: Date;
}

/**
 * The stays in each phase, read from the status changes on the timeline in order (the phase
 * stamps on the incident keep only the first entry into each phase, which a reopen makes
 * wrong). A stay lasts from entering a status to the next change; the last stay in an open
 * status runs to `now`, a final status has no row unless it was left again (reopened).
 */
export function phaseHistory(declaredAt: Date, entries: readonly StatusEntry[], now: Date): PhaseHistory {
  const changes = inChainOrder(
    entries.flatMap((entry) => {
      const match = entry.kind === "status" ? STATUS_CHANGE.exec(entry.text) : null;
      return match ? [{ at: entry.at, from: match[1]!, to: match[2]! }] : [];
    }),
  );
  const phases: PhaseDuration[] = [];
  let status = "triage";
  let since = declaredAt;
  for (const change of changes) {
    phases.push({
      phase: capitalise(status),
      from: since,
      to: change.at,
      ms: change.at.getTime() - since.getTime(),
    });
    status = change.to;
    since = change.at;
  }
  if (isOpen(status)) {
    phases.push({ phase: capitalise(status), from: since, ms: now.getTime() - since.getTime() });
    return { phases };
  }
  return { phases, endedAt: since };
}

/** Time in each phase (see phaseHistory). */
export function phaseDurations(
  declaredAt: Date,
  entries: readonly StatusEntry[],
  now: Date,
): PhaseDuration[] {
  return phaseHistory(declaredAt, entries, now).phases;
}

/**
 * Status changes sorted by time; changes made in the same millisecond are put in the order that
 * chains them (each one starts from the status the previous one reached).
 */
function inChainOrder<T extends { at: Date; from: string; to: string }>(changes: readonly T[]): T[] {
  const pending = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const ordered: T[] = [];
  let status = "triage";
  while (pending.length > 0) {
    const first = pending[0]!;
    const sameTime = pending.filter((change) => change.at.getTime() === first.at.getTime());
    const next = sameTime.find((change) => change.from === status) ?? first;
    pending.splice(pending.indexOf(next), 1);
    ordered.push(next);
    status = next.to;
  }
  return ordered;
}

export interface ReportInput {
  details: IncidentDetails;
  timeline: Array<TimelineEntry & { actor: Person | null }>;
  /** Every status change of the incident (the timeline shown may be cut to its latest entries). */
  statusChanges: readonly StatusEntry[];
  now: Date;
  timeZone: string;
  /** The team or desk name shown in the heading. */
  author?: string;
}

export function postIncidentReport({ details, timeline, statusChanges, now, timeZone }: ReportInput): string {
  const time = (date: Date) => formatTime(date, timeZone);
  const tlp = tlpOf(details);
  const type = details.rsitType ? RSIT_TYPES.get(details.rsitType) : undefined;
  const roles = details.roles.filter((r) => isRole(r.role));
  const { phases, endedAt } = phaseHistory(details.declaredAt, statusChanges, now);
  const done = details.tasks.filter((task) => task.doneAt);
  const open = details.tasks.filter((task) => !task.doneAt);
  const total = (endedAt ?? now).getTime() - details.declaredAt.getTime();

  const lines: string[] = [
    `**${formatTlp(tlp)}**: ${TLP_AUDIENCE[tlp]}.`,
    "",
    `# Post-incident report: ${details.publicId}: ${oneLine(details.title)}`,
    "",
    "| | |",
    "|---|---|",
    `| Status | ${details.status} (${STATUS_DESCRIPTIONS[details.status] ?? ""}) |`,
    `| Severity | ${formatSeverity(details.severity)} |`,
    `| Classification | ${type ? `${type.className} / ${type.name}` : "unclassified"} |`,
    `| TLP | ${formatTlp(tlp)} |`,
    `| Declared | ${time(details.declaredAt)} by ${cell(details.reporter.displayName)} |`,
    `| Closed | ${endedAt ? time(endedAt) : "not yet"} |`,
    `| Duration | ${formatDuration(total)}${endedAt ? "" : " so far"} |`,
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
    "Each row is one stay in a phase, from entering it to the next status change; skipped phases have no row, and a reopened incident goes through its phases again.",
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
