import { context, text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "reload",
  summary:
    "Read the on-call configuration file again. A file with problems is refused (they are listed) and the current configuration stays.",
  permission: "team-lead",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const { config, warnings, overridesKept: overrides } = await ctx.services.oncall.directory.reload();
    const blocks = [
      text(
        `🔄 On-call configuration reloaded: ${config.people.length} people, ${config.teams.length} teams, ${config.escalationPolicies.length} escalation policies. ${overrides} current or future override${overrides === 1 ? "" : "s"} kept.`,
      ),
    ];
    if (warnings.length) blocks.push(context(`Warnings:\n${warnings.join("\n")}`));
    return { reply: { visibility: "ephemeral", message: { blocks } } };
  },
});
