import { z } from "zod";
import { context, type Message, table, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { parseShiftWindow, shiftWindowExamples } from "../../src/oncall/durations.ts";
import { formatLocal } from "../../src/oncall/messages.ts";
import {
  type CommandContext,
  type CommandResult,
  defineCommand,
  type ParsedArgs,
  type Subcommand,
} from "../../src/router/command.ts";
import {
  callerZone,
  configuredPerson,
  overrideTeam,
  pageNumber,
  takeShift,
  typedMention,
} from "./targets.ts";

const options = z.object({
  from: z.string().optional(),
  until: z.string().optional(),
  for: z.string().optional(),
  team: z.string().optional(),
  rotation: z.string().optional(),
});
type Options = z.infer<typeof options>;

const OVERRIDE: readonly Subcommand<Options>[] = [
  {
    usage: "<@person|me> from:<time> until:<time>|for:<duration> [team:<id>] [rotation:<id>]",
    // Bare words other than `me` are refused in create, with the explicit syntax.
    words: [0, Number.POSITIVE_INFINITY],
    say: "whom to put on call and when",
    run: create,
  },
  {
    name: "list",
    usage: "list [team]",
    words: [0, 1],
    say: "at most one team, e.g. `list csirt`",
    run: list,
  },
  {
    name: "remove",
    usage: "remove <n>",
    words: 1,
    say: "which override, by its number in `/oncall override list`, e.g. `remove 3`",
    run: remove,
  },
];

export default defineCommand({
  group: "oncall",
  name: "override",
  summary:
    "Put someone on call for a stretch of time (take or give a shift), list the team's overrides, or take one back. Times are read in your zone (else the team's); only the person themselves or a lead of the team may make or remove their override.",
  examples: [
    "override @bob from:2026-12-24T18:00 until:2026-12-26T09:00",
    "override me from:18:00 for:12h team:csirt",
    "override @bob from:2026-12-01 for:1w rotation:nights-weekends",
    "override list csirt",
    "override remove 3",
  ],
  // Checked in the handler: the person themselves or a lead of the team.
  permission: "responder",
  incident: "none",
  positional: "words",
  options,
  subcommands: OVERRIDE,
});

async function create(
  ctx: CommandContext,
  args: ParsedArgs<Options>,
  words: string[],
): Promise<CommandResult> {
  const me = words.some((w) => w.toLowerCase() === "me");
  const people = [...args.mentions, ...(me ? [ctx.origin.actor] : [])];
  if (people.length !== 1) throw new UserError("Name exactly one person: a mention like @bob, or me.");
  const person = configuredPerson(ctx, people[0]!);
  const bare = words.filter((w) => w.toLowerCase() !== "me");
  if (bare.length > 0) {
    // `2026-12-01 09:00` once meant "midnight until 09:00"; nothing is guessed any more.
    const who = me ? "me" : await typedMention(ctx, people[0]!);
    throw new UserError(
      `"${bare.join(" ")}" could mean the start or the end: say which with from: and until: (or for:), e.g. ${shiftWindowExamples(`/oncall override ${who} `)}.`,
    );
  }
  const team = overrideTeam(ctx, person, args.options.team);
  const now = ctx.services.clock.now();
  const { start, end } = parseShiftWindow(args.options, { at: now, timeZone: callerZone(ctx, team) });
  return takeShift(ctx, { team, person, start, end, rotationId: args.options.rotation, reason: "override" });
}

async function list(ctx: CommandContext, args: ParsedArgs<Options>, words: string[]): Promise<CommandResult> {
  if (args.mentions.length > 0) throw new UserError("`override list` takes a team, not a person.");
  const { directory } = ctx.services.oncall;
  const team = directory.teamFor(words[0] ?? args.options.team, ctx.origin.actor.id);
  const overrides = await directory.currentOverrides(team, ctx.services.clock.now());
  const zone = directory.teamZone(team);
  let message: Message;
  if (overrides.length === 0) {
    message = {
      blocks: [
        text(`${team.name} has no current or future overrides.`),
        context("`/oncall cover` or `/oncall override` makes one."),
      ],
    };
  } else {
    const makerName = await ctx.services.people.displayNames(overrides.map((o) => o.createdById));
    message = {
      blocks: [
        text(`Overrides of ${team.name} (times in ${zone}):`),
        table(
          ["#", "Who", "From", "Until", "Layer", "Made by"],
          overrides.map((o) => [
            String(o.number),
            directory.personName(o.personId),
            formatLocal(o.startsAt, zone),
            formatLocal(o.endsAt, zone),
            o.rotationId ?? "all",
            `${makerName.get(o.createdById) ?? "?"} (${o.reason || "override"})`,
          ]),
        ),
        context(
          "`/oncall override remove <n>` takes one back (the person themselves or a lead of the team).",
        ),
      ],
    };
  }
  return { reply: { visibility: "ephemeral", message } };
}

async function remove(
  ctx: CommandContext,
  _args: ParsedArgs<Options>,
  words: string[],
): Promise<CommandResult> {
  const { directory } = ctx.services.oncall;
  const number = pageNumber(words, "an override number");
  if (number === undefined) throw new UserError("Say which override, e.g. `remove 3`.");
  const { override, team } = await directory.removeOverride(ctx.origin, number);
  const zone = directory.teamZone(team);
  return {
    reply: {
      visibility: "room",
      message: {
        blocks: [
          text(
            `🔁 Override #${override.number} removed: ${directory.personName(override.personId)} is no longer on call for ${team.name} from ${formatLocal(override.startsAt, zone)} until ${formatLocal(override.endsAt, zone)}; the schedule decides again.`,
          ),
        ],
      },
    },
  };
}
