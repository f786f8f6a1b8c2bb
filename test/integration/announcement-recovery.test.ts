// A change is committed, then the process dies before announcing it: the timeline entry stays
// marked pending, and the next recovery pass (at start, then every 15 s) announces it once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk;
const ROOM = "#inc-2026-0001-lost-announcement";

beforeAll(async () => {
  desk = await startConsoleDesk();
  await desk.type("/inc declare Lost announcement");
});
afterAll(async () => {
  await desk?.close();
});

describe("announcements lost to a crash", () => {
  it("leaves nothing pending when commands run normally", async () => {
    await desk.type(`/room ${ROOM}`);
    await desk.type("/inc note everything normal");
    // The announced mark is batched with the answered marks, written just after the answer.
    await desk.app.settled();
    expect(await desk.db.prisma.timelineEntry.count({ where: { announcementPending: true } })).toBe(0);
  });

  it("announces a committed change whose announcement never went out, once", async () => {
    const { incidents, rooms, people } = desk.app.services;
    const incident = await incidents.requireByPublicId("INC-2026-0001");
    const alice = (await people.findByIdentity("console", "alice"))!;
    // What the command did before the process died: the change, committed, not announced.
    await incidents.addEntry(
      {
        actor: alice,
        actorExternalId: "alice",
        platform: "console",
        room: { roomId: ROOM },
        correlationId: "deadbeef",
        dedupeKey: "crashed-command",
      },
      incident.id,
      "note",
      "isolated the mail gateway",
    );
    expect(await desk.db.prisma.timelineEntry.count({ where: { announcementPending: true } })).toBe(1);

    // Too fresh: a command that is still running will announce it itself.
    expect(await rooms.recoverPendingAnnouncements(desk.clock.now())).toBe(0);

    desk.clock.advance(31_000);
    await desk.printed();
    expect(await rooms.recoverPendingAnnouncements(desk.clock.now())).toBe(1);
    const printed = await desk.printed();
    expect(printed).toContain(`[INC-2026-0001] INC-2026-0001: isolated the mail gateway`);
    expect(await rooms.recoverPendingAnnouncements(desk.clock.now())).toBe(0);
    expect(await desk.db.prisma.timelineEntry.count({ where: { announcementPending: true } })).toBe(0);
  });
});

describe("a declaration a crash interrupted before its room was bound", () => {
  it("gets its room, pinned summary and a word to the declarer after the grace period, once", async () => {
    const { incidents, rooms, people } = desk.app.services;
    const alice = (await people.findByIdentity("console", "alice"))!;
    // What the declare did before the process died: the incident committed, no room bound.
    const declared = await incidents.declare(
      {
        actor: alice,
        actorExternalId: "alice",
        platform: "console",
        room: { roomId: "#general" },
        correlationId: "feedface",
        dedupeKey: "crashed-declare",
      },
      { title: "Half declared" },
    );
    const id = declared.incident.publicId;
    // Still within the grace period: a declare in flight is finishing it itself.
    expect(await rooms.recoverUnopenedRooms(desk.clock.now())).toBe(0);
    desk.clock.advance(3 * 60_000);
    await desk.printed();
    expect(await rooms.recoverUnopenedRooms(desk.clock.now())).toBe(1);
    const printed = await desk.printed();
    expect(printed).toContain(`[${id}] == ${id}: Half declared ==`);
    expect(printed).toContain(
      `[DM @alice] 🚨 ${id} was declared, but tocsin stopped before its room was ready.`,
    );
    expect(await desk.db.prisma.incidentRoom.count({ where: { incidentId: declared.incident.id } })).toBe(1);
    expect(await rooms.recoverUnopenedRooms(desk.clock.now())).toBe(0);
  });
});

describe("declarations left without a room that recovery cannot complete", () => {
  it("do not keep a later one from its room (the first 50 were all recovery looked at)", async () => {
    // ATTACK: recovery looked at 50 roomless declarations of the week, in no order, and skipped
    // those of a platform not running (or claimed before): 50 of them (a platform taken out of
    // the configuration) kept every later crash-interrupted declaration from its room for a week.
    const { incidents, rooms, people } = desk.app.services;
    const alice = (await people.findByIdentity("console", "alice"))!;
    const origin = (platform: "console" | "matrix", dedupeKey: string) => ({
      actor: alice,
      actorExternalId: "alice",
      platform,
      room: { roomId: "#general" },
      correlationId: dedupeKey,
      dedupeKey,
    });
    for (let i = 0; i < 50; i++)
      await incidents.declare(origin("matrix", `elsewhere-${i}`), { title: `Declared on Matrix ${i}` });
    const declared = await incidents.declare(origin("console", "crashed-later"), { title: "Declared later" });
    desk.clock.advance(3 * 60_000);
    expect(await rooms.recoverUnopenedRooms(desk.clock.now())).toBe(1);
    expect(await desk.db.prisma.incidentRoom.count({ where: { incidentId: declared.incident.id } })).toBe(1);
  });
});
