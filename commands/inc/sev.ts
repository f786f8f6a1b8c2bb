import { UserError } from "../../src/errors.ts";
import { parseSeverity } from "../../src/incidents/lifecycle.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "sev",
  aliases: ["severity"],
  summary: "Change the severity: 1 critical, 2 high, 3 medium, 4 low.",
  usage: "sev [<id>] <1-4>",
  examples: ["sev 1", "sev {id} high"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const severity = parseSeverity(args.words[0] ?? "");
    if (args.words.length !== 1 || severity === undefined) {
      throw new UserError("Give one severity: 1 (critical), 2 (high), 3 (medium) or 4 (low).");
    }
    return announce(ctx, await ctx.services.incidents.setSeverity(ctx.origin, ctx.incident!.id, severity));
  },
});
