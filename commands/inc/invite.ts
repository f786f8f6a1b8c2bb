import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "invite",
  summary: "Add people to the incident and its rooms.",
  words: "<@person>...",
  examples: ["invite @alice @bob"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    if (args.words.length > 0) throw new UserError(`"${args.words[0]}" is not a mention: write @name.`);
    const change = await ctx.services.incidents.invite(ctx.origin, ctx.incident.id, args.mentions);
    await ctx.services.rooms.inviteToRooms(ctx.incident.id, args.mentions);
    return announce(ctx, change);
  },
});
