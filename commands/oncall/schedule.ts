import { z } from "zod";
import { DAY_MS } from "../../src/oncall/local-time.ts";
import { scheduleMessage, scheduleRows } from "../../src/oncall/messages.ts";
import { coverageGaps, shiftsBetween } from "../../src/oncall/schedule.ts";
import { defineCommand } from "../../src/router/command.ts";

export const MAX_SCHEDULE_DAYS = 31;

export default defineCommand({
  group: "oncall",
  name: "schedule",
  summary: "The on-call schedule of a team as a table, gaps included (default 7 days).",
  words: "[team]",
  examples: ["schedule csirt", "schedule soc days:14"],
  permission: "viewer",
  incident: "none",
  positional: "words",
  options: z.object({
    days: z.coerce
      .number({ error: `days is a whole number from 1 to ${MAX_SCHEDULE_DAYS}.` })
      .int(`days is a whole number from 1 to ${MAX_SCHEDULE_DAYS}.`)
      .min(1, `days is a whole number from 1 to ${MAX_SCHEDULE_DAYS}.`)
      .max(MAX_SCHEDULE_DAYS, `days is a whole number from 1 to ${MAX_SCHEDULE_DAYS}.`)
      .optional()
      .meta({ usage: `1-${MAX_SCHEDULE_DAYS}` }),
  }),
  async handler(ctx, args) {
    const { directory } = ctx.services.oncall;
    const team = directory.teamFor(args.words[0], ctx.origin.actor.id);
    const days = args.options.days ?? 7;
    const from = ctx.services.clock.now();
    const to = new Date(from.getTime() + days * DAY_MS);
    const overrides = await directory.overrides(team.id, from);
    const rows = scheduleRows(
      shiftsBetween(team, overrides, from, to),
      coverageGaps(team, overrides, from, to),
    );
    const zone = directory.teamZone(team);
    return {
      reply: {
        visibility: "ephemeral",
        message: scheduleMessage(team, rows, days, zone, (id) => directory.personName(id)),
      },
    };
  },
});
