import { code, context, heading } from "../../src/chat/message.ts";
import { formatTime, tlpOf } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "audit",
  summary: "Export the incident's audit log: who did what, when, from where (admins).",
  permission: "admin",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const incident = ctx.incident;
    const entries = await ctx.services.incidents.auditLog(incident.id);
    // One JSON object per line: greppable here, and loadable by any log tool.
    const lines = entries.map((e) =>
      JSON.stringify({
        at: e.at.toISOString(),
        actor: e.actor?.displayName ?? null,
        actorId: e.actorId,
        action: e.action,
        platform: e.platform,
        room: e.roomId,
        correlationId: e.correlationId,
        detail: e.detail,
      }),
    );
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          tlp: tlpOf(incident),
          blocks: [
            heading(`Audit log of ${incident.publicId} (${entries.length} entries)`),
            code(lines.join("\n") || "(empty)"),
            context(`Exported ${formatTime(ctx.services.clock.now(), ctx.services.timeZone)}`),
          ],
        },
      },
    };
  },
});
