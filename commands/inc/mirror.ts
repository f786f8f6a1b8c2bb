import type { PlatformName } from "../../src/chat/invocation.ts";
import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

const MIRRORABLE: PlatformName[] = ["slack", "matrix", "console"];

export default defineCommand({
  group: "inc",
  name: "mirror",
  summary:
    "Open a room for this incident on another platform (e.g. Matrix when Slack may be compromised); every change by the bot then shows in both.",
  words: "<slack|matrix>",
  examples: ["mirror matrix", "mirror {id} slack"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const incident = ctx.incident;
    const target = (args.words[0] ?? "").toLowerCase() as PlatformName;
    if (args.words.length !== 1 || !MIRRORABLE.includes(target)) {
      throw new UserError("Mirror to which platform? `mirror slack` or `mirror matrix`.");
    }
    if (!ctx.services.platforms.runs(target))
      throw new UserError(`${target} is not configured on this tocsin.`);
    const existing = (await ctx.services.incidents.rooms(incident.id)).find((r) => r.platform === target);
    if (existing)
      throw new UserError(`${incident.publicId} already has a room on ${target}: ${existing.name}.`);
    const opened = await ctx.services.rooms.open(incident, target);
    if (!opened.ok) throw new UserError(`The ${target} room could not be opened: ${opened.reason}`);
    const change = await ctx.services.incidents.addEntry(
      ctx.origin,
      incident.id,
      "note",
      `mirrored to ${target}: ${opened.name}`,
    );
    return announce(ctx, change);
  },
});
