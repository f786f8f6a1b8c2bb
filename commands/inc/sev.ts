import { text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { parseSeverity } from "../../src/incidents/lifecycle.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "sev",
  aliases: ["severity"],
  summary:
    "Change the severity: 1 critical, 2 high, 3 medium, 4 low. Raising an open incident into its team's paging severities pages the team's on-call, once per incident.",
  words: "<1-4>",
  examples: ["sev 1", "sev {id} high"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const severity = parseSeverity(args.words[0] ?? "");
    if (args.words.length !== 1 || severity === undefined) {
      throw new UserError("Give one severity: 1 (critical), 2 (high), 3 (medium) or 4 (low).");
    }
    const change = await ctx.services.incidents.setSeverity(ctx.origin, ctx.incident.id, severity);
    // A raise into the owning team's paging severities scheduled a page in the same transaction
    // (Paging.scheduleRaisedSeverityPage); it goes out now, as a declaration's does.
    const page = await ctx.services.oncall.paging.pageRaisedIncident(change.incident);
    const result = announce(ctx, change);
    if (!page) return result;
    const team = ctx.services.oncall.directory.findTeam(change.incident.teamId ?? "");
    return {
      ...result,
      reply: {
        visibility: "room",
        message: {
          blocks: [text(`📟 Paging ${team?.name ?? "the team"}'s on-call (page #${page.number}).`)],
        },
      },
    };
  },
});
