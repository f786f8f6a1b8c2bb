import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "join",
  summary: "Join an incident: become a participant and get invited to its rooms.",
  permission: "responder",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const change = await ctx.services.incidents.invite(ctx.origin, ctx.incident.id, [ctx.origin.actor]);
    await ctx.services.rooms.inviteToRooms(ctx.incident.id, [ctx.origin.actor]);
    return announce(ctx, change);
  },
});
