import { z } from "zod";
import { DIGEST_LANGUAGES } from "../../src/bulletins/digest.ts";
import { PERIOD_HINT, PeriodError, parsePeriodSpec } from "../../src/bulletins/statistics.ts";
import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { tlpValue } from "../inc/options.ts";
import { bulletinDesk } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "stats",
  summary:
    "Post incident statistics for a period in this room: opened and closed by RSIT class and severity, median times, trend, chart (signed; TLP:GREEN unless labelled).",
  words: "[7d|30d|4w|month|2026-10]",
  examples: ["stats", "stats 7d", "stats month tlp:amber", "stats 2026-10 lang:de"],
  permission: "viewer",
  incident: "none",
  positional: "words",
  options: z.object({
    tlp: tlpValue.optional().meta({ usage: "<label>" }),
    lang: z
      .enum(DIGEST_LANGUAGES, { error: `Languages: ${DIGEST_LANGUAGES.join(", ")}.` })
      .optional()
      .meta({ usage: DIGEST_LANGUAGES.join("|") }),
  }),
  async handler(ctx, args) {
    if (args.words.length > 1) throw new UserError(`Give one period: ${PERIOD_HINT}.`);
    const wanted = args.words[0] ?? "30d";
    const spec = parsePeriodSpec(wanted);
    if (!spec) throw new UserError(`"${wanted}" is not a period: ${PERIOD_HINT}.`);
    const desk = bulletinDesk(ctx);
    let bulletin: Awaited<ReturnType<typeof desk.statisticsBulletin>>;
    try {
      bulletin = await desk.statisticsBulletin(spec, {
        now: ctx.services.clock.now(),
        timeZone: ctx.services.timeZone,
        tlp: args.options.tlp ?? "green",
        language: args.options.lang,
      });
    } catch (error) {
      if (error instanceof PeriodError) throw new UserError(error.message);
      throw error;
    }
    const result = await desk.deliverHere(ctx.origin, bulletin);
    if (!result.posted) throw new UserError(`Not posted: ${result.reason}`);
    return {};
  },
});
