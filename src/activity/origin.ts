// Who is acting and from where. A leaf: the router builds Origins, the domain records them in
// audit entries and dedupe keys, and neither depends on the other for the type.
import type { PlatformName, RoomRef } from "../chat/invocation.ts";
import type { Person } from "../generated/prisma/client.ts";

/** Who is acting and from where: carried into audit entries and dedupe. */
export interface Origin {
  actor: Person;
  /** The actor's id on the platform the command came from. */
  actorExternalId: string;
  platform: PlatformName;
  room: RoomRef;
  correlationId: string;
  /** The inbound event's dedupe key: a mutation claims it in its own transaction. */
  dedupeKey: string;
}

/**
 * Who did something, for the audit trail, also when a job acts on someone's behalf (the page a
 * declaration triggers): an Origin reduced to what survives in a job payload.
 */
export interface Actor {
  personId: string | null;
  platform: string;
  roomId: string | null;
  correlationId: string;
}

export function actorOf(origin: Origin): Actor {
  return {
    personId: origin.actor.id,
    platform: origin.platform,
    roomId: origin.room.roomId,
    correlationId: origin.correlationId,
  };
}
