// Incident statuses follow the NIST SP 800-61 phases: detection and analysis (triage,
// investigating), containment, eradication and recovery, then closure. `declined` (not an
// incident) and `merged` (a duplicate) are terminal too; `reopen` leads back to investigating.
import { UserError } from "../errors.ts";

export const STATUSES = [
  "triage",
  "investigating",
  "contained",
  "eradicated",
  "recovered",
  "closed",
  "declined",
  "merged",
] as const;
export type Status = (typeof STATUSES)[number];

export const OPEN_STATUSES: readonly Status[] = [
  "triage",
  "investigating",
  "contained",
  "eradicated",
  "recovered",
];

/**
 * The statuses that end an incident. However they are reached (`/inc close`, `/inc status
 * declined`, `/inc status merged <id>`), they need a reason and the same permission.
 */
export const ENDING_STATUSES = ["closed", "declined", "merged"] as const satisfies readonly Status[];
export type EndingStatus = (typeof ENDING_STATUSES)[number];

export function isEnding(status: string): status is EndingStatus {
  return (ENDING_STATUSES as readonly string[]).includes(status);
}

/** Allowed next statuses. Phases may be skipped forward (not every incident needs eradication). */
const NEXT: Record<Status, readonly Status[]> = {
  triage: ["investigating", "contained", "closed", "declined", "merged"],
  investigating: ["contained", "eradicated", "recovered", "closed", "declined", "merged"],
  contained: ["investigating", "eradicated", "recovered", "closed", "merged"],
  eradicated: ["contained", "recovered", "closed"],
  recovered: ["investigating", "closed"],
  closed: ["investigating"],
  declined: ["triage"],
  merged: [],
};

export const STATUS_DESCRIPTIONS: Record<Status, string> = {
  triage: "reported, being assessed",
  investigating: "confirmed, scope and cause being analysed",
  contained: "spread stopped, attacker access cut",
  eradicated: "cause removed (malware, accounts, vulnerabilities)",
  recovered: "systems back in normal operation, monitoring",
  closed: "done, with a resolution",
  declined: "not an incident",
  merged: "duplicate of another incident",
};

/** Timestamp column set when an incident first enters a phase. */
export const PHASE_TIMESTAMP: Partial<
  Record<Status, "investigatingAt" | "containedAt" | "eradicatedAt" | "recoveredAt" | "closedAt">
> = {
  investigating: "investigatingAt",
  contained: "containedAt",
  eradicated: "eradicatedAt",
  recovered: "recoveredAt",
  closed: "closedAt",
  declined: "closedAt",
  merged: "closedAt",
};

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

export function isOpen(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export function allowedNext(from: Status): readonly Status[] {
  return NEXT[from];
}

export function canTransition(from: Status, to: Status): boolean {
  return NEXT[from].includes(to);
}

/** Throws a UserError that explains the allowed next steps when the move is impossible. */
export function assertTransition(from: Status, to: Status): void {
  if (canTransition(from, to)) return;
  const next = NEXT[from];
  const hint = next.length === 0 ? `${from} is final.` : `From ${from} it can go to: ${next.join(", ")}.`;
  throw new UserError(`Can't move an incident from ${from} to ${to}. ${hint}`, { code: "status.transition" });
}

export const SEVERITIES = [1, 2, 3, 4] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_NAMES: Record<Severity, string> = { 1: "critical", 2: "high", 3: "medium", 4: "low" };

export function parseSeverity(input: string): Severity | undefined {
  const trimmed = input.trim().toLowerCase().replace(/^sev/, "");
  const byNumber = Number(trimmed);
  if (SEVERITIES.includes(byNumber as Severity)) return byNumber as Severity;
  const byName = Object.entries(SEVERITY_NAMES).find(([, name]) => name === trimmed);
  return byName ? (Number(byName[0]) as Severity) : undefined;
}

export function formatSeverity(severity: number): string {
  return `SEV${severity} (${SEVERITY_NAMES[severity as Severity] ?? "?"})`;
}
