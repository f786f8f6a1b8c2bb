import { mayView, visibleIncident } from "../../src/access/visibility.ts";
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
    const where = { platform: ctx.origin.platform, roomId: ctx.origin.room.roomId };
    const incident = id ? await visibleIncident(ctx.services, ctx.origin.actor, id, where) : ctx.incident;
    if (!incident) {
      throw new UserError(
        `Which incident? \`/alert link ${number} ${ctx.services.incidents.ids.example()}\`, or run it in the incident's room.`,
        { code: "alert.link_incident" },
      );
    }
    // Moving an alert out of an incident is a change to that incident too: only for those who
    // may see it (a restricted one is neither named nor robbed of its alert).
    const current = await ctx.services.alerts.actions.find(number);
    const linked = current.incidentId ? await ctx.services.incidents.findById(current.incidentId) : null;
    if (
      linked &&
      linked.id !== incident.id &&
      !(await mayView(ctx.services, ctx.origin.actor, linked, where))
    ) {
      throw new UserError(`Alert #${number} already has an incident, one you may not change.`, {
        code: "alert.already_linked",
      });
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
