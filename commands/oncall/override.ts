import { z } from "zod";
import { UserError } from "../../src/errors.ts";
import { parseTimeRange } from "../../src/oncall/durations.ts";
import { defineCommand } from "../../src/router/command.ts";
import { callerZone, configuredPerson, overrideTeam, takeShift } from "./targets.ts";

export default defineCommand({
  group: "oncall",
  name: "override",
  summary: "Put someone on call for a stretch of time (take or give a shift).",
  usage: "override <@person|me> <from> <to> [team:<id>] [rotation:<id>]",
  examples: [
    "override @bob 2026-12-24T18:00 2026-12-26T09:00",
    "override me 18:00 for:12h team:csirt",
    "override @bob 2026-12-01 1w rotation:nights-weekends",
  ],
  // Checked in the handler: the person themselves or a lead of the team.
  permission: "responder",
  incident: "none",
  positional: "words",
  options: z.object({ team: z.string().optional(), rotation: z.string().optional() }),
  async handler(ctx, args) {
    const words = [...args.words];
    const me = words[0]?.toLowerCase() === "me";
    if (me) words.shift();
    const people = [...args.mentions, ...(me ? [ctx.origin.actor] : [])];
    if (people.length !== 1) throw new UserError("Name exactly one person: a mention like @bob, or me.");
    if (words.length !== 2) {
      throw new UserError(
        "Give when it starts and when it ends, e.g. `2026-12-24T18:00 2026-12-26T09:00`, `18:00 for:12h` or `now 4h`.",
      );
    }
    const person = configuredPerson(ctx, people[0]!);
    const team = overrideTeam(ctx, person, args.options.team);
    const now = ctx.services.clock.now();
    const { start, end } = parseTimeRange(words[0]!, words[1]!, { at: now, timeZone: callerZone(ctx, team) });
    return takeShift(ctx, {
      team,
      person,
      start,
      end,
      rotationId: args.options.rotation,
      reason: "override",
    });
  },
});
