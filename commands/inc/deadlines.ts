import { z } from "zod";
import { context, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { deadlinesMessage, describeDue } from "../../src/incidents/deadline-messages.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { parseEndTime, parseInstant } from "../../src/oncall/durations.ts";
import {
  type CommandContext,
  type CommandResult,
  defineCommand,
  type ParsedArgs,
  type Subcommand,
} from "../../src/router/command.ts";

const options = z.object({ aware: z.string().optional(), due: z.string().optional() });
type Options = z.infer<typeof options>;
type Args = ParsedArgs<Options>;

const DEADLINES: readonly Subcommand<Options, "required">[] = [
  { usage: "", words: 0, say: "nothing more to list them", run: list },
  { name: "presets", usage: "presets", words: 0, say: "just `presets`", run: presets },
  {
    name: "start",
    usage: "start <preset> [aware:<time>]",
    words: 1,
    say: "which preset, e.g. `start nis2`",
    run: start,
  },
  {
    name: "done",
    usage: "done [<preset>] <milestone>",
    words: [1, 2],
    say: "which milestone, e.g. `done nis2 early-warning`",
    run: done,
  },
  {
    name: "request",
    usage: "request [<preset>] <milestone> due:<date or duration>",
    words: [1, 2],
    say: "which milestone was requested and by when, e.g. `request intermediate-report due:2026-03-20T12:00`",
    run: request,
  },
  { name: "stop", usage: "stop <preset>", words: 1, say: "which preset, e.g. `stop gdpr`", run: stop },
];

export default defineCommand({
  group: "inc",
  name: "deadlines",
  summary:
    "Regulatory deadlines (NIS2, GDPR, ...): list them, start a preset (counted from awareness, default the declaration), mark a milestone done (milestones counted from it, like NIS2's final report, then get their due time), give the due time of one an authority requested (NIS2's intermediate report), stop a preset.",
  examples: [
    "deadlines",
    "deadlines start nis2",
    "deadlines start gdpr aware:2026-03-10T08:30",
    "deadlines done nis2 early-warning",
    "deadlines request intermediate-report due:2026-03-20T12:00",
    "deadlines request intermediate-report due:48h",
    "deadlines stop gdpr",
  ],
  permission: "responder",
  incident: "required",
  positional: "words",
  options,
  subcommands: DEADLINES,
});

async function list(ctx: CommandContext<"required">): Promise<CommandResult> {
  const incident = ctx.incident;
  const { clock, timeZone } = ctx.services;
  const deadlines = await ctx.services.oncall.deadlines.list(incident.id);
  return {
    reply: { visibility: "ephemeral", message: deadlinesMessage(incident, deadlines, clock.now(), timeZone) },
  };
}

async function presets(ctx: CommandContext<"required">): Promise<CommandResult> {
  const lines = ctx.services.oncall.deadlines
    .presets()
    .map(
      (p) =>
        `${p.id}: ${p.name} — ${p.milestones.map((m) => m.name).join(", ")}${p.description ? ` (${p.description})` : ""}`,
    );
  return { reply: { visibility: "ephemeral", message: { blocks: [text(lines.join("\n"))] } } };
}

async function start(ctx: CommandContext<"required">, args: Args, words: string[]): Promise<CommandResult> {
  const incident = ctx.incident;
  const { clock, timeZone } = ctx.services;
  const awareAt =
    args.options.aware === undefined
      ? undefined
      : parseInstant(args.options.aware, {
          at: clock.now(),
          timeZone: ctx.origin.actor.timeZone ?? timeZone,
        });
  const started = await ctx.services.oncall.deadlines.start(
    ctx.origin,
    incident,
    words[0]!.toLowerCase(),
    awareAt,
  );
  const first = started[0];
  const lines = started.map((d) => `• ${d.name}: ${describeDue(d, started, timeZone)}`);
  return announceHere(ctx, [
    text(
      `⏱ ${incident.publicId}: ${first?.presetName ?? words[0]} deadlines started by ${ctx.origin.actor.displayName}, counted from ${first ? formatTime(first.awareAt, timeZone) : "now"}:\n${lines.join("\n")}`,
    ),
    context(
      "Warned here ahead of and at each deadline. Mark one sent: /inc deadlines done <preset> <milestone>. One an authority asks for: /inc deadlines request <milestone> due:<date or duration>",
    ),
  ]);
}

async function done(ctx: CommandContext<"required">, _args: Args, words: string[]): Promise<CommandResult> {
  const incident = ctx.incident;
  const { timeZone } = ctx.services;
  const { met, scheduled } = await ctx.services.oncall.deadlines.markMet(ctx.origin, incident, words);
  const next = scheduled.map(
    (d) => `\nThe ${d.presetName} ${d.name} is now due ${describeDue(d, scheduled, timeZone)}.`,
  );
  return announceHere(ctx, [
    text(
      `✅ ${incident.publicId}: ${met.presetName} ${met.name} marked done by ${ctx.origin.actor.displayName}.${next.join("")}`,
    ),
  ]);
}

async function request(ctx: CommandContext<"required">, args: Args, words: string[]): Promise<CommandResult> {
  const incident = ctx.incident;
  const { clock, timeZone } = ctx.services;
  if (args.options.due === undefined) {
    throw new UserError(
      "Say by when it was requested: due:2026-03-20T12:00 (a local time) or due:48h (from now).",
    );
  }
  const dueAt = parseDue(args.options.due, clock.now(), ctx.origin.actor.timeZone ?? timeZone);
  const requested = await ctx.services.oncall.deadlines.request(ctx.origin, incident, words, dueAt);
  return announceHere(ctx, [
    text(
      `📨 ${incident.publicId}: ${requested.presetName} ${requested.name} requested, due ${formatTime(dueAt, timeZone)} (noted by ${ctx.origin.actor.displayName}).`,
    ),
    context(
      `Warned here ahead of and at the deadline. Once it is sent: /inc deadlines done ${requested.preset} ${requested.milestone}`,
    ),
  ]);
}

async function stop(ctx: CommandContext<"required">, _args: Args, words: string[]): Promise<CommandResult> {
  const incident = ctx.incident;
  const { deadlines } = ctx.services.oncall;
  const preset = deadlines.preset(words[0]!);
  await deadlines.stop(ctx.origin, incident, preset.id);
  return announceHere(ctx, [
    text(`⏹ ${incident.publicId}: ${preset.name} deadlines stopped by ${ctx.origin.actor.displayName}.`),
  ]);
}

function announceHere(ctx: CommandContext<"required">, blocks: ReturnType<typeof text>[]): CommandResult {
  return { announce: { incidentId: ctx.incident.id, message: { blocks } } };
}

/** `due:2026-03-20T12:00` (local), `due:18:00` (its next occurrence) or `due:48h` (from now). */
function parseDue(value: string, now: Date, timeZone: string): Date {
  try {
    return parseEndTime(value, { at: now, timeZone });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(
      `"due:${value}" is not a due time in the future: give a date and time (due:2026-03-20T12:00) or how long from now (due:48h).`,
    );
  }
}
