// An incident's room is bound to its incident before anyone is invited to it. Found defect: the
// room was created with its members already invited, one statement before the binding, so a
// command typed in it in that window was not an incident room's command. The barrier: the
// platform's invite itself, which finds the binding committed, and a command the invited person
// types at that very moment, which acts on the incident.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessPolicy } from "../../src/access/policy.ts";
import { type App, createApp } from "../../src/app.ts";
import type { CreatedRoom, IncidentRoomSpec } from "../../src/chat/platform.ts";
import { ManualClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { PigeonPlatform } from "../support/fake-platform/index.ts";

/** Pigeon, recording who a room was created with and what was bound when people were invited. */
class WatchedPigeon extends PigeonPlatform {
  readonly createdWith: string[][] = [];
  readonly boundAtInvite: boolean[] = [];
  typedOnInvite: Promise<void> | undefined;

  override async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    this.createdWith.push([...spec.invite]);
    return super.createIncidentRoom(spec);
  }

  override async invite(roomId: string, externalIds: string[]): Promise<void> {
    const binding = await db.prisma.incidentRoom.findFirst({ where: { platform: this.name, roomId } });
    this.boundAtInvite.push(binding !== null);
    await super.invite(roomId, externalIds);
    // The invited person types at once, while the declaration is still opening the room.
    this.typedOnInvite ??= this.send(externalIds[0] ?? "alice", roomId, "/inc status investigating");
  }
}

let db: TestDatabase;
let app: App;
const pigeon = new WatchedPigeon();

beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    platforms: [pigeon],
    runJobs: false,
    permissions: accessPolicy(db.prisma, {}),
  });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await db?.close();
});

describe("opening an incident's room", () => {
  it("binds the room before inviting anyone, so a command typed on invitation is the incident's", async () => {
    await pigeon.send("alice", "&general", '/inc declare "Phishing wave" sev:2');
    expect(pigeon.createdWith).toEqual([[]]);
    expect(pigeon.boundAtInvite).toEqual([true]);
    expect(pigeon.rooms.get("&inc-2026-0001")?.members.has("alice")).toBe(true);
    await pigeon.typedOnInvite;
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(incident.status).toBe("investigating");
  });
});
