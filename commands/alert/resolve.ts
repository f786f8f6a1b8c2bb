import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "resolve",
  summary: "Resolve an alert: its page is resolved, and a linked incident's rooms are told.",
  words: "<n>",
  examples: ["resolve 12"],
  permission: "responder",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const alert = await ctx.services.alerts.actions.resolve(ctx.origin, alertNumber(args.words[0]));
    return {
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`✅ You resolved alert #${alert.number}.`)] },
      },
    };
  },
});
