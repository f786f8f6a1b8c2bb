import { z } from "zod";
import { UserError } from "../../src/errors.ts";
import { parseEndTime } from "../../src/oncall/durations.ts";
import { defineCommand } from "../../src/router/command.ts";
import { callerZone, configuredPerson, overrideTeam, takeShift } from "./targets.ts";

export default defineCommand({
  group: "oncall",
  name: "cover",
  summary:
    "Put someone (or yourself) on call from now: for a while, until a time, or to the end of the current shift.",
  words: "<@person|me>",
  examples: ["cover me for:4h", "cover @bob until:18:00 team:csirt", "cover @bob"],
  // Checked in the handler: the person themselves or a lead of the team.
  permission: "responder",
  incident: "none",
  positional: "words",
  options: z.object({
    for: z.string().optional().meta({ usage: "4h", or: "until" }),
    until: z.string().optional().meta({ usage: "18:00" }),
    team: z.string().optional().meta({ usage: "<id>" }),
    rotation: z.string().optional().meta({ usage: "<id>" }),
  }),
  async handler(ctx, args) {
    const { directory } = ctx.services.oncall;
    const me = args.words.some((w) => w.toLowerCase() === "me");
    const others = args.words.filter((w) => w.toLowerCase() !== "me");
    if (others.length) throw new UserError(`"${others[0]}" is not a person: mention them (@bob) or say me.`);
    const people = [...args.mentions, ...(me ? [ctx.origin.actor] : [])];
    if (people.length !== 1) throw new UserError("Name exactly one person: a mention like @bob, or me.");
    const person = configuredPerson(ctx, people[0]!);
    const team = overrideTeam(ctx, person, args.options.team);
    const now = ctx.services.clock.now();
    if (args.options.for !== undefined && args.options.until !== undefined) {
      throw new UserError("Give for: or until:, not both.");
    }
    const zone = callerZone(ctx, team);
    let end: Date;
    if (args.options.for !== undefined)
      end = parseEndTime(`for:${args.options.for}`, { at: now, timeZone: zone });
    else if (args.options.until !== undefined) {
      end = parseEndTime(`until:${args.options.until}`, { at: now, timeZone: zone });
    } else {
      // Taking the current shift: until whoever is on call now hands off.
      const current = await directory.onCall(team, now);
      if (!current.until) throw new UserError("The current shift has no end in sight; say how long: for:4h.");
      end = current.until;
    }
    return takeShift(ctx, { team, person, end, rotationId: args.options.rotation, reason: "cover" });
  },
});
