import { findPlatform, platformDescriptors } from "../../src/chat/platforms.ts";
import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

/** The platforms offered as a refuge (any registered one can be named). */
const offered = platformDescriptors()
  .filter((p) => p.mirrorable)
  .map((p) => p.name);

export default defineCommand({
  group: "inc",
  name: "mirror",
  summary:
    "Open a room for this incident on another platform (e.g. Matrix when Slack may be compromised); every change by the bot then shows in both.",
  words: `<${offered.join("|")}>`,
  examples: ["mirror matrix", "mirror {id} slack"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const incident = ctx.incident;
    const target = (args.words[0] ?? "").toLowerCase();
    if (args.words.length !== 1 || !findPlatform(target)) {
      throw new UserError(`Mirror to which platform? ${offered.map((p) => `\`mirror ${p}\``).join(" or ")}.`);
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
