import { incidentSummary } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "show",
  summary: "Show an incident's summary.",
  permission: "viewer",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const details = await ctx.services.incidents.details(ctx.incident.id);
    return {
      reply: {
        visibility: "ephemeral",
        message: incidentSummary(details, ctx.mention, ctx.services.timeZone),
      },
    };
  },
});
