// The row schemas of the driver queries run at every start, every recovery pass and every command
// are built once, not per call (building a zod object costs allocations each time).
import type pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Db } from "../../../src/db/database.ts";
import { registerPool, Sql } from "../../../src/db/sql.ts";
import { IncidentQueries } from "../../../src/incidents/incident-queries.ts";
import { LastingFacts } from "../../../src/incidents/lasting-facts.ts";
import { PendingAnnouncements } from "../../../src/incidents/pending-announcements.ts";
import { RoomBindings } from "../../../src/incidents/room-bindings.ts";

/** A client the queries can take their Sql from; no statement ever reaches its pool. */
function offlineDb(): Db {
  const db = {} as Db;
  registerPool(db, {} as pg.Pool);
  return db;
}

/** The schema each call handed to Sql.rows. */
function schemasOfRows() {
  const schemas: unknown[] = [];
  vi.spyOn(Sql.prototype, "rows").mockImplementation(async (schema) => {
    schemas.push(schema);
    return [];
  });
  return schemas;
}

afterEach(() => vi.restoreAllMocks());

describe("start-time and per-command row schemas", () => {
  it("are the same object on every call of the room queries", async () => {
    const schemas = schemasOfRows();
    const rooms = new RoomBindings(offlineDb(), new LastingFacts());
    await rooms.incidentIdOfRoom("slack", "C1");
    await rooms.incidentIdOfRoom("slack", "C2");
    const room = { platform: "slack", roomId: "C1", version: 1, topic: null, summary: null };
    await rooms.markShownUnknown(room);
    await rooms.markShownUnknown(room);
    expect(schemas).toHaveLength(4);
    expect(schemas[0]).toBe(schemas[1]);
    expect(schemas[2]).toBe(schemas[3]);
  });

  it("are the same object on every claim of pending announcements", async () => {
    const schemas = schemasOfRows();
    const pending = new PendingAnnouncements(offlineDb());
    await pending.claimPendingAnnouncements(new Date());
    await pending.claimPendingAnnouncements(new Date());
    expect(schemas).toHaveLength(2);
    expect(schemas[0]).toBe(schemas[1]);
  });

  it("are the same object on every search for declarations without a room", async () => {
    const schemas = schemasOfRows();
    const queries = new IncidentQueries(offlineDb());
    await queries.declaredWithoutRoom(new Date(0), new Date(), ["slack"]);
    await queries.declaredWithoutRoom(new Date(0), new Date(), ["slack"]);
    expect(schemas).toHaveLength(2);
    expect(schemas[0]).toBe(schemas[1]);
  });
});
