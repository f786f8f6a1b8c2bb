import { defineCommand } from "../../src/router/command.ts";
import { announce } from "./announce.ts";

export default defineCommand({
  group: "inc",
  name: "task",
  summary: "Add a task to the incident.",
  words: "<text>",
  examples: ["task reset passwords of the 3 phished accounts"],
  permission: "responder",
  incident: "required",
  positional: "raw",
  async handler(ctx, args) {
    return announce(ctx, await ctx.services.incidents.addTask(ctx.origin, ctx.incident.id, args.text));
  },
});
