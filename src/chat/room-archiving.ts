// Archiving incident rooms some time after the incident closed (TOCSIN_ARCHIVE_AFTER), on the
// platforms that can (Slack). A durable job per closing, so a restart does not forget it; the
// job re-checks that the incident is still closed (a reopen cancels the archiving in effect).

import type { Logger } from "pino";
import type { Incidents } from "../incidents/incidents.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { context, text } from "./message.ts";
import type { ChatPlatform, PlatformName } from "./platform.ts";

export const ARCHIVE_ROOMS_JOB = "incident.archive-rooms";

export function scheduleRoomArchiving(options: {
  afterMs: number;
  incidents: Incidents;
  jobs: JobQueue;
  platforms: ReadonlyMap<PlatformName, ChatPlatform>;
  log: Logger;
}): void {
  const { afterMs, incidents, jobs, platforms, log } = options;
  incidents.onClosed(async (tx, incident, now) => {
    await jobs.enqueue(tx, {
      kind: ARCHIVE_ROOMS_JOB,
      key: `archive:${incident.id}:${now.toISOString()}`,
      payload: { incidentId: incident.id, closedAt: now.toISOString() },
      dueAt: new Date(now.getTime() + afterMs),
    });
  });
  jobs.register(ARCHIVE_ROOMS_JOB, async (job) => {
    const { incidentId, closedAt } = job.payload as { incidentId: string; closedAt: string };
    const incident = await incidents.findById(incidentId);
    // Reopened since (and maybe closed again, which scheduled its own job): leave the rooms.
    const lastChange = await incidents.lastStatusChangeAt(incidentId);
    if (incident?.status !== "closed" || (lastChange && lastChange.getTime() > Date.parse(closedAt))) return;
    for (const room of await incidents.rooms(incidentId)) {
      const platform = platforms.get(room.platform as PlatformName);
      if (!platform?.archiveRoom) continue;
      await platform.post(room.roomId, {
        blocks: [
          text(`${incident.publicId} is closed; archiving this room.`),
          context("The record stays in tocsin: /inc show"),
        ],
      });
      await platform.archiveRoom(room.roomId);
      log.info(
        { incidentId: incident.publicId, platform: platform.name, roomId: room.roomId },
        "incident room archived",
      );
    }
  });
}
