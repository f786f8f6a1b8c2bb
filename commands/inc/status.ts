import { UserError } from "../../src/errors.ts";
import {
  allowedNext,
  isStatus,
  STATUS_DESCRIPTIONS,
  STATUSES,
  type Status,
} from "../../src/incidents/lifecycle.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "status",
  summary: `Move the incident to another phase: ${STATUSES.map((s) => `${s} (${STATUS_DESCRIPTIONS[s]})`).join("; ")}.`,
  usage: "status [<id>] <status> [note]",
  examples: ["status investigating", "status {id} contained firewall rule in place", "status merged {id2}"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const incident = ctx.incident!;
    const [wanted = "", ...note] = args.words;
    const to = wanted.toLowerCase();
    if (!isStatus(to)) {
      const next = allowedNext(incident.status as Status);
      throw new UserError(
        wanted
          ? `"${wanted}" is not a status. ${incident.publicId} is ${incident.status}; it can go to: ${next.join(", ") || "nothing (final)"}.`
          : `Which status? ${incident.publicId} is ${incident.status}; it can go to: ${next.join(", ") || "nothing (final)"}.`,
      );
    }
    return announce(
      ctx,
      await ctx.services.incidents.changeStatus(ctx.origin, incident.id, to, note.join(" ")),
    );
  },
});
