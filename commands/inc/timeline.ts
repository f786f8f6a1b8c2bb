import { timelineMessage } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "timeline",
  summary: "Show the incident timeline (the last 100 entries).",
  permission: "viewer",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const entries = await ctx.services.incidents.timeline(ctx.incident.id);
    return {
      reply: {
        visibility: "ephemeral",
        message: timelineMessage(ctx.incident, entries, ctx.services.timeZone),
      },
    };
  },
});
