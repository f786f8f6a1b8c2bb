import { pagesList, pagesTable } from "../../src/paging/messages.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "pages",
  summary: "Pages not resolved yet: who was paged, how far escalation got.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const rows = await ctx.services.oncall.paging.openPages();
    return { reply: { visibility: "ephemeral", message: pagesTable(rows) }, ...pagesList(rows) };
  },
});
