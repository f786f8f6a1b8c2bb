import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "ack",
  aliases: ["acknowledge"],
  summary: "Acknowledge an alert: its page stops escalating, everyone paged sees it.",
  words: "<n>",
  examples: ["ack 12"],
  // Who may: anyone its page reached, members and leads of its team (the alert desk checks).
  permission: "responder",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const alert = await ctx.services.alerts.actions.ack(ctx.origin, alertNumber(args.words[0]));
    return {
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`✅ You acknowledged alert #${alert.number}.`)] },
      },
    };
  },
});
