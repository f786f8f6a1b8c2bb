import { visibleIncident } from "../../src/access/visibility.ts";
import { text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "link",
  summary: "Link an alert to an incident (in the incident's room, the incident is implied).",
  words: "<n> [incident]",
  examples: ["link 12 {id}"],
  permission: "responder",
  incident: "optional",
  positional: "words",
  async handler(ctx, args) {
    const [first, id] = args.words;
    const number = alertNumber(first);
    const incident = id
      ? await visibleIncident(ctx.services, ctx.origin.actor, id, {
          platform: ctx.origin.platform,
          roomId: ctx.origin.room.roomId,
        })
      : ctx.incident;
    if (!incident) {
      throw new UserError(
        `Which incident? \`/alert link ${number} ${ctx.services.incidents.ids.example()}\`, or run it in the incident's room.`,
        { code: "alert.link_incident" },
      );
    }
    const alert = await ctx.services.alerts.actions.link(ctx.origin, number, incident);
    return {
      incidentId: incident.id,
      reply: {
        visibility: "room",
        message: { blocks: [text(`🔗 Alert #${alert.number} linked to ${incident.publicId}.`)] },
      },
    };
  },
});
