import { UserError } from "../../src/errors.ts";
import { isRole, ROLE_IDS, ROLES } from "../../src/incidents/roles.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";
import { personFrom } from "./people.ts";

export default defineCommand({
  group: "inc",
  name: "role",
  summary: `Give a role to someone: ${ROLE_IDS.map((r) => `${r} (${ROLES[r].duty})`).join("; ")}.`,
  usage: `role [<id>] <${ROLE_IDS.join("|")}> <@person|me>`,
  examples: ["role scribe @bob", "role {id} comms me"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const [role = "", ...rest] = args.words;
    if (!isRole(role.toLowerCase())) throw new UserError(`Roles are: ${ROLE_IDS.join(", ")}.`);
    const person = personFrom(ctx, args, rest);
    const change = await ctx.services.incidents.assignRole(
      ctx.origin,
      ctx.incident!.id,
      role.toLowerCase() as never,
      person,
    );
    await ctx.services.rooms.inviteToRooms(ctx.incident!.id, [person]);
    if (role.toLowerCase() === "commander" || role.toLowerCase() === "deputy") {
      await ctx.services.rooms.grantModerators(ctx.incident!.id, [person]);
    }
    return announce(ctx, change);
  },
});
