// Which rooms belong to which incident: found per command (remembered: see lasting-facts.ts),
// bound when a room is opened, and where each room's pinned summary is.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import { incidentRoomRow, incidentRow } from "../db/row-schemas.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { type Statement, sql } from "../db/statement.ts";
import type { Incident, IncidentRoom } from "../generated/prisma/client.ts";
import type { LastingFacts } from "./lasting-facts.ts";

// Row schemas built once, not per call: these queries run on every command.
const incidentIdRow = z.object({ incidentId: z.string() });
const shownVersionRow = z.object({ shownVersion: z.number().int() });

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
      sql`
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
      incidentIdRow,
      sql`
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
      sql`
        select * from "IncidentRoom" where "incidentId" = ${incidentId} order by "createdAt"`,
      { prepared: true },
    );
  }

  /** `topicShown`: the fingerprint of the topic the room was created with (see fingerprint.ts). */
  async bindRoom(
    incidentId: string,
    platform: PlatformName,
    roomId: string,
    name: string,
    topicShown?: Shown,
  ): Promise<void> {
    await this.#sql.execute(
      sql`
        insert into "IncidentRoom" (id, "incidentId", platform, "roomId", name, "topicShown", "createdAt")
        values (${randomUUID()}, ${incidentId}, ${platform}, ${roomId}, ${name},
                ${recordIfCurrent(topicShown, sql`${incidentId}`)}, now())
        on conflict (platform, "roomId") do update
          set "incidentId" = excluded."incidentId", name = excluded.name, "topicShown" = excluded."topicShown",
              "summaryShown" = null, "shownVersion" = "IncidentRoom"."shownVersion" + 1`,
      { prepared: true },
    );
    this.#facts.roomBound(platform, roomId, incidentId);
  }

  /**
   * A newly posted summary; `summaryShown`, the fingerprint of what was posted (see
   * fingerprint.ts): a summary's record is then unknown only when a refresh of it failed or never
   * ended, which is what the refresh sweep looks for (room-refresh-retries.ts).
   */
  async setSummaryMessage(
    platform: PlatformName,
    roomId: string,
    messageId: string,
    summaryShown?: Shown,
  ): Promise<void> {
    const updated = await this.#sql.execute(
      sql`
        update "IncidentRoom" set "summaryMessageId" = ${messageId},
                                  "summaryShown" = ${recordIfCurrent(summaryShown, sql`"IncidentRoom"."incidentId"`)},
                                  "shownVersion" = "shownVersion" + 1
         where platform = ${platform} and "roomId" = ${roomId}`,
      { prepared: true },
    );
    // As Prisma's update did: a room that is not bound is an error, not a silent no-op.
    if (updated === 0) throw new Error(`no incident room ${platform} ${roomId} to pin a summary in`);
  }

  /**
   * Records what a refresh showed in each room (null: unknown, e.g. a call failed), each only if
   * the room's `shownVersion` is still the one the refresh read. Returns the rooms where it was
   * not (the same objects): someone recorded meanwhile, so which of the two showings the room has
   * now is unknown.
   * One statement per room (an incident has a room or two): a statement over an array of rooms
   * is planned anew at every call, as PostgreSQL cannot tell the array's length in advance.
   */
  async recordShown(shown: RoomShown[]): Promise<RoomShown[]> {
    const recorded = await Promise.all(
      shown.map((room) =>
        this.#sql.execute(
          sql`
            update "IncidentRoom"
               set "topicShown" = ${room.topic}, "summaryShown" = ${room.summary},
                   "shownVersion" = "shownVersion" + 1
             where platform = ${room.platform} and "roomId" = ${room.roomId}
               and "shownVersion" = ${room.version}`,
          { prepared: true },
        ),
      ),
    );
    return shown.filter((_, i) => recorded[i] === 0);
  }

  /**
   * Before a refresh's first call that changes a room: what the room shows becomes unknown on the
   * row, so that a record never written after the call (a crash, a lost connection) leaves
   * "unknown" rather than what the room showed before it (a refresh comparing with that would
   * leave a withheld topic unsent after a raise to RED). Returns the version the refresh records
   * with afterwards, or `room.version` when someone recorded since the refresh read it (the
   * record it compared with was stale: its record write then fails, and the rooms are refreshed
   * again).
   */
  async markShownUnknown(room: RoomShown): Promise<number> {
    const [row] = await this.#sql.rows(
      shownVersionRow,
      sql`
        update "IncidentRoom"
           set "topicShown" = null, "summaryShown" = null, "shownVersion" = "shownVersion" + 1
         where platform = ${room.platform} and "roomId" = ${room.roomId}
        returning "shownVersion"`,
      { prepared: true },
    );
    return row && row.shownVersion === room.version + 1 ? row.shownVersion : room.version;
  }

  /** What these rooms show is unknown: the next refresh sets their topic and summary whatever they were. */
  async forgetShown(rooms: RoomAddressRow[]): Promise<void> {
    if (rooms.length === 0) return;
    await this.#sql.execute(
      sql`
        update "IncidentRoom" r
           set "topicShown" = null, "summaryShown" = null, "shownVersion" = r."shownVersion" + 1
          from unnest(${rooms.map((s) => s.platform)}::text[], ${rooms.map((s) => s.roomId)}::text[])
               as v(platform, "roomId")
         where r.platform = v.platform and r."roomId" = v."roomId"`,
      { prepared: true },
    );
  }
}

interface RoomAddressRow {
  platform: string;
  roomId: string;
}

/** What a refresh showed in a room, and the room's `shownVersion` when it read what was shown before. */
export interface RoomShown extends RoomAddressRow {
  version: number;
  topic: string | null;
  summary: string | null;
}

/**
 * What a new room was given (its topic at creation, its pinned summary): the fingerprint of the
 * text, and the incident's `updatedAt` of the details it was rendered from.
 */
export interface Shown {
  fingerprint: string;
  renderedFrom: Date;
}

/**
 * The fingerprint to record, only if the incident has not changed since the text was rendered;
 * otherwise unknown (null), so the refresh sweep takes the room. A room being opened while the
 * incident is raised to RED was given GREEN text the raise's refresh never saw (the room was not
 * bound yet, or its summary not pinned): recorded as shown, nothing would ever replace it.
 */
function recordIfCurrent(shown: Shown | undefined, incidentId: Statement): Statement {
  if (!shown) return sql`null::text`;
  return sql`case when (select "updatedAt" from "Incident" where id = ${incidentId}) = ${shown.renderedFrom}
                  then ${shown.fingerprint}::text end`;
}
