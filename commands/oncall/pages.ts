import { pagesTable } from "../../src/paging/messages.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "pages",
  summary: "Pages not resolved yet: who was paged, how far escalation got.",
  usage: "pages",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    return {
      reply: { visibility: "ephemeral", message: pagesTable(await ctx.services.oncall.paging.openPages()) },
    };
  },
});
