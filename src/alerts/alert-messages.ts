// How alerts look in chat, as neutral messages carrying the alert's TLP label, so the outbox
// gates them like any labelled content: an AMBER alert's summary and labels never reach a room
// cleared for GREEN. Buttons are command lines (a click runs them as the clicker).
import {
  type Action,
  actions,
  type Block,
  context,
  fields,
  type Message,
  table,
  text,
} from "../chat/message.ts";
import type { Alert, Incident } from "../generated/prisma/client.ts";
import { incidentFacts } from "../incidents/incident-rooms.ts";
import { formatSeverity } from "../incidents/lifecycle.ts";
import { formatTime } from "../incidents/render.ts";
import { formatTlp, storedTlp, type TlpLabel, tlpAllows } from "../incidents/tlp.ts";
import type { IncidentFacts, Rendered, Subject } from "../outbox/outbox.ts";
import type { PageBody } from "../paging/paging.ts";
import { labelsValue, linksValue } from "./alert-rows.ts";

const MAX_LABELS_SHOWN = 20;
const MAX_LINKS_SHOWN = 5;

export function alertTlp(alert: Pick<Alert, "tlp">): TlpLabel {
  return storedTlp(alert.tlp);
}

/** What an alert's content is, for the outbox: labelled content. */
export function alertSubject(alert: Pick<Alert, "tlp">): Subject {
  return { kind: "label", tlp: alertTlp(alert) };
}

/** The page's text, which travels without a label (page lists, outcomes): no alert content. */
export function alertPageMessage(alert: Pick<Alert, "number" | "integrationId" | "severity">): string {
  return `Alert #${alert.number} from ${alert.integrationId} · ${formatSeverity(alert.severity)}`;
}

/** Declare incident and Link to incident: what a page and `/alert show` offer beyond Ack/Resolve. */
export function alertIncidentActions(alert: Pick<Alert, "number" | "incidentId" | "status">): Action[] {
  if (alert.incidentId || alert.status === "resolved") return [];
  return [
    {
      label: "Declare incident",
      command: { group: "alert", name: "declare", args: [alert.number] },
      style: "danger",
    },
    { label: "Link to incident", command: { group: "alert", name: "link", args: [alert.number] } },
  ];
}

/** The alert's content: summary, source, severity, labels, links; labelled with its TLP. */
export function alertBlocks(alert: Alert, timeZone: string): Block[] {
  const blocks: Block[] = [text(`🔔 ${alert.summary}`)];
  const facts: Array<[string, string]> = [
    ["Alert", `#${alert.number} (${alert.status})`],
    ["Severity", formatSeverity(alert.severity)],
    ["Source", alert.source ?? alert.integrationId],
    ["Since", formatTime(alert.firstSignalAt, timeZone)],
  ];
  if (alert.signalCount > 1)
    facts.push(["Signals", `${alert.signalCount}, last ${formatTime(alert.lastSignalAt, timeZone)}`]);
  blocks.push(fields(facts));
  const labels = Object.entries(labelsValue.parse(alert.labels));
  if (labels.length > 0) {
    const shown = labels.slice(0, MAX_LABELS_SHOWN).map(([k, v]) => `${k}=${v}`);
    const more = labels.length > MAX_LABELS_SHOWN ? ` (+${labels.length - MAX_LABELS_SHOWN} more)` : "";
    blocks.push(context(`Labels: ${shown.join(" · ")}${more}`));
  }
  const links = linksValue.parse(alert.links).slice(0, MAX_LINKS_SHOWN);
  if (links.length > 0)
    blocks.push(text(links.map((l) => `🔗 ${l.text ? `${l.text}: ` : ""}${l.href}`).join("\n")));
  return blocks;
}

/** The body paging shows in the alert's page (see PageBody). */
export function alertPageBody(alert: Alert, timeZone: string): PageBody {
  // TLP:RED goes to no chat outside an incident's own room, not even the on-call person's DM:
  // the page still pages (its number, the alert's number, source and severity, the buttons),
  // and says where the content can be worked on.
  if (alertTlp(alert) === "red") {
    return {
      blocks: [
        context(
          "🔒 The alert's content is TLP:RED and stays out of chat here; declaring an incident for it brings it into that incident's own room.",
        ),
      ],
      actions: alertIncidentActions(alert),
    };
  }
  return { blocks: alertBlocks(alert, timeZone), actions: alertIncidentActions(alert), tlp: alertTlp(alert) };
}

type LinkedIncident = Pick<Incident, "id" | "publicId" | "tlp" | "restricted">;

/**
 * `/alert show`, rendered per audience. The linked incident is content of its own: it is named
 * only to an audience that may see that incident (a restricted one's id is no one else's), and
 * the alert's content only to one its label allows.
 */
export function alertShown(
  alert: Alert,
  facts: { page?: string; incident?: LinkedIncident; acked?: string; silenced?: string },
  timeZone: string,
): { about: Subject; content: Rendered | Message } {
  const { incident, ...rest } = facts;
  if (!incident) return { about: alertSubject(alert), content: alertDetails(alert, rest, timeZone) };
  const own = asFacts(alert);
  const linked = incidentFacts(incident);
  return {
    about: { kind: "incidents", incidents: [own, linked] },
    content: {
      render(visible) {
        const ids = new Set(visible.map((f) => f.id));
        if (!ids.has(own.id)) return { blocks: [text(`🔒 Alert #${alert.number} is withheld by TLP here.`)] };
        const named = ids.has(linked.id) ? { ...rest, incident: incident.publicId } : rest;
        return alertDetails(alert, named, timeZone);
      },
    },
  };
}

/** `/alert show`: the content, where it stands, and what can be done. */
export function alertDetails(
  alert: Alert,
  facts: { page?: string; incident?: string; acked?: string; silenced?: string },
  timeZone: string,
): Message {
  const blocks = alertBlocks(alert, timeZone);
  const status = [
    facts.page,
    facts.acked,
    facts.silenced,
    facts.incident ? `Incident: ${facts.incident}` : undefined,
  ].filter(Boolean);
  if (status.length > 0) blocks.push(context(status.join(" · ")));
  const buttons: Action[] =
    alert.status === "resolved"
      ? []
      : [
          ...(alert.status === "firing"
            ? [
                {
                  label: "Ack",
                  command: { group: "alert", name: "ack", args: [alert.number] },
                  style: "primary",
                } satisfies Action,
              ]
            : []),
          { label: "Resolve", command: { group: "alert", name: "resolve", args: [alert.number] } },
          ...alertIncidentActions(alert),
        ];
  if (buttons.length > 0) blocks.push(actions(...buttons));
  return { blocks, tlp: alertTlp(alert) };
}

export interface AlertRow {
  alert: Alert;
  team: string;
}

/**
 * Alerts, like incidents in a list, are shown to each audience as far as their labels allow:
 * each row is presented to the outbox as labelled content (a RED alert as restricted, seen only
 * by admins in a direct answer), and the rows it may not read are left out and counted.
 */
function asFacts(alert: Alert): IncidentFacts {
  const tlp = alertTlp(alert);
  return { id: `alert:${alert.id}`, tlp, restricted: tlp === "red" };
}

/** `/alert list`, rendered per audience (see src/outbox/outbox.ts Rendered). */
export function alertList(
  rows: AlertRow[],
  timeZone: string,
  now: Date,
): { about: Subject; content: Rendered; plain: Message } {
  const facts = rows.map((row) => asFacts(row.alert));
  const render = (shown: AlertRow[], withheld: number): Message => {
    if (shown.length === 0 && withheld === 0) return { blocks: [text("No open alerts.")] };
    const blocks: Block[] = [
      table(
        ["#", "State", "Severity", "Team", "TLP", "Summary", "Last signal"],
        shown.map(({ alert, team }) => [
          String(alert.number),
          alert.silencedUntil && alert.silencedUntil > now ? `${alert.status} (silenced)` : alert.status,
          formatSeverity(alert.severity),
          team,
          formatTlp(alertTlp(alert)),
          alert.summary.length > 60 ? `${alert.summary.slice(0, 59)}…` : alert.summary,
          formatTime(alert.lastSignalAt, timeZone),
        ]),
      ),
    ];
    if (withheld > 0)
      blocks.push(
        context(`🔒 ${withheld} more ${withheld === 1 ? "alert" : "alerts"} withheld by TLP here.`),
      );
    blocks.push(
      context("`/alert show <n>` for one; `/alert ack <n>`, `/alert resolve <n>`, `/alert declare <n>`."),
    );
    return { blocks };
  };
  return {
    about: facts.length ? { kind: "incidents", incidents: facts } : { kind: "interface" },
    content: {
      render(visible, withheld) {
        const ids = new Set(visible.map((f) => f.id));
        return render(
          rows.filter((row) => ids.has(`alert:${row.alert.id}`)),
          withheld,
        );
      },
    },
    plain: render(rows, 0),
  };
}

/** The line in a linked incident's rooms when the alert resolves. */
export function resolvedInIncidentRoom(
  alert: Alert,
  incidentTlp: TlpLabel,
  by: string | undefined,
  timeZone: string,
): Message {
  const when = alert.resolvedAt ? ` at ${formatTime(alert.resolvedAt, timeZone)}` : "";
  const who = by ? ` by ${by}` : " by its sender";
  // The room is cleared for the incident: the alert's summary goes only if its label fits.
  const tlp = alertTlp(alert);
  const summary = tlpAllows(incidentTlp, tlp)
    ? `: ${alert.summary}`
    : ` (summary withheld: ${formatTlp(tlp)})`;
  return { blocks: [text(`✅ Alert #${alert.number} resolved${who}${when}${summary}`)] };
}
