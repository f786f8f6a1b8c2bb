import { UserError } from "../../src/errors.ts";
import { isRole, ROLE_IDS, ROLES } from "../../src/incidents/roles.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";
import { personFrom } from "./people.ts";

const roleCommand = defineCommand({
  group: "inc",
  name: "role",
  summary: `Give a role to someone: ${ROLE_IDS.map((r) => `${r} (${ROLES[r].duty})`).join("; ")}.`,
  words: `<${ROLE_IDS.join("|")}> <@person|me>`,
  examples: ["role scribe @bob", "role {id} comms me"],
  permission: "incident-roles",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const [role = "", ...rest] = args.words;
    const wanted = role.toLowerCase();
    if (!isRole(wanted)) throw new UserError(`Roles are: ${ROLE_IDS.join(", ")}.`);
    const person = personFrom(ctx, args, rest);
    await ctx.services.permissions.requireRoleAssignment(ctx.origin.actor, person, wanted, {
      command: roleCommand,
      incident: ctx.incident,
    });
    const change = await ctx.services.incidents.assignRole(ctx.origin, ctx.incident.id, wanted, person);
    await ctx.services.rooms.inviteToRooms(ctx.incident.id, [person]);
    if (wanted === "commander" || wanted === "deputy") {
      await ctx.services.rooms.grantModerators(ctx.incident.id, [person]);
    }
    return announce(ctx, change);
  },
});

export default roleCommand;
