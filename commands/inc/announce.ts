// Most /inc changes answer the same way: announce the change in every room of the incident.
import type { Change } from "../../src/incidents/incidents.ts";
import { changeMessage } from "../../src/incidents/render.ts";
import type { CommandContext, CommandResult } from "../../src/router/command.ts";

/** Changes the pinned summary and the topic do not show. */
const NOT_IN_SUMMARY = new Set(["note", "update", "invite"]);

export function announce(ctx: CommandContext, change: Change): CommandResult {
  return {
    announce: {
      incidentId: change.incident.id,
      changed: { incident: change.incident, rooms: change.rooms, details: change.details },
      message: changeMessage(change.incident, ctx.origin.actor, change.text, ctx.mention),
      refreshSummary: !NOT_IN_SUMMARY.has(change.kind),
      timelineEntryId: change.timelineEntryId,
    },
  };
}
