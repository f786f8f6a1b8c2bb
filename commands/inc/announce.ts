// Most /inc changes answer the same way: announce the change in every room of the incident.
import type { Change } from "../../src/incidents/incidents.ts";
import { changeMessage } from "../../src/incidents/render.ts";
import type { CommandContext, CommandResult } from "../../src/router/command.ts";

export function announce(ctx: CommandContext, change: Change): CommandResult {
  return {
    announce: {
      incidentId: change.incident.id,
      message: changeMessage(change.incident, ctx.origin.actor, change.text, ctx.mention),
    },
  };
}
