import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "note",
  summary: "Add a note to the incident timeline.",
  words: "<text>",
  examples: ["note attacker IP 203.0.113.7:443 blocked at the edge"],
  permission: "responder",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(
      ctx,
      await ctx.services.incidents.addEntry(ctx.origin, ctx.incident.id, "note", args.text),
    );
  },
});
