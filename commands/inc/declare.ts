import { z } from "zod";
import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { rsitTypeValue, severityValue, tlpValue } from "./options.ts";
import { openIncidentRoom } from "./rooms.ts";

export default defineCommand({
  group: "inc",
  name: "declare",
  summary: "Declare a new incident and open a private room for it.",
  usage: 'declare <title> [sev:1-4] [class:<rsit type>] [tlp:<label>] [summary:"..."]',
  examples: [
    'declare "Phishing wave against finance" sev:2 class:phishing',
    "declare Ransomware on file server sev:1 tlp:red",
  ],
  permission: "responder",
  incident: "none",
  positional: "words",
  options: z.object({
    sev: severityValue.optional(),
    class: rsitTypeValue.optional(),
    tlp: tlpValue.optional(),
    summary: z.string().max(3000, "A summary has at most 3000 characters.").optional(),
  }),
  async handler(ctx, args) {
    const { incidents } = ctx.services;
    const change = await incidents.declare(ctx.origin, {
      title: args.text,
      severity: args.options.sev,
      rsitType: args.options.class,
      tlp: args.options.tlp,
      summary: args.options.summary,
    });
    const room = await openIncidentRoom(ctx, change.incident);
    const where = room.ok
      ? `Room: ${room.name}`
      : `⚠️ The room could not be opened (${room.reason}); the incident is recorded.`;
    return {
      reply: {
        visibility: "room",
        message: {
          blocks: [
            text(
              `🚨 ${change.incident.publicId} declared: ${change.incident.title}\n${change.text}\n${where}`,
            ),
          ],
        },
      },
    };
  },
});
