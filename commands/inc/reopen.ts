import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "reopen",
  summary: "Reopen a closed (back to investigating) or declined (back to triage) incident.",
  words: "[reason]",
  permission: "commander",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(
      ctx,
      await ctx.services.incidents.reopen(ctx.origin, ctx.incident.id, args.text || undefined),
    );
  },
});
