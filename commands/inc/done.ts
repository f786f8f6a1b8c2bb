import { UserError } from "../../src/errors.ts";
import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "done",
  summary: "Mark a task as done.",
  words: "<task#>",
  examples: ["done 2", "done #2"],
  permission: "responder",
  incident: "required",
  positional: "words",
  async handler(ctx, args) {
    const number = Number((args.words[0] ?? "").replace(/^#/, ""));
    if (args.words.length !== 1 || !Number.isInteger(number) || number < 1) {
      throw new UserError("Give the task number, e.g. `/inc done 2`. `/inc tasks` lists them.");
    }
    return announce(ctx, await ctx.services.incidents.completeTask(ctx.origin, ctx.incident.id, number));
  },
});
