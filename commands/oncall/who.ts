import { whoMessage } from "../../src/oncall/messages.ts";
import { nextHandoff } from "../../src/oncall/schedule.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "who",
  summary: "Who is on call now, and the next hand-off (all teams, or one).",
  words: "[team]",
  examples: ["who", "who csirt"],
  permission: "viewer",
  incident: "none",
  positional: "words",
  async handler(ctx, args) {
    const { directory } = ctx.services.oncall;
    const teams = args.words.length ? args.words.map((id) => directory.team(id)) : directory.config.teams;
    const now = ctx.services.clock.now();
    const entries = await Promise.all(
      teams.map(async (team) => {
        const overrides = await directory.overrides(team.id, now);
        return {
          team,
          zone: directory.teamZone(team),
          onCall: await directory.onCall(team, now),
          next: nextHandoff(team, overrides, now),
        };
      }),
    );
    return {
      reply: { visibility: "ephemeral", message: whoMessage(entries, (id) => directory.personName(id)) },
    };
  },
});
