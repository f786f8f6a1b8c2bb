// How pages look in chat, as neutral messages. A page carries Ack and Resolve actions: a click
// runs `/oncall ack <n>` as the clicker, through the same permission check as typing it.
import { type Action, actions, context, type Message, table, text } from "../chat/message.ts";
import { type Destination, tlpGate } from "../chat/tlp-gate.ts";
import type { Incident, Page } from "../generated/prisma/client.ts";
import { formatSeverity } from "../incidents/lifecycle.ts";
import { formatTime } from "../incidents/render.ts";
import { formatTlp, storedTlp, type TlpLabel } from "../incidents/tlp.ts";
import type { IncidentFacts, Rendered, Subject } from "../outbox/outbox.ts";
import type { PageBody } from "./model.ts";

export function pageActions(page: Pick<Page, "number">): Action[] {
  return [
    {
      label: "Ack",
      command: { group: "oncall", name: "ack", args: [page.number] },
      style: "primary",
      onAckReaction: true,
    },
    { label: "Resolve", command: { group: "oncall", name: "resolve", args: [page.number] } },
  ];
}

/** Where a page goes outside the incident's own rooms, for the TLP gate. */
export const DIRECT_MESSAGE: Destination = {
  description: "a direct message",
  clearance: "amber",
  external: false,
};

export function teamChannel(teamName: string, platform: string): Destination {
  return { description: `${teamName}'s ${platform} channel`, clearance: "amber", external: false };
}

/**
 * The line about the page's incident for a destination outside the incident's rooms, labelled
 * with the incident's TLP. When the TLP gate keeps the title from that destination (TLP:RED and
 * TLP:AMBER+STRICT never leave the incident's rooms), the line carries only the id and severity,
 * which is enough to find the incident.
 */
export function incidentLine(incident: Incident, destination: Destination): { line: string; tlp?: TlpLabel } {
  const tlp = storedTlp(incident.tlp);
  const severity = formatSeverity(incident.severity);
  // A restricted incident (TLP:RED always) is invisible outside its own rooms: a team channel
  // learns that a restricted incident needs someone, not which one. The paged person's DM keeps
  // the id, so they can find it once they take part.
  if ((incident.restricted || tlp === "red") && destination !== DIRECT_MESSAGE) {
    return { line: `A restricted incident · ${severity} (details only for those taking part)` };
  }
  const head = `${incident.publicId} · ${severity}`;
  const decision = tlpGate(destination, { tlp, blocks: [text(incident.title)] });
  if (decision.allowed) return { line: `${head} · ${incident.title}`, tlp };
  return { line: `${head} · (title withheld: ${formatTlp(tlp)})` };
}

/** A page's text where a restricted incident may not be named. */
export const RESTRICTED_PAGE_TEXT = "(a page about a restricted incident)";

/** What a page says in a room outside its incident's: a restricted incident's page names no id. */
function pageTextFor(p: PageContext, destination: Destination): string {
  const restricted = p.incident && (p.incident.restricted || p.incident.tlp === "red");
  return restricted && destination !== DIRECT_MESSAGE
    ? "(a page about a restricted incident)"
    : p.page.message;
}

export interface PageContext {
  page: Page;
  incident?: Incident | null;
  /** Who made the page, or "tocsin" for pages made by declarations. */
  from: string;
  /** `level 1 of 3, round 1 of 3` */
  position: string;
  /** When the next level is paged if nobody acknowledges, if it is known. */
  escalatesAt?: Date;
  timeZone: string;
  /** What the page speaks for (an alert's content and buttons), when something else made it. */
  body?: PageBody;
}

/** The DM a paged person gets. */
export function pageDirectMessage(p: PageContext): Message {
  const blocks = [text(`📟 Page #${p.page.number} from ${p.from}: ${p.page.message}`)];
  const about = p.incident ? incidentLine(p.incident, DIRECT_MESSAGE) : undefined;
  if (about) blocks.push(text(about.line));
  const next = p.escalatesAt
    ? ` Unacknowledged, it escalates at ${formatTime(p.escalatesAt, p.timeZone)}.`
    : "";
  if (p.body) blocks.push(...p.body.blocks);
  blocks.push(context(`${p.position}.${next}`));
  blocks.push(actions(...pageActions(p.page), ...(p.body?.actions ?? [])));
  return { blocks, tlp: about?.tlp ?? p.body?.tlp };
}

/**
 * A page's DM once the page is acknowledged or resolved (the DM is edited to it): what it said,
 * without its buttons and its escalation, and how it ended.
 */
export function settledDirectMessage(p: PageContext, outcome: string): Message {
  const blocks = [text(`📟 Page #${p.page.number} from ${p.from}: ${p.page.message}`)];
  const about = p.incident ? incidentLine(p.incident, DIRECT_MESSAGE) : undefined;
  if (about) blocks.push(text(about.line));
  if (p.body) blocks.push(...p.body.blocks);
  blocks.push(context(outcome));
  return { blocks, tlp: about?.tlp ?? p.body?.tlp };
}

/** The post in the paged team's channels for a page with a body (an alert), made with the page. */
export function pageTeamPost(p: PageContext & { body: PageBody }, teamName: string): Message {
  return {
    blocks: [
      text(`📟 Page #${p.page.number} to ${teamName} on-call: ${p.page.message}`),
      ...p.body.blocks,
      actions(...pageActions(p.page), ...p.body.actions),
    ],
    tlp: p.body.tlp,
  };
}

/** The line in the incident's rooms naming who is paged. */
export function pageRoomMessage(p: PageContext, mentions: string[], nobodyReason?: string): Message {
  const who = mentions.length
    ? `paging ${mentions.join(", ")}`
    : `skipped, ${nobodyReason ?? "nobody to page"}; escalating`;
  return {
    blocks: [
      text(`📟 Page #${p.page.number} (${p.position}): ${who} — ${p.page.message}`),
      actions(...pageActions(p.page)),
    ],
  };
}

/** The post in the fallback team's channels once every level and round went unacknowledged. */
export function pageFallbackMessage(p: PageContext, destination: Destination): Message {
  const blocks = [
    text(
      `🚨 Page #${p.page.number} was not acknowledged by anyone after every escalation level: ${pageTextFor(p, destination)}`,
    ),
  ];
  const about = p.incident ? incidentLine(p.incident, destination) : undefined;
  if (about) blocks.push(text(about.line));
  if (p.body) blocks.push(...p.body.blocks);
  blocks.push(context(`Paged by ${p.from}. Anyone on the team can take it.`));
  blocks.push(actions(...pageActions(p.page), ...(p.body?.actions ?? [])));
  return { blocks, tlp: about?.tlp ?? p.body?.tlp };
}

/** The DM to whoever made a page that nobody acknowledged. */
export function pageExhaustedNotice(p: PageContext, fallbackNote: string): Message {
  return {
    blocks: [
      text(`⚠️ Nobody acknowledged page #${p.page.number} (${p.page.message}). ${fallbackNote}`),
      actions(...pageActions(p.page)),
    ],
  };
}

/** Replaces a page message once it was acknowledged or resolved (no more buttons to click). */
export function settledPageMessage(
  page: Page,
  outcome: string,
  pageText = page.message,
  body?: PageBody,
): Message {
  return {
    blocks: [text(`📟 Page #${page.number}: ${pageText}`), ...(body?.blocks ?? []), context(outcome)],
    tlp: body?.tlp,
  };
}

/** `acknowledged by Bob at 2026-03-10 09:03 UTC` */
export function outcomeText(page: Page, by: string, timeZone: string): string {
  if (page.status === "resolved" && page.resolvedAt) {
    return `✅ Page #${page.number} resolved by ${by} at ${formatTime(page.resolvedAt, timeZone)}.`;
  }
  const at = page.ackedAt ? ` at ${formatTime(page.ackedAt, timeZone)}` : "";
  return `✅ Page #${page.number} acknowledged by ${by}${at}; escalation stopped.`;
}

export function heldNotice(count: number, windowMinutes: number, held: number[]): Message {
  const list = held.length ? ` Held back: ${held.map((n) => `#${n}`).join(", ")}.` : "";
  return {
    blocks: [
      text(
        `⏸ You were paged ${count} times in ${windowMinutes} minutes; further pages are held back for now so you are not flooded.${list} \`/oncall pages\` lists every open page.`,
      ),
    ],
  };
}

export interface PageRow {
  /** The page's incident, for the outbox: a row of a restricted incident is shown only to those who may see it. */
  about?: IncidentFacts;
  number: number;
  status: string;
  target: string;
  escalation: string;
  incident: string;
  created: string;
  message: string;
}

/** The page list as the outbox renders it for each audience (see src/outbox/outbox.ts Rendered). */
export function pagesList(rows: PageRow[]): { about: Subject; content: Rendered } {
  const facts = rows.flatMap((row) => (row.about ? [row.about] : []));
  return {
    about: facts.length ? { kind: "incidents", incidents: facts } : { kind: "interface" },
    content: {
      render(visible, withheld) {
        const shown = new Set(visible.map((f) => f.id));
        const kept = facts.length ? rows.filter((row) => !row.about || shown.has(row.about.id)) : rows;
        const table = pagesTable(kept);
        if (withheld > 0) table.blocks.push(context(withheldLine(withheld)));
        return table;
      },
    },
  };
}

/** "2 more withheld by TLP": a count of what the audience may not read, never what it is. */
export function withheldLine(count: number): string {
  return `🔒 ${count} more ${count === 1 ? "item" : "items"} withheld by TLP here.`;
}

export function pagesTable(rows: PageRow[]): Message {
  if (rows.length === 0) return { blocks: [text("No open pages.")] };
  return {
    blocks: [
      table(
        ["#", "State", "Paged", "Escalation", "Incident", "Since", "Message"],
        rows.map((r) => [
          String(r.number),
          r.status,
          r.target,
          r.escalation,
          r.incident,
          r.created,
          r.message.length > 60 ? `${r.message.slice(0, 59)}…` : r.message,
        ]),
      ),
      context("`/oncall ack <n>` acknowledges, `/oncall resolve <n>` ends a page."),
    ],
  };
}
