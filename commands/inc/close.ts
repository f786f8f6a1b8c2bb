import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "close",
  summary: "Close the incident with a resolution.",
  usage: "close [<id>] <resolution>",
  examples: ["close phishing site taken down, 3 mailboxes cleaned"],
  permission: "commander",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(ctx, await ctx.services.incidents.close(ctx.origin, ctx.incident!.id, args.text));
  },
});
