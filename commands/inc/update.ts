import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "update",
  summary: "Post a status update for stakeholders (kept in the timeline).",
  words: "<text>",
  examples: ["update Contained; mail flow restored; next update 15:00"],
  permission: "responder",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(
      ctx,
      await ctx.services.incidents.addEntry(ctx.origin, ctx.incident.id, "update", args.text),
    );
  },
});
