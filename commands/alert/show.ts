import { alertShown } from "../../src/alerts/alert-messages.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "show",
  summary: "One alert: summary, source, severity, labels, links, its page and incident, and buttons.",
  words: "<n>",
  examples: ["show 12"],
  permission: "viewer",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const { actions } = ctx.services.alerts;
    const alert = await actions.find(alertNumber(args.words[0]));
    const { about, content } = alertShown(alert, await actions.facts(alert), ctx.services.timeZone);
    // Labelled with the alert's TLP (and its incident's): a room not cleared for it gets it only
    // as a private answer, and a linked incident is named only to whoever may see it.
    const message = "render" in content ? content.render([], 0) : content;
    return { reply: { visibility: "ephemeral", message }, about, content };
  },
});
