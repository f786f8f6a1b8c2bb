// Which rooms belong to which incident: found per command (remembered: see lasting-facts.ts),
// bound when a room is opened, and where each room's pinned summary is.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import { incidentRoomRow, incidentRow } from "../db/row-schemas.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { type Incident, type IncidentRoom, Prisma } from "../generated/prisma/client.ts";
import type { LastingFacts } from "./lasting-facts.ts";

export class RoomBindings {
  readonly #sql: Sql;
  readonly #facts: LastingFacts;

  constructor(db: Db, facts: LastingFacts) {
    this.#sql = sqlOf(db);
    this.#facts = facts;
  }

  // The queries every command runs, and a declaration's room binding, are written in SQL on the
  // driver (see sql.ts): through Prisma's client they cost several times the CPU.

  async findByRoom(platform: string, roomId: string): Promise<Incident | null> {
    if (this.#facts.incidentOfRoom(platform, roomId) === null) return null;
    const [incident] = await this.#sql.rows(
      incidentRow,
      Prisma.sql`
        select i.* from "IncidentRoom" r join "Incident" i on i.id = r."incidentId"
         where r.platform = ${platform} and r."roomId" = ${roomId}`,
      { prepared: true },
    );
    if (incident) this.#facts.roomBound(platform, roomId, incident.id);
    else this.#facts.roomNotBound(platform, roomId);
    return incident ?? null;
  }

  /** The id of the incident whose room this is, if any (remembered: see lasting-facts.ts). */
  async incidentIdOfRoom(platform: string, roomId: string): Promise<string | undefined> {
    const known = this.#facts.incidentOfRoom(platform, roomId);
    if (known !== undefined) return known ?? undefined;
    const [room] = await this.#sql.rows(
      z.object({ incidentId: z.string() }),
      Prisma.sql`
        select "incidentId" from "IncidentRoom" where platform = ${platform} and "roomId" = ${roomId}`,
      { prepared: true },
    );
    if (room) this.#facts.roomBound(platform, roomId, room.incidentId);
    else this.#facts.roomNotBound(platform, roomId);
    return room?.incidentId;
  }

  async rooms(incidentId: string): Promise<IncidentRoom[]> {
    return this.#sql.rows(
      incidentRoomRow,
      Prisma.sql`
        select * from "IncidentRoom" where "incidentId" = ${incidentId} order by "createdAt"`,
      { prepared: true },
    );
  }

  async bindRoom(incidentId: string, platform: PlatformName, roomId: string, name: string): Promise<void> {
    await this.#sql.execute(
      Prisma.sql`
        insert into "IncidentRoom" (id, "incidentId", platform, "roomId", name, "createdAt")
        values (${randomUUID()}, ${incidentId}, ${platform}, ${roomId}, ${name}, now())
        on conflict (platform, "roomId") do update set "incidentId" = excluded."incidentId", name = excluded.name`,
      { prepared: true },
    );
    this.#facts.roomBound(platform, roomId, incidentId);
  }

  async setSummaryMessage(platform: PlatformName, roomId: string, messageId: string): Promise<void> {
    const updated = await this.#sql.execute(
      Prisma.sql`
        update "IncidentRoom" set "summaryMessageId" = ${messageId}
         where platform = ${platform} and "roomId" = ${roomId}`,
      { prepared: true },
    );
    // As Prisma's update did: a room that is not bound is an error, not a silent no-op.
    if (updated === 0) throw new Error(`no incident room ${platform} ${roomId} to pin a summary in`);
  }
}
