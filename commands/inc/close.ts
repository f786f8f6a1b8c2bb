import { changeMessage, incidentSummary } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "close",
  summary: "Close the incident with a resolution; the final summary is posted in its rooms.",
  words: "<resolution>",
  examples: ["close phishing site taken down, 3 mailboxes cleaned"],
  permission: "commander",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    const { incidents, timeZone } = ctx.services;
    const change = await incidents.close(ctx.origin, ctx.incident.id, args.text);
    const summary = incidentSummary(await incidents.details(change.incident.id), ctx.mention, timeZone);
    const line = changeMessage(change.incident, ctx.origin.actor, change.text, ctx.mention);
    return {
      announce: {
        incidentId: change.incident.id,
        timelineEntryId: change.timelineEntryId,
        message: { tlp: line.tlp, blocks: [...line.blocks, ...summary.blocks] },
      },
    };
  },
});
