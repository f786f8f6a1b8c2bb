import { UserError } from "../../src/errors.ts";
import { personFeedId, teamFeedId } from "../../src/oncall/calendar.ts";
import { feedLinks } from "../../src/oncall/feeds.ts";
import { feedsMessage } from "../../src/oncall/messages.ts";
import { defineCommand } from "../../src/router/command.ts";

export default defineCommand({
  group: "oncall",
  name: "feeds",
  summary: "Your calendar feed links: your own shifts and your teams' schedules (only you see them).",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const { directory, feeds } = ctx.services.oncall;
    const config = directory.config;
    const me = directory.configPersonOf(ctx.origin.actor.id);
    const teams = me ? directory.teamsOf(ctx.origin.actor.id) : config.teams;
    const links = feedLinks(feeds, [
      ...(me
        ? [
            {
              label: `My shifts (${me.name})`,
              feedId: personFeedId(me.id),
              path: `/oncall/person/${me.id}.ics`,
            },
          ]
        : []),
      ...teams.map((team) => ({
        label: team.name,
        feedId: teamFeedId(team.id),
        path: `/oncall/${team.id}.ics`,
      })),
    ]);
    if (!links) {
      throw new UserError(
        "Calendar feeds are not set up: an administrator sets ONCALL_FEED_SECRET and TOCSIN_PUBLIC_URL (where tocsin's HTTP server is reachable).",
      );
    }
    return { reply: { visibility: "ephemeral", message: feedsMessage(links) } };
  },
});
