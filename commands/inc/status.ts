import { visibleIncident } from "../../src/access/visibility.ts";
import { UserError } from "../../src/errors.ts";
import {
  allowedNext,
  isEnding,
  isStatus,
  STATUS_DESCRIPTIONS,
  STATUSES,
} from "../../src/incidents/lifecycle.ts";
import { type CommandContext, defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";
import closeCommand from "./close.ts";

const statusCommand = defineCommand({
  group: "inc",
  name: "status",
  summary: `Move the incident to another phase: ${STATUSES.map((s) => `${s} (${STATUS_DESCRIPTIONS[s]})`).join("; ")}. Ending it (closed, declined, merged <id>) needs a reason and the same role as \`/inc close\`.`,
  words: "<status> [note]",
  examples: ["status investigating", "status {id} contained firewall rule in place", "status merged {id2}"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const incident = ctx.incident;
    const [wanted = "", ...note] = args.words;
    const to = wanted.toLowerCase();
    if (!isStatus(to)) {
      const next = allowedNext(incident.status);
      throw new UserError(
        wanted
          ? `"${wanted}" is not a status. ${incident.publicId} is ${incident.status}; it can go to: ${next.join(", ") || "nothing (final)"}.`
          : `Which status? ${incident.publicId} is ${incident.status}; it can go to: ${next.join(", ") || "nothing (final)"}.`,
      );
    }
    if (isEnding(to)) {
      // Ending an incident is closing it, however it is typed: the same permission as /inc close.
      await ctx.services.permissions.require(ctx.origin.actor, closeCommand.permission, {
        command: statusCommand,
        incident,
        action: `\`/inc status ${to}\``,
      });
      if (to === "merged") await requireVisibleMergeTarget(ctx, note[0]);
    }
    return announce(
      ctx,
      await ctx.services.incidents.changeStatus(ctx.origin, incident.id, to, note.join(" "), incident),
    );
  },
});

/** A restricted incident the caller may not see is as absent as one that does not exist. */
async function requireVisibleMergeTarget(ctx: CommandContext, targetId: string | undefined): Promise<void> {
  if (!targetId || !ctx.services.incidents.ids.matches(targetId)) return; // changeStatus asks for it
  const where = { platform: ctx.origin.platform, roomId: ctx.origin.room.roomId };
  await visibleIncident(ctx.services, ctx.origin.actor, targetId, where);
}

export default statusCommand;
