import { context, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { incidentFacts } from "../../src/incidents/incident-rooms.ts";
import type { ListFilter } from "../../src/incidents/incidents.ts";
import { incidentTable } from "../../src/incidents/render.ts";
import { withheldLine } from "../../src/paging/messages.ts";
import { defineCommand } from "../../src/router/command.ts";

const FILTERS: ListFilter[] = ["open", "mine", "all"];

export default defineCommand({
  group: "inc",
  name: "list",
  aliases: ["ls"],
  summary: "List incidents: open ones (default), the ones you are part of, or all.",
  words: "[open|mine|all]",
  permission: "viewer",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const filter = (args.words[0]?.toLowerCase() ?? "open") as ListFilter;
    if (!FILTERS.includes(filter) || args.words.length > 1)
      throw new UserError(`List what? ${FILTERS.join(", ")}.`);
    const seeRestricted = await ctx.services.permissions.isAdmin(ctx.origin.actor);
    const incidents = await ctx.services.incidents.list(filter, ctx.origin.actor, { seeRestricted });
    const title = filter === "all" ? "All" : filter === "mine" ? "My open" : "Open";
    const render = (shown: typeof incidents, withheld: number) => {
      if (shown.length === 0 && withheld === 0) {
        return { blocks: [text(filter === "all" ? "No incidents yet." : `No ${filter} incidents.`)] };
      }
      const table = incidentTable(`${title} incidents (${shown.length})`, shown);
      if (withheld > 0) table.blocks.push(context(withheldLine(withheld)));
      return table;
    };
    // Rendered per audience: a room sees only the incidents it may (restricted ones not even counted).
    const byId = new Map(incidents.map((incident) => [incident.id, incident]));
    return {
      reply: { visibility: "ephemeral", message: render(incidents, 0) },
      about: incidents.length
        ? { kind: "incidents", incidents: incidents.map(incidentFacts) }
        : { kind: "interface" },
      content: {
        render: (visible, withheld) =>
          render(
            visible.flatMap((facts) => byId.get(facts.id) ?? []),
            withheld,
          ),
      },
    };
  },
});
