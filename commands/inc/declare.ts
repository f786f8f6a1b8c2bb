import { z } from "zod";
import { text } from "../../src/chat/message.ts";
import { aboutIncident } from "../../src/incidents/incident-rooms.ts";
import { storedTlp } from "../../src/incidents/tlp.ts";
import { defineCommand } from "../../src/router/command.ts";
import { rsitTypeValue, severityValue, tlpValue, yesNoValue } from "./options.ts";

/** The options of `/inc declare`; the Slack declare modal fills them by these keys. */
export const declareOptions = z.object({
  sev: severityValue.optional().meta({ usage: "1-4" }),
  class: rsitTypeValue.optional().meta({ usage: "<rsit type>" }),
  tlp: tlpValue.optional().meta({ usage: "<label>" }),
  restricted: yesNoValue.optional().meta({ usage: "yes" }),
  /** The owning on-call team (default: the configuration's defaultTeam, else its first team). */
  team: z.string().optional().meta({ usage: "<on-call team>" }),
  summary: z.string().max(3000, "A summary has at most 3000 characters.").optional().meta({ usage: '"..."' }),
});

export default defineCommand({
  group: "inc",
  name: "declare",
  summary: "Declare a new incident and open a private room for it.",
  words: "<title>",
  examples: [
    'declare "Phishing wave against finance" sev:2 class:phishing',
    "declare Ransomware on file server sev:1 tlp:red",
  ],
  permission: "responder",
  incident: "none",
  positional: "words",
  options: declareOptions,
  async handler(ctx, args) {
    const { incidents, oncall } = ctx.services;
    // Checked before anything is written: an unknown team refuses the declaration.
    const team = oncall.directory.owningTeam(args.options.team);
    const change = await incidents.declare(ctx.origin, {
      title: args.text,
      severity: args.options.sev,
      rsitType: args.options.class,
      tlp: args.options.tlp,
      summary: args.options.summary,
      restricted: args.options.restricted,
      teamId: team?.id,
    });
    const room = await ctx.services.rooms.open(
      change.incident,
      ctx.origin.platform,
      [ctx.origin.actorExternalId],
      change.details,
    );
    let where = room.ok
      ? `Room: ${room.name}`
      : `⚠️ The room could not be opened (${room.reason}); the incident is recorded.`;
    const mirrorTo = ctx.services.platforms.mirrorNewIncidentsTo;
    if (mirrorTo && mirrorTo !== ctx.origin.platform) {
      const mirror = await ctx.services.rooms.open(change.incident, mirrorTo, [], change.details);
      where += mirror.ok
        ? `\nMirrored on ${mirrorTo}: ${mirror.name}`
        : `\n⚠️ No ${mirrorTo} mirror: ${mirror.reason}`;
    }
    // After the room exists, so the page's mention line lands in it (see Paging.scheduleDeclaredPage).
    const page = await oncall.paging.pageDeclaredIncident(change.incident);
    const paged = page ? `\n📟 Paging ${team?.name ?? "the team"}'s on-call (page #${page.number}).` : "";
    return {
      incidentId: change.incident.id,
      about: aboutIncident(change.incident),
      reply: {
        visibility: "room",
        message: {
          tlp: storedTlp(change.incident.tlp),
          blocks: [
            text(
              `🚨 ${change.incident.publicId} declared: ${change.incident.title}\n${change.text}\n${where}${paged}`,
            ),
          ],
        },
      },
    };
  },
});
