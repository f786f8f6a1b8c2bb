// Folding a batch of signals into the alerts they change, in memory and in arrival order, so a
// batch (one request, or many requests sharing a commit) is written with a few statements
// whatever its size: a storm of repeats of one alert becomes one row update.
//
// Per (integration, dedup key): a trigger opens an alert when none is open, else updates it
// (summary, labels, members, ...; an acknowledged alert stays acknowledged); acknowledge acks a
// firing alert; resolve, or every member of a group resolved, resolves it and frees its key, so a
// later trigger in the same batch opens a new alert. Acknowledge and resolve of an unknown key are
// ignored (PagerDuty does the same).
//
// Work per signal is O(what it changes): an open alert is read without its labels, links and
// details (a trigger replaces them whole; acknowledge and resolve leave them as stored), and its
// members are written back only when a member came or changed status.
import type { Alert, AlertStatus } from "../generated/prisma/client.ts";
import { storedTlp } from "../incidents/tlp.ts";
import type { Members } from "./alert-rows.ts";
import { stricterTlp } from "./integration-rules.ts";
import type { AlertLink, AlertSignal } from "./signal.ts";

/** More members than this in one group are not tracked one by one (the newest are dropped). */
export const MAX_MEMBERS = 1000;

/**
 * How far back a sender's "it started at" is believed. An alert's start (firstSignalAt, shown as
 * "Since") is the sender's claim, kept between this long before its receipt and the receipt
 * itself: a clock far off, or a sender that lies, cannot date an alert in the future (after its
 * own last signal) or decades back. What orders and windows alerts (lastSignalAt, the show
 * job's seconds, storms, pages, deadlines) is the time of receipt, never the sender's.
 */
export const MAX_CLAIMED_AGE_MS = 30 * 24 * 3_600_000;

/** The sender's claimed start, within [now − MAX_CLAIMED_AGE_MS, now]. */
export function believedStart(claimed: Date, now: Date): Date {
  const earliest = now.getTime() - MAX_CLAIMED_AGE_MS;
  const time = claimed.getTime();
  if (!Number.isFinite(time) || time > now.getTime()) return now;
  return time < earliest ? new Date(earliest) : claimed;
}

/** An open alert as the batch reads it (store.ts): what folding needs, no content columns. */
export type OpenAlert = Pick<
  Alert,
  | "id"
  | "number"
  | "integrationId"
  | "dedupKey"
  | "openKey"
  | "status"
  | "summary"
  | "source"
  | "severity"
  | "tlp"
  | "rsitType"
  | "teamId"
  | "signalCount"
  | "firstSignalAt"
  | "lastSignalAt"
  | "ackedAt"
  | "resolvedAt"
  | "incidentId"
> & { members: Members };

/**
 * An alert as the batch leaves it: to insert (`before` undefined) or to update. Labels, links
 * and details are undefined when the batch did not replace them (kept as stored).
 */
export interface FoldedAlert {
  id: string;
  integrationId: string;
  dedupKey: string;
  openKey: string | null;
  status: AlertStatus;
  summary: string;
  source: string | null;
  severity: number;
  tlp: string;
  rsitType: string | null;
  teamId: string | null;
  labels?: Record<string, string>;
  links?: AlertLink[];
  details?: Record<string, unknown>;
  members: Members;
  /** Whether `members` differs from what is stored (always for an alert the batch opened). */
  membersChanged: boolean;
  signalCount: number;
  firstSignalAt: Date;
  lastSignalAt: Date;
  ackedAt: Date | null;
  resolvedAt: Date | null;
  /** The stored row before this batch; undefined for an alert this batch opened. */
  before?: Pick<Alert, "status" | "incidentId" | "number">;
  /** A rule asked for an incident at this severity (the first such signal's). */
  declare?: number;
}

export interface Folded {
  alerts: FoldedAlert[];
  /** Acknowledge and resolve signals for which no alert was open. */
  ignored: number;
}

const keyOf = (integrationId: string, dedupKey: string) => `${integrationId}\u0000${dedupKey}`;

export function foldSignals(
  open: readonly OpenAlert[],
  signals: readonly AlertSignal[],
  now: Date,
  newId: () => string,
): Folded {
  const current = new Map<string, FoldedAlert>();
  for (const row of open) current.set(keyOf(row.integrationId, row.dedupKey), fromRow(row));
  const touched = new Set<FoldedAlert>();
  let ignored = 0;
  for (const signal of signals) {
    const key = keyOf(signal.integrationId, signal.dedupKey);
    let alert = current.get(key);
    if (!alert) {
      if (signal.action !== "trigger" || allResolved(mergeMembers({}, signal))) {
        ignored++;
        continue;
      }
      alert = opened(signal, now, newId());
      current.set(key, alert);
    } else {
      alert.signalCount++;
      alert.lastSignalAt = now;
      if (signal.action === "trigger") updateContent(alert, signal);
      const members = mergeMembers(alert.members, signal);
      if (members !== alert.members) {
        alert.members = members;
        alert.membersChanged = true;
      }
    }
    touched.add(alert);
    if (signal.declare && alert.declare === undefined) alert.declare = signal.declare.severity;
    if (signal.action === "resolve" || allResolved(alert.members)) {
      alert.status = "resolved";
      alert.openKey = null;
      alert.resolvedAt = now;
      current.delete(key);
    } else if (signal.action === "acknowledge" && alert.status === "firing") {
      alert.status = "acked";
      alert.ackedAt = now;
    }
  }
  return { alerts: [...touched], ignored };
}

function opened(signal: AlertSignal, now: Date, id: string): FoldedAlert {
  const alert: FoldedAlert = {
    id,
    integrationId: signal.integrationId,
    dedupKey: signal.dedupKey,
    openKey: signal.dedupKey,
    status: "firing",
    summary: "",
    source: null,
    severity: signal.severity,
    tlp: signal.tlp,
    rsitType: null,
    teamId: signal.teamId ?? null,
    labels: {},
    links: [],
    details: {},
    members: mergeMembers({}, signal),
    membersChanged: true,
    signalCount: 1,
    firstSignalAt: believedStart(signal.occurredAt, now),
    lastSignalAt: now,
    ackedAt: null,
    resolvedAt: null,
  };
  updateContent(alert, signal);
  return alert;
}

function updateContent(alert: FoldedAlert, signal: AlertSignal): void {
  alert.summary = signal.summary;
  alert.source = signal.source ?? alert.source;
  alert.severity = signal.severity;
  // A label only rises while the alert lives: what an earlier, stricter signal said (its source,
  // its class, the pages and incident it made) stays under that label.
  alert.tlp = stricterTlp(storedTlp(alert.tlp), signal.tlp);
  alert.rsitType = signal.rsitType ?? alert.rsitType;
  // The team paged first keeps the alert: a page already went there.
  alert.teamId ??= signal.teamId ?? null;
  alert.labels = { ...signal.labels };
  alert.links = [...signal.links];
  alert.details = { ...signal.details };
}

/** The members with the signal's merged in; `members` itself when nothing changed. */
function mergeMembers(members: Members, signal: AlertSignal): Members {
  if (!signal.members?.length) return members;
  let merged: Members | undefined;
  let count = -1;
  for (const member of signal.members) {
    const into = merged ?? members;
    // Own properties only, written as data: a fingerprint such as "__proto__" or "constructor"
    // is a member like any other (`in` and `=` would see or hit Object.prototype's).
    const known = Object.hasOwn(into, member.id);
    if (known && into[member.id] === member.status) continue;
    if (!known) {
      if (count < 0) count = Object.keys(members).length;
      if (count >= MAX_MEMBERS) continue;
      count++;
    }
    merged ??= { ...members };
    Object.defineProperty(merged, member.id, {
      value: member.status,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged ?? members;
}

function allResolved(members: Members): boolean {
  const statuses = Object.values(members);
  return statuses.length > 0 && statuses.every((status) => status === "resolved");
}

function fromRow(row: OpenAlert): FoldedAlert {
  return {
    id: row.id,
    integrationId: row.integrationId,
    dedupKey: row.dedupKey,
    openKey: row.openKey,
    status: row.status,
    summary: row.summary,
    source: row.source,
    severity: row.severity,
    tlp: row.tlp,
    rsitType: row.rsitType,
    teamId: row.teamId,
    members: row.members,
    membersChanged: false,
    signalCount: row.signalCount,
    firstSignalAt: row.firstSignalAt,
    lastSignalAt: row.lastSignalAt,
    ackedAt: row.ackedAt,
    resolvedAt: row.resolvedAt,
    before: { status: row.status, incidentId: row.incidentId, number: row.number },
  };
}
