import { z } from "zod";
import { context, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { deadlinesMessage } from "../../src/incidents/deadlines.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { parseInstant } from "../../src/oncall/durations.ts";
import { defineCommand } from "../../src/router/command.ts";

const USAGE =
  "/inc deadlines [<id>] [start <preset> [aware:<time>] | done <preset> <milestone> | stop <preset> | presets]";

export default defineCommand({
  group: "inc",
  name: "deadlines",
  summary:
    "Regulatory deadlines (NIS2, GDPR, ...): list them, start a preset (counted from awareness, default the declaration), mark one done, stop one.",
  usage:
    "deadlines [<id>] [start <preset> [aware:<time>] | done <preset> <milestone> | stop <preset> | presets]",
  examples: [
    "deadlines",
    "deadlines start nis2",
    "deadlines start gdpr aware:2026-03-10T08:30",
    "deadlines done nis2 early-warning",
    "deadlines stop gdpr",
  ],
  permission: "responder",
  incident: "required",
  positional: "words",
  options: z.object({ aware: z.string().optional() }),
  async handler(ctx, args) {
    const incident = ctx.incident!;
    const { deadlines } = ctx.services.oncall;
    const { clock, timeZone } = ctx.services;
    const [action = "list", ...rest] = args.words.map((w) => w.toLowerCase());
    const expect = (count: number, what: string) => {
      if (rest.length !== count) throw new UserError(`Say ${what}.`, { usage: USAGE });
    };
    if (action === "list") {
      return {
        reply: {
          visibility: "ephemeral",
          message: deadlinesMessage(incident, await deadlines.list(incident.id), clock.now(), timeZone),
        },
      };
    }
    if (action === "presets") {
      const lines = deadlines
        .presets()
        .map(
          (p) =>
            `${p.id}: ${p.name} — ${p.milestones.map((m) => m.name).join(", ")}${p.description ? ` (${p.description})` : ""}`,
        );
      return { reply: { visibility: "ephemeral", message: { blocks: [text(lines.join("\n"))] } } };
    }
    if (action === "start") {
      expect(1, "which preset, e.g. `start nis2`");
      const awareAt =
        args.options.aware === undefined
          ? undefined
          : parseInstant(args.options.aware, {
              at: clock.now(),
              timeZone: ctx.origin.actor.timeZone ?? timeZone,
            });
      const started = await deadlines.start(ctx.origin, incident, rest[0]!, awareAt);
      const first = started[0];
      return {
        announce: {
          incidentId: incident.id,
          message: {
            blocks: [
              text(
                `⏱ ${incident.publicId}: ${first?.presetName ?? rest[0]} deadlines started by ${ctx.origin.actor.displayName}, counted from ${first ? formatTime(first.awareAt, timeZone) : "now"}:\n${started.map((d) => `• ${d.name}: ${formatTime(d.dueAt, timeZone)}`).join("\n")}`,
              ),
              context(
                "Warned here ahead of and at each deadline. Mark one sent: /inc deadlines done <preset> <milestone>",
              ),
            ],
          },
        },
      };
    }
    if (action === "done") {
      expect(2, "which preset and milestone, e.g. `done nis2 early-warning`");
      const met = await deadlines.markMet(ctx.origin, incident, rest[0]!, rest[1]!);
      return {
        announce: {
          incidentId: incident.id,
          message: {
            blocks: [
              text(
                `✅ ${incident.publicId}: ${met.presetName} ${met.name} marked done by ${ctx.origin.actor.displayName}.`,
              ),
            ],
          },
        },
      };
    }
    if (action === "stop") {
      expect(1, "which preset, e.g. `stop gdpr`");
      const preset = deadlines.preset(rest[0]!);
      await deadlines.stop(ctx.origin, incident, preset.id);
      return {
        announce: {
          incidentId: incident.id,
          message: {
            blocks: [
              text(
                `⏹ ${incident.publicId}: ${preset.name} deadlines stopped by ${ctx.origin.actor.displayName}.`,
              ),
            ],
          },
        },
      };
    }
    throw new UserError(`"${action}" is not something deadlines does.`, { usage: USAGE });
  },
});
