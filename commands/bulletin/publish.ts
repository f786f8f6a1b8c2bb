import { text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk, chosenSubscriptions } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "publish",
  summary:
    "Run a subscription now, as its schedule would: post what is new to its room (signed), and remember it.",
  words: "[subscription]",
  examples: ["publish", "publish soc-daily"],
  permission: "bulletin-editor",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const desk = bulletinDesk(ctx);
    const subscriptions = chosenSubscriptions(ctx, args);
    for (const subscription of subscriptions) await desk.publishNow(subscription, ctx.origin);
    const names = subscriptions.map((s) => `${s.id} → ${s.destination.roomId} on ${s.destination.platform}`);
    return {
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`Publishing now: ${names.join("; ")}. The bulletin follows in its room.`)] },
      },
    };
  },
});
