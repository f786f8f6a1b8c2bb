// Opening a room for an incident on one platform: create it, bind it to the incident, invite
// the people who take part and have an identity there, post and pin the summary. Used by
// declare (on the platform the command came from) and mirror (on another platform).
import type { ChatPlatform, PlatformName } from "../../src/chat/platform.ts";
import type { Incident } from "../../src/generated/prisma/client.ts";
import { incidentTopic } from "../../src/incidents/render.ts";
import type { CommandContext } from "../../src/router/command.ts";

export type OpenedRoom = { ok: true; name: string; platform: ChatPlatform } | { ok: false; reason: string };

export async function openIncidentRoom(
  ctx: CommandContext,
  incident: Incident,
  on: PlatformName = ctx.origin.platform,
): Promise<OpenedRoom> {
  const { incidents, notifier, platforms, log, db } = ctx.services;
  const platform = platforms.get(on);
  if (!platform) return { ok: false, reason: `${on} is not configured here` };
  try {
    const details = await incidents.details(incident.id);
    const people = [...new Set([details.reporterId, ...details.participants.map((p) => p.person.id)])];
    const identities = await db.personIdentity.findMany({
      where: { platform: on, personId: { in: people } },
    });
    const invite = new Set(identities.map((i) => i.externalId));
    if (on === ctx.origin.platform) invite.add(ctx.origin.actorExternalId);
    const room = await platform.createIncidentRoom({
      publicId: incident.publicId,
      title: incident.title,
      topic: incidentTopic(details),
      invite: [...invite],
    });
    await incidents.bindRoom(incident.id, platform.name, room.roomId, room.name);
    await notifier.openRoom(incident.id, platform, room.roomId);
    return { ok: true, name: room.name, platform };
  } catch (error) {
    log.error(
      { err: error, incidentId: incident.publicId, platform: platform.name },
      "incident room not opened",
    );
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
