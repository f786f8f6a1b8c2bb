// Delivering the post-incident report: written from the incident's record, clear-signed like a
// bulletin (so it travels as a file whose signature survives), and posted in every room of the
// incident through the outbox's TLP rules; with no room to post in, in the room it was asked in.

import type { Origin } from "../activity/origin.ts";
import type { Bulletins } from "../bulletins/service.ts";
import { context, fields, heading } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import { UserError } from "../errors.ts";
import type { Incident } from "../generated/prisma/client.ts";
import { formatDuration } from "../oncall/durations.ts";
import { aboutIncident, type IncidentRooms } from "./incident-rooms.ts";
import type { Incidents } from "./incidents.ts";
import { formatSeverity } from "./lifecycle.ts";
import { tlpOf } from "./render.ts";
import { phaseDurations, postIncidentReport } from "./report.ts";
import { formatTlp } from "./tlp.ts";

export interface ReportDeliveryDeps {
  incidents: Incidents;
  rooms: IncidentRooms;
  /** Signs and delivers the report file; without it there is no report. */
  bulletins?: Bulletins;
  clock: Clock;
  timeZone: string;
}

export interface ReportDelivered {
  publicId: string;
  /** The incident rooms that got it; empty when it went to the asking room instead. */
  postedIn: string[];
  /** Whether the asking room is one of the incident's rooms that got it. */
  reachedAsker: boolean;
}

/** Writes the report and posts it; a report that could go nowhere is refused with the reason. */
export async function deliverIncidentReport(
  deps: ReportDeliveryDeps,
  origin: Origin,
  incident: Incident,
): Promise<ReportDelivered> {
  const { incidents, rooms: incidentRooms, bulletins, clock, timeZone } = deps;
  if (!bulletins) throw new UserError("Bulletins are not set up in this desk.", { code: "bulletins.off" });
  const now = clock.now();
  const [details, timeline, statusChanges] = await Promise.all([
    incidents.details(incident.id),
    incidents.timeline(incident.id, 1000),
    incidents.statusChanges(incident.id),
  ]);
  const markdown = postIncidentReport({ details, timeline, statusChanges, now, timeZone });
  const phases = phaseDurations(details.declaredAt, statusChanges, now);
  const report = {
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
    const result = await bulletins.deliverTo(room, report, subject);
    if (result.posted) postedIn.push(room.name);
  }
  if (postedIn.length === 0) {
    // No room to post in (or none on a running platform): here, if the outbox allows.
    const result = await bulletins.deliverHere(origin, report, subject);
    if (!result.posted)
      throw new UserError(`The report was not posted: ${result.reason}`, { code: "report.withheld" });
    return { publicId: details.publicId, postedIn, reachedAsker: true };
  }
  const reachedAsker = rooms.some(
    (room) => room.platform === origin.platform && room.roomId === origin.room.roomId,
  );
  return { publicId: details.publicId, postedIn, reachedAsker };
}
