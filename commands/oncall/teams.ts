import { teamsMessage } from "../../src/oncall/messages.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "teams",
  summary: "The on-call teams: who is on call now, leads, escalation policy, severities that page.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const { directory } = ctx.services.oncall;
    const config = directory.config;
    const entries = await Promise.all(
      config.teams.map(async (team) => {
        const onCall = await directory.onCall(team);
        return {
          team,
          onCallName: onCall.personId ? directory.personName(onCall.personId) : "⚠️ nobody",
          leads: team.leads.map((id) => directory.personName(id)).join(", ") || "-",
          policy: team.escalationPolicy,
        };
      }),
    );
    const defaultTeam = directory.owningTeam(undefined)?.id;
    return { reply: { visibility: "ephemeral", message: teamsMessage(entries, defaultTeam) } };
  },
});
