import { context, fields, heading, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { aboutIncident } from "../../src/incidents/incident-rooms.ts";
import { formatSeverity } from "../../src/incidents/lifecycle.ts";
import { tlpOf } from "../../src/incidents/render.ts";
import { phaseDurations, postIncidentReport } from "../../src/incidents/report.ts";
import { formatTlp } from "../../src/incidents/tlp.ts";
import { formatDuration } from "../../src/oncall/durations.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "../bulletin/desk.ts";

export default defineCommand({
  group: "inc",
  name: "report",
  summary:
    "Write the post-incident report (Markdown: summary, classification, roles, timeline, phase durations, tasks, follow-ups), clear-signed, and post it in the incident's rooms as a file.",
  usage: "report [<id>]",
  examples: ["report", "report {id}"],
  permission: "viewer",
  incident: "required",
  positional: "none",
  async handler(ctx) {
    const { incidents, clock, timeZone, rooms: incidentRooms } = ctx.services;
    const incident = ctx.incident!;
    const desk = bulletinDesk(ctx);
    const now = clock.now();
    const [details, timeline, statusChanges] = await Promise.all([
      incidents.details(incident.id),
      incidents.timeline(incident.id, 1000),
      incidents.statusChanges(incident.id),
    ]);
    const markdown = postIncidentReport({ details, timeline, statusChanges, now, timeZone });
    const phases = phaseDurations(details.declaredAt, statusChanges, now);
    const bulletin = {
      message: {
        tlp: tlpOf(details),
        blocks: [
          heading(`Post-incident report: ${details.publicId}`),
          fields([
            ["Status", details.status],
            ["Severity", formatSeverity(details.severity)],
            ["Phases", phases.map((p) => `${p.phase} ${formatDuration(p.ms)}`).join(" → ") || "none"],
            [
              "Tasks",
              `${details.tasks.filter((t) => t.doneAt).length} done, ${details.tasks.filter((t) => !t.doneAt).length} open`,
            ],
          ]),
          context(`The full report is the attached Markdown file, marked ${formatTlp(tlpOf(details))}.`),
        ],
      },
      text: markdown,
      filename: `${details.publicId}-post-incident-report.md.asc`,
      title: `Post-incident report ${details.publicId}`,
    };

    const subject = aboutIncident(incident);
    const rooms = await incidentRooms.roomsOf(incident.id);
    const postedIn: string[] = [];
    for (const room of rooms) {
      const result = await desk.deliverTo(room, bulletin, subject);
      if (result.posted) postedIn.push(room.name);
    }
    if (postedIn.length === 0) {
      // No room to post in (or none on a running platform): here, if the outbox allows.
      const result = await desk.deliverHere(ctx.origin, bulletin, subject);
      if (!result.posted) throw new UserError(`The report was not posted: ${result.reason}`);
      return {};
    }
    const here = rooms.some(
      (room) => room.platform === ctx.origin.platform && room.roomId === ctx.origin.room.roomId,
    );
    if (here) return {};
    return {
      reply: {
        visibility: "ephemeral",
        message: { blocks: [text(`The report on ${details.publicId} is posted in ${postedIn.join(", ")}.`)] },
      },
    };
  },
});
