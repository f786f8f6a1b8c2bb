// Who can read a destination now, and what of a subject they may read. Pure: the outbox resolves
// a destination to an Audience (asking the platform and the desk's records), then asks `decide`.
// One rule for every outbound kind, so a new path cannot apply a different one.
//
// Policy (FIRST TLP 2.0, read for a chat bot; see README "Access and confidentiality"):
// - an incident's own room is cleared for that incident, whatever its label; for any other
//   incident it is an ordinary room;
// - an ordinary room has one clearance from the configuration (default TLP:GREEN);
// - TLP:RED and TLP:AMBER+STRICT never go to a room other than the incident's own;
// - a room with members from another organisation (Slack Connect, another homeserver) is
//   external: at most TLP:GREEN, even an incident's own room;
// - a person (an answer only they see, a verified two-person direct chat) may read what their
//   access allows: inside the organisation up to TLP:AMBER+STRICT, an outsider up to TLP:GREEN,
//   and a restricted incident only when they take part in it (or are an admin);
// - restricted incidents (TLP:RED ones always) are invisible elsewhere: no id, title or count;
// - an audience we could not resolve is treated as external.
import { formatTlp, type TlpLabel, tlpAllows } from "../incidents/tlp.ts";

/** What an outbound item is about. Every item states it; there is no default. */
export type Subject =
  /** The bot's own words (help, errors, confirmations that name no incident content). */
  | { kind: "interface" }
  /** Labelled content that is not an incident's (a bulletin, a manual advisory). */
  | { kind: "label"; tlp: TlpLabel }
  /** Content about incidents (one for a summary, several for a list). */
  | { kind: "incidents"; incidents: IncidentFacts[] };

export interface IncidentFacts {
  id: string;
  tlp: TlpLabel;
  /** Visible only to those who take part (always true for TLP:RED). */
  restricted: boolean;
}

export type Audience =
  | { kind: "incident-room"; incidentId: string; external: boolean; clearance: TlpLabel }
  | { kind: "room"; clearance: TlpLabel; external: boolean }
  | {
      kind: "person";
      external: boolean;
      /** Incidents (of the subject) this person takes part in, or all when they are an admin. */
      takesPart: (incidentId: string) => boolean;
    }
  /** Could not be resolved (the platform did not answer): treated as outside the organisation. */
  | { kind: "unknown" };

export type Decision =
  | { action: "send" }
  /** Some incidents of a list may be shown; the others are left out (`withheld` counts only unrestricted ones). */
  | { action: "filter"; visible: IncidentFacts[]; withheld: number }
  /** Nothing may go. `notice` is an id-free sentence the destination may see instead, when there is one. */
  | { action: "refuse"; reason: string; notice?: string };

export const EXTERNAL_CEILING: TlpLabel = "green";
export const INTERNAL_PERSON_CEILING: TlpLabel = "amber+strict";

export function decide(audience: Audience, subject: Subject): Decision {
  switch (subject.kind) {
    case "interface":
      return { action: "send" };
    case "label":
      return labelDecision(audience, subject.tlp);
    case "incidents":
      return incidentsDecision(audience, subject.incidents);
  }
}

function labelDecision(audience: Audience, label: TlpLabel): Decision {
  const ceiling = ceilingOf(audience);
  if ((label === "red" || label === "amber+strict") && audience.kind !== "person") {
    return refuseLabel(label, "it never leaves the incident's own rooms");
  }
  if (!tlpAllows(ceiling, label)) {
    const shared = (audience.kind === "room" || audience.kind === "incident-room") && audience.external;
    const why = shared
      ? "the room is shared outside the organisation (at most TLP:GREEN)"
      : audience.kind === "unknown"
        ? "who can read it is unknown (at most TLP:GREEN)"
        : `this ${audience.kind === "person" ? "reader" : "room"} is cleared up to ${formatTlp(ceiling)}`;
    return refuseLabel(label, why);
  }
  return { action: "send" };
}

function incidentsDecision(audience: Audience, incidents: IncidentFacts[]): Decision {
  const visible: IncidentFacts[] = [];
  let withheld = 0;
  for (const incident of incidents) {
    const verdict = mayRead(audience, incident);
    if (verdict === "yes") visible.push(incident);
    else if (verdict === "withheld") withheld++;
  }
  if (visible.length === incidents.length) return { action: "send" };
  if (incidents.length === 1) {
    const only = incidents[0] as IncidentFacts;
    const ownRoom = audience.kind === "incident-room" && audience.incidentId === only.id;
    // A restricted incident is not mentioned outside its own room at all; elsewhere (and in its
    // own room, once shared outside) the audience learns that something was withheld, not what.
    if (withheld === 0 && !ownRoom) return { action: "refuse", reason: "restricted incident" };
    return {
      action: "refuse",
      reason: `${formatTlp(only.tlp)} content, audience cleared up to ${formatTlp(ceilingOf(audience))}`,
      notice: `🔒 An update was withheld here: ${formatTlp(only.tlp)} content may not be shown to this audience.`,
    };
  }
  return { action: "filter", visible, withheld };
}

/**
 * Whether only those who take part may see the incident: restricted, or TLP:RED (always, whatever
 * the facts' flag says). The outbox asks who takes part about exactly these (outbox.ts).
 */
export function hiddenFromOutsiders(incident: IncidentFacts): boolean {
  return incident.restricted || incident.tlp === "red";
}

/** `yes`; `withheld` (may be counted); `invisible` (restricted: not even counted). */
function mayRead(audience: Audience, incident: IncidentFacts): "yes" | "withheld" | "invisible" {
  const restricted = hiddenFromOutsiders(incident);
  switch (audience.kind) {
    case "incident-room":
      if (audience.incidentId === incident.id) {
        return !audience.external || tlpAllows(EXTERNAL_CEILING, incident.tlp) ? "yes" : "withheld";
      }
      return inRoom(audience.clearance, audience.external, incident, restricted);
    case "room":
      return inRoom(audience.clearance, audience.external, incident, restricted);
    case "person": {
      const takesPart = audience.takesPart(incident.id);
      if (restricted && !takesPart) return "invisible";
      // Those who take part are the incident's named recipients; an outsider stays capped.
      if (takesPart && !audience.external) return "yes";
      return tlpAllows(ceilingOf(audience), incident.tlp) ? "yes" : "withheld";
    }
    case "unknown":
      return restricted ? "invisible" : tlpAllows(EXTERNAL_CEILING, incident.tlp) ? "yes" : "withheld";
  }
}

function inRoom(
  clearance: TlpLabel,
  external: boolean,
  incident: IncidentFacts,
  restricted: boolean,
): "yes" | "withheld" | "invisible" {
  if (restricted) return "invisible";
  if (incident.tlp === "amber+strict") return "withheld";
  const ceiling = external ? lower(clearance, EXTERNAL_CEILING) : clearance;
  return tlpAllows(ceiling, incident.tlp) ? "yes" : "withheld";
}

/** The highest label an audience may receive, ignoring incident-specific clearance. */
export function ceilingOf(audience: Audience): TlpLabel {
  switch (audience.kind) {
    case "incident-room":
    case "room":
      return audience.external ? lower(audience.clearance, EXTERNAL_CEILING) : audience.clearance;
    case "person":
      return audience.external ? EXTERNAL_CEILING : INTERNAL_PERSON_CEILING;
    case "unknown":
      return EXTERNAL_CEILING;
  }
}

function lower(a: TlpLabel, b: TlpLabel): TlpLabel {
  return tlpAllows(a, b) ? b : a;
}

function refuseLabel(label: TlpLabel, why: string): Decision {
  return {
    action: "refuse",
    reason: `${formatTlp(label)} content may not go here: ${why}.`,
    notice: `🔒 Something was withheld here: ${formatTlp(label)} content may not be shown to this audience (${why}).`,
  };
}
