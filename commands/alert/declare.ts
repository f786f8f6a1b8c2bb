import { text } from "../../src/chat/message.ts";
import { storedTlp } from "../../src/incidents/tlp.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "declare",
  summary:
    "Declare an incident from an alert: pre-classified from its severity, TLP, class and team, with the alert attached.",
  words: "<n>",
  examples: ["declare 12"],
  permission: "responder",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const { actions, declarer } = ctx.services.alerts;
    const alert = await actions.find(alertNumber(args.words[0]));
    await actions.requireMayAct(ctx.origin.actor, alert, "declare an incident for");
    const { incident, room, page } = await declarer.declare(ctx.origin, alert, {
      invite: [ctx.origin.actorExternalId],
    });
    const where = !room
      ? ""
      : room.ok
        ? `\nRoom: ${room.name}`
        : `\n⚠️ The room could not be opened (${room.reason}); the incident is recorded.`;
    const paged = page ? `\n📟 Paging the team's on-call (page #${page.number}).` : "";
    return {
      incidentId: incident.id,
      reply: {
        visibility: "room",
        message: {
          tlp: storedTlp(incident.tlp),
          blocks: [
            text(
              `🚨 ${incident.publicId} declared from alert #${alert.number}: ${incident.title}${where}${paged}`,
            ),
          ],
        },
      },
    };
  },
});
