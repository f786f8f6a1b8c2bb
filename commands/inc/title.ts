import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "title",
  summary: "Rename the incident.",
  words: "<new title>",
  permission: "responder",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(ctx, await ctx.services.incidents.setTitle(ctx.origin, ctx.incident.id, args.text));
  },
});
