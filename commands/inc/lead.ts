import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";
import { personFrom } from "./people.ts";

export default defineCommand({
  group: "inc",
  name: "lead",
  summary: "Make someone (or yourself) the incident commander.",
  usage: "lead [<id>] <@person|me>",
  examples: ["lead @alice", "lead me"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const person = personFrom(ctx, args, args.words);
    const change = await ctx.services.incidents.assignRole(ctx.origin, ctx.incident!.id, "commander", person);
    await ctx.services.rooms.inviteToRooms(ctx.incident!.id, [person]);
    await ctx.services.rooms.grantModerators(ctx.incident!.id, [person]);
    return announce(ctx, change);
  },
});
