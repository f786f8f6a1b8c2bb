import { text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import type { ListFilter } from "../../src/incidents/incidents.ts";
import { incidentTable } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

const FILTERS: ListFilter[] = ["open", "mine", "all"];

export default defineCommand({
  group: "inc",
  name: "list",
  aliases: ["ls"],
  summary: "List incidents: open ones (default), the ones you are part of, or all.",
  usage: "list [open|mine|all]",
  permission: "viewer",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const filter = (args.words[0]?.toLowerCase() ?? "open") as ListFilter;
    if (!FILTERS.includes(filter) || args.words.length > 1)
      throw new UserError(`List what? ${FILTERS.join(", ")}.`);
    const seeRestricted = await ctx.services.permissions.isAdmin(ctx.origin.actor);
    const incidents = await ctx.services.incidents.list(filter, ctx.origin.actor, { seeRestricted });
    const message =
      incidents.length === 0
        ? { blocks: [text(filter === "all" ? "No incidents yet." : `No ${filter} incidents.`)] }
        : incidentTable(
            `${filter === "all" ? "All" : filter === "mine" ? "My open" : "Open"} incidents (${incidents.length})`,
            incidents,
          );
    return { reply: { visibility: "ephemeral", message } };
  },
});
