import { context, table, text } from "../../src/chat/message.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "schedules",
  summary: "List the bulletin subscriptions with their schedules, next and last runs.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const desk = bulletinDesk(ctx);
    if (desk.subscriptions.length === 0) {
      return {
        reply: {
          visibility: "ephemeral",
          message: {
            blocks: [
              text(
                "No bulletin subscriptions: set BULLETIN_CONFIG to a YAML file (see examples/bulletins.yaml).",
              ),
            ],
          },
        },
      };
    }
    const lastRuns = await desk.lastRuns();
    const rows = desk.subscriptions.map((s) => {
      const next = desk.nextRun(s);
      const last = lastRuns.get(s.id);
      return [
        s.id,
        s.kind,
        `${s.destination.roomId} (${s.destination.platform}, up to TLP:${s.clearance.toUpperCase()}${s.external ? ", external" : ""})`,
        `${s.schedule.expression} ${s.schedule.timeZone}`,
        next ? formatTime(next, s.schedule.timeZone) : "never",
        last ? `${formatTime(last.at, s.schedule.timeZone)} ${last.outcome}` : "not yet",
      ];
    });
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          blocks: [
            table(["subscription", "kind", "room", "schedule", "next run", "last run"], rows),
            context(
              `From ${desk.config.fileName ?? "BULLETIN_CONFIG"}. Missed runs are caught up once at start.`,
            ),
          ],
        },
      },
    };
  },
});
