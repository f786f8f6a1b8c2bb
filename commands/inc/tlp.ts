import { UserError } from "../../src/errors.ts";
import { requireTlp, TLP_AUDIENCE, TLP_LABELS } from "../../src/incidents/tlp.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "tlp",
  summary: `Set the Traffic Light Protocol label: ${TLP_LABELS.map((l) => `${l} (${TLP_AUDIENCE[l]})`).join("; ")}.`,
  words: "<clear|green|amber|amber+strict|red>",
  examples: ["tlp red", "tlp {id} amber+strict"],
  permission: "commander",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    if (args.words.length !== 1) throw new UserError(`Give one TLP label: ${TLP_LABELS.join(", ")}.`);
    return announce(
      ctx,
      await ctx.services.incidents.setTlp(ctx.origin, ctx.incident.id, requireTlp(args.words[0]!)),
    );
  },
});
