// The TLP gate: the one place that decides whether labelled content may go to a destination.
// Every outbound post of labelled content asks it (incident announcements, bulletins, pages).
//
// Policy (FIRST TLP 2.0, with the bot-side reading in shared/reference/csirt-standards.md):
// - a destination has a clearance: the highest label it may receive (configured for team
//   channels; an incident's own rooms are cleared for that incident);
// - TLP:RED and TLP:AMBER+STRICT never leave the incident's own rooms;
// - a room shared with other organisations (Slack Connect, Matrix rooms with members from
//   other homeservers) crosses the organisation boundary: at most TLP:GREEN;
// - unlabelled messages are the bot's own interface text (help, errors) and pass; labelled
//   input without a label is given one before it gets here (bulletins label unlabelled
//   advisories conservatively).
import { formatTlp, type TlpLabel, tlpAllows } from "../incidents/tlp.ts";
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
  // Sharing outside the organisation caps everything, even in an incident's own room.
  if (destination.external && !tlpAllows(lowerOf(destination.clearance, "green"), label)) {
    return refuse(destination, label, "the room is shared outside the organisation (at most TLP:GREEN)");
  }
  if (contentIncidentId && destination.incidentId === contentIncidentId) return { allowed: true };
  if (label === "red" || label === "amber+strict") {
    return refuse(destination, label, "it never leaves the incident's own rooms");
  }
  if (!tlpAllows(destination.clearance, label)) {
    return refuse(destination, label, `the room is cleared up to ${formatTlp(destination.clearance)}`);
  }
  return { allowed: true };
}

function lowerOf(a: TlpLabel, b: TlpLabel): TlpLabel {
  return tlpAllows(a, b) ? b : a;
}

function refuse(destination: Destination, label: TlpLabel, why: string): GateDecision {
  return {
    allowed: false,
    reason: `${formatTlp(label)} content may not go to ${destination.description}: ${why}.`,
  };
}
