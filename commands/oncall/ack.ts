import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { pageNumber } from "./targets.ts";

export default defineCommand({
  group: "oncall",
  name: "ack",
  aliases: ["acknowledge"],
  // What a woken responder types first: `/ack` (Matrix: `!ack`).
  shorthand: "ack",
  summary:
    "Acknowledge a page (your most recent open one without a number): escalation stops, everyone paged sees it.",
  words: "[page number]",
  examples: ["ack", "ack 12"],
  // Who may: the people paged, whoever made the page, members and leads of its team (paging.ts).
  permission: "responder",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const page = await ctx.services.oncall.paging.ack(ctx.origin, pageNumber(args.words));
    return {
      // About the page's incident: where it is restricted or labelled above the room, only
      // those who may see it read the answer.
      incidentId: page.incidentId ?? undefined,
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`✅ You acknowledged page #${page.number}: ${page.message}`)] },
      },
    };
  },
});
