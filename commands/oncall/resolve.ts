import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { pageNumber } from "./targets.ts";

export default defineCommand({
  group: "oncall",
  name: "resolve",
  summary: "Resolve a page (your most recent open or acknowledged one without a number): it is over.",
  words: "[page number]",
  examples: ["resolve", "resolve 12"],
  // Who may: the people paged, whoever made the page, members and leads of its team (paging.ts).
  permission: "responder",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const page = await ctx.services.oncall.paging.resolve(ctx.origin, pageNumber(args.words));
    return {
      // About the page's incident: where it is restricted or labelled above the room, only
      // those who may see it read the answer.
      incidentId: page.incidentId ?? undefined,
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`✅ You resolved page #${page.number}: ${page.message}`)] },
      },
    };
  },
});
