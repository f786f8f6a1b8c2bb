import { alertList } from "../../src/alerts/alert-messages.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "alert",
  name: "list",
  summary: "Open alerts (firing or acknowledged), newest first; what this room may not read is left out.",
  examples: ["list"],
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const rows = await ctx.services.alerts.actions.open();
    const { about, content, plain } = alertList(rows, ctx.services.timeZone, ctx.services.clock.now());
    return { reply: { visibility: "ephemeral", message: plain }, about, content };
  },
});
