// The TLP check for planning: which labels a configured destination may receive, before anything
// is sent (a digest drops advisories a room may not get; a subscription whose report label does
// not fit its room is refused at start). It asks the outbox's one rule (src/outbox/audience.ts),
// so planning and sending cannot disagree; the outbox still decides again when it sends.
import { formatTlp, type TlpLabel } from "../incidents/tlp.ts";
import { type Audience, decide, type Subject } from "../outbox/audience.ts";
import type { Message } from "./message.ts";

export interface Destination {
  /** For messages: `#inc-2026-0001-x on slack`. */
  description: string;
  /** Highest label this room may receive. */
  clearance: TlpLabel;
  /** Shared with people outside the organisation. */
  external: boolean;
  /** Set for an incident's own room: content of that incident may go there whatever its label. */
  incidentId?: string;
}

export type GateDecision = { allowed: true } | { allowed: false; reason: string };

export function tlpGate(
  destination: Destination,
  message: Message,
  contentIncidentId?: string,
): GateDecision {
  const label = message.tlp;
  if (!label) return { allowed: true };
  const audience: Audience = destination.incidentId
    ? {
        kind: "incident-room",
        incidentId: destination.incidentId,
        external: destination.external,
        clearance: destination.clearance,
      }
    : { kind: "room", clearance: destination.clearance, external: destination.external };
  const subject: Subject =
    contentIncidentId && contentIncidentId === destination.incidentId
      ? { kind: "incidents", incidents: [{ id: contentIncidentId, tlp: label, restricted: false }] }
      : { kind: "label", tlp: label };
  const decision = decide(audience, subject);
  if (decision.action === "send") return { allowed: true };
  return {
    allowed: false,
    reason: `${formatTlp(label)} content may not go to ${destination.description}: ${explain(destination, label)}.`,
  };
}

function explain(destination: Destination, label: TlpLabel): string {
  if (destination.external && label !== "red" && label !== "amber+strict") {
    return "the room is shared outside the organisation (at most TLP:GREEN)";
  }
  if (label === "red" || label === "amber+strict") return "it never leaves the incident's own rooms";
  return `the room is cleared up to ${formatTlp(destination.clearance)}`;
}
