import { tasksMessage } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "inc",
  name: "tasks",
  summary: "List the incident's tasks.",
  permission: "viewer",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const tasks = await ctx.services.incidents.tasks(ctx.incident.id);
    return { reply: { visibility: "ephemeral", message: tasksMessage(ctx.incident, tasks) } };
  },
});
