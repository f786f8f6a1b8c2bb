import { UserError } from "../../src/errors.ts";
import { requireRsitType } from "../../src/incidents/taxonomy.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "class",
  aliases: ["classify"],
  summary: "Classify the incident with an RSIT type (its class follows from the type).",
  words: "<rsit type>",
  examples: ["class phishing", "class intrusions/system-compromise"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    if (args.words.length !== 1)
      throw new UserError("Give one RSIT type, e.g. `phishing`. `/inc classes` lists them.");
    const type = requireRsitType(args.words[0]!);
    return announce(
      ctx,
      await ctx.services.incidents.setClassification(ctx.origin, ctx.incident.id, type.id),
    );
  },
});
