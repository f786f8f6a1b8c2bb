import { z } from "zod";
import { text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { parseDuration } from "../../src/oncall/durations.ts";
import { defineCommand } from "../../src/router/command.ts";
import { alertNumber } from "./number.ts";

export default defineCommand({
  group: "alert",
  name: "silence",
  summary:
    "Silence an alert for a while: its page is acknowledged, nothing repeats or escalates; a new trigger after the silence pages again.",
  words: "<n>",
  examples: ["silence 12 for:2h"],
  permission: "responder",
  incident: "none",
  positional: "words",
  options: z.object({ for: z.string().optional().meta({ usage: "<duration>" }) }),
  async handler(ctx, args) {
    if (!args.options.for) {
      throw new UserError("Say for how long: `/alert silence 12 for:2h`.", { code: "alert.silence_length" });
    }
    const ms = parseDuration(args.options.for);
    const alert = await ctx.services.alerts.actions.silence(ctx.origin, alertNumber(args.words[0]), ms);
    const until = alert.silencedUntil ? formatTime(alert.silencedUntil, ctx.services.timeZone) : "?";
    return {
      reply: {
        visibility: "room",
        message: {
          blocks: [
            text(`🔕 Alert #${alert.number} silenced until ${until} by ${ctx.origin.actor.displayName}.`),
          ],
        },
      },
    };
  },
});
