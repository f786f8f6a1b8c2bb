import { text } from "../../src/chat/message.ts";
import { deliverIncidentReport } from "../../src/incidents/report-delivery.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "report",
  summary:
    "Write the post-incident report (Markdown: summary, classification, roles, timeline, phase durations, tasks, follow-ups), clear-signed, and post it in the incident's rooms as a file.",
  examples: ["report", "report {id}"],
  permission: "viewer",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const delivered = await deliverIncidentReport(ctx.services, ctx.origin, ctx.incident);
    if (delivered.reachedAsker) return {};
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          blocks: [
            text(`The report on ${delivered.publicId} is posted in ${delivered.postedIn.join(", ")}.`),
          ],
        },
      },
    };
  },
});
