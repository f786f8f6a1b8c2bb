// Opening an incident's room on the platform the command came from: create it, bind it to the
// incident, invite the declarer, post and pin the summary.
import type { Incident } from "../../src/generated/prisma/client.ts";
import { incidentTopic } from "../../src/incidents/render.ts";
import type { CommandContext } from "../../src/router/command.ts";

export async function openIncidentRoom(
  ctx: CommandContext,
  incident: Incident,
): Promise<{ ok: true; name: string } | { ok: false; reason: string }> {
  const { incidents, notifier, platforms, log } = ctx.services;
  const platform = platforms.get(ctx.origin.platform);
  if (!platform) return { ok: false, reason: `platform ${ctx.origin.platform} is not running` };
  try {
    const details = await incidents.details(incident.id);
    const room = await platform.createIncidentRoom({
      publicId: incident.publicId,
      title: incident.title,
      topic: incidentTopic(details),
      invite: [ctx.origin.actorExternalId],
    });
    await incidents.bindRoom(incident.id, platform.name, room.roomId, room.name);
    await notifier.openRoom(incident.id, platform, room.roomId);
    return { ok: true, name: room.name };
  } catch (error) {
    log.error(
      { err: error, incidentId: incident.publicId, platform: platform.name },
      "incident room not opened",
    );
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
