// Which rooms belong to which incident: found per command (remembered: see lasting-facts.ts),
// bound when a room is opened, and where each room's pinned summary is.
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import { incidentRoomRow, incidentRow } from "../db/row-schemas.ts";
import { rows } from "../db/rows.ts";
import type { Incident, IncidentRoom } from "../generated/prisma/client.ts";
import type { LastingFacts } from "./lasting-facts.ts";

export class RoomBindings {
  readonly #db: Db;
  readonly #facts: LastingFacts;

  constructor(db: Db, facts: LastingFacts) {
    this.#db = db;
    this.#facts = facts;
  }

  // The queries every command runs are written in SQL: through Prisma's query compiler they
  // cost about twice the CPU, which is what limits commands per second (see npm run bench).

  async findByRoom(platform: string, roomId: string): Promise<Incident | null> {
    if (this.#facts.incidentOfRoom(platform, roomId) === null) return null;
    const [incident] = rows(
      incidentRow,
      await this.#db.$queryRaw`
        select i.* from "IncidentRoom" r join "Incident" i on i.id = r."incidentId"
         where r.platform = ${platform} and r."roomId" = ${roomId}`,
    );
    if (incident) this.#facts.roomBound(platform, roomId, incident.id);
    else this.#facts.roomNotBound(platform, roomId);
    return incident ?? null;
  }

  /** The id of the incident whose room this is, if any (remembered: see lasting-facts.ts). */
  async incidentIdOfRoom(platform: string, roomId: string): Promise<string | undefined> {
    const known = this.#facts.incidentOfRoom(platform, roomId);
    if (known !== undefined) return known ?? undefined;
    const [room] = rows(
      z.object({ incidentId: z.string() }),
      await this.#db.$queryRaw`
        select "incidentId" from "IncidentRoom" where platform = ${platform} and "roomId" = ${roomId}`,
    );
    if (room) this.#facts.roomBound(platform, roomId, room.incidentId);
    else this.#facts.roomNotBound(platform, roomId);
    return room?.incidentId;
  }

  async rooms(incidentId: string): Promise<IncidentRoom[]> {
    return rows(
      incidentRoomRow,
      await this.#db.$queryRaw`
        select * from "IncidentRoom" where "incidentId" = ${incidentId} order by "createdAt"`,
    );
  }

  async bindRoom(incidentId: string, platform: PlatformName, roomId: string, name: string): Promise<void> {
    await this.#db.incidentRoom.upsert({
      where: { platform_roomId: { platform, roomId } },
      create: { incidentId, platform, roomId, name },
      update: { incidentId, name },
    });
    this.#facts.roomBound(platform, roomId, incidentId);
  }

  async setSummaryMessage(platform: PlatformName, roomId: string, messageId: string): Promise<void> {
    await this.#db.incidentRoom.update({
      where: { platform_roomId: { platform, roomId } },
      data: { summaryMessageId: messageId },
    });
  }
}
