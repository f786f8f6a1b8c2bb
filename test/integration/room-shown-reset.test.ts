// What a room was last shown is reset by the database whenever the incident's TLP or restriction
// changes, whichever code changed it. During a rolling upgrade a replica running code from before
// the records ("the old replica" here: a plain SQL update and the platform called directly, as
// that code did) changes an incident and sets topics without touching the record; a later raise
// to RED must still send the withheld topic and summary to a room shared outside the
// organisation, and a refresh in flight across the change must not record what it showed.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/app.ts";
import { ManualClock } from "../../src/clock.ts";
import { incidentSummary, incidentTopic } from "../../src/incidents/render.ts";
import { fingerprintOf } from "../../src/outbox/fingerprint.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import {
  emptyWorld,
  type ReplicaPigeon,
  startReplica,
  type World,
} from "../support/fake-platform/replica-pigeon.ts";

const clock = new ManualClock("2026-03-10T09:00:00Z");
let db: TestDatabase;
let world: World;
const replicas: App[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const app of replicas) await app.stop();
  await db?.close();
});

function replica(): Promise<{ app: App; pigeon: ReplicaPigeon }> {
  return startReplica(db, world, clock, replicas);
}

/** An incident at TLP:GREEN whose room is shared with another organisation. */
async function sharedIncident(pigeon: ReplicaPigeon, title: string): Promise<{ id: string; room: string }> {
  await pigeon.send("alice", "&general", `/inc declare "${title}" sev:3`);
  const incident = await db.prisma.incident.findFirstOrThrow({ where: { title } });
  const room = `&${incident.publicId.toLowerCase()}`;
  world.external.add(room);
  await pigeon.send("alice", room, "/inc tlp green");
  expect(world.topicOf.get(room)).toContain(title);
  return { id: incident.id, room };
}

/** What a replica of the code before the records does: the change, then the room set in full. */
async function oldReplicaSets(
  app: App,
  pigeon: ReplicaPigeon,
  incidentId: string,
  room: string,
  tlp: string,
): Promise<void> {
  await db.prisma.$executeRaw`
    update "Incident" set tlp = ${tlp}, restricted = ${tlp === "red"} where id = ${incidentId}`;
  const details = await app.services.incidents.details(incidentId);
  const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
  await pigeon.setTopic(room, incidentTopic(details));
  await pigeon.update(
    room,
    row.summaryMessageId ?? "",
    incidentSummary(details, (p) => p.displayName, "UTC"),
  );
}

function expectWithheld(room: string, title: string): void {
  expect(world.topicOf.get(room)).toContain("details withheld");
  expect(world.topicOf.get(room)).not.toContain(title);
  expect(world.summaryOf.get(room)).not.toContain(title);
  expect(world.summaryOf.get(room)).not.toContain("TLP:GREEN");
}

describe("what a room was last shown, after a TLP change by any code", () => {
  it("an old replica's lowering to GREEN does not leave the GREEN topic and summary after a raise to RED", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Old replica lowers";
    const { id, room } = await sharedIncident(pigeon, title);
    await pigeon.send("alice", room, "/inc tlp red");
    expectWithheld(room, title);
    // The old replica lowers to GREEN and sends the full topic and summary; it writes no record.
    await oldReplicaSets(app, pigeon, id, room, "green");
    expect(world.topicOf.get(room)).toContain(title);
    expect(world.summaryOf.get(room)).toContain(title);
    // Raised to RED again through the current code: the record "withheld" from before the old
    // replica's change must not be trusted.
    await pigeon.send("alice", room, "/inc tlp red");
    expectWithheld(room, title);
  });

  it("a refresh in flight when an old replica raises to RED records nothing and refreshes again", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "In flight";
    const { id, room } = await sharedIncident(pigeon, title);
    // The record says "unknown" (a call of an earlier refresh failed): this refresh sets its topic.
    await db.prisma.$executeRaw`update "IncidentRoom" set "topicShown" = null where "roomId" = ${room}`;
    const held = pigeon.holdNextTopic();
    const recordShown = vi.spyOn(app.services.incidents, "recordShown");
    const refresh = app.services.rooms.refreshSummaries(id);
    // Its GREEN topic is on its way (the row marked unknown before it); the old replica raises to
    // RED and sets the withheld topic meanwhile, and the GREEN one lands after it.
    await held.reached;
    await db.prisma.$executeRaw`update "Incident" set tlp = 'red', restricted = true where id = ${id}`;
    await pigeon.setTopic(room, `${title} withheld by the old replica · details withheld`);
    held.release();
    await refresh;
    // Its record write came after the database's reset: the compare-and-set failed, and the room
    // was refreshed again from what the database holds now.
    const raced = await recordShown.mock.results[0]?.value;
    recordShown.mockRestore();
    expect(raced).toHaveLength(1);
    expectWithheld(room, title);
  });

  it("a process's own newer record does not hide the reset from a late refresh", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Own record";
    const { id, room } = await sharedIncident(pigeon, title);
    // The rooms as an earlier change's statement read them: older than what this process records
    // at the raise to RED just below, so the refresh of that change trusts its own record.
    const earlyRooms = await app.services.incidents.rooms(id);
    await pigeon.send("alice", room, "/inc tlp red");
    expectWithheld(room, title);
    // The old replica lowers to GREEN (full topic and summary sent), then raises to RED again
    // (and dies before setting anything).
    await oldReplicaSets(app, pigeon, id, room, "green");
    await db.prisma.$executeRaw`update "Incident" set tlp = 'red', restricted = true where id = ${id}`;
    // The late refresh: its own record says "withheld", equal to what it renders; the row's reset
    // made the version it records with stale, so it refreshes from the database again.
    await app.services.rooms.refreshSummaries(id, earlyRooms);
    expectWithheld(room, title);
  });

  it("a TLP change through the current code sets the topic and summary once and records them", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Own change";
    const { room } = await sharedIncident(pigeon, title);
    const refreshes = vi.spyOn(app.services.incidents, "recordShown");
    const topics = world.topics.length;
    await pigeon.send("alice", room, "/inc tlp red");
    expectWithheld(room, title);
    // One refresh, one topic set: the change read its rooms after the database's reset.
    expect(refreshes).toHaveBeenCalledTimes(1);
    expect(await refreshes.mock.results[0]?.value).toEqual([]);
    refreshes.mockRestore();
    expect(world.topics).toHaveLength(topics + 1);
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.topicShown).toBe(fingerprintOf(world.topicOf.get(room) ?? ""));
    expect(row.summaryShown).toBeTruthy();
    // The record is right: a task (summary only) sets no topic, and the withheld summary stays.
    await pigeon.send("alice", room, "/inc task tell the partner");
    expect(world.topics).toHaveLength(topics + 1);
    expectWithheld(room, title);
  });

  it("a room rebound or given another summary by older code forgets what it was shown; the current code's binding keeps its record", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const { id, room } = await sharedIncident(pigeon, "Rebound");
    const recorded = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(recorded.topicShown).toBeTruthy();
    // Older code's statements name neither the record nor its version.
    await db.prisma
      .$executeRaw`update "IncidentRoom" set "summaryMessageId" = 'another' where "roomId" = ${room}`;
    const resummarised = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(resummarised).toMatchObject({ topicShown: null, summaryShown: null });
    expect(resummarised.shownVersion).toBe(recorded.shownVersion + 1);
    await pigeon.send("alice", "&general", '/inc declare "Rebound elsewhere" sev:3');
    const other = await db.prisma.incident.findFirstOrThrow({ where: { title: "Rebound elsewhere" } });
    await db.prisma
      .$executeRaw`update "IncidentRoom" set "incidentId" = ${other.id} where "roomId" = ${room}`;
    const rebound = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(rebound).toMatchObject({ topicShown: null, summaryShown: null });
    expect(rebound.shownVersion).toBe(recorded.shownVersion + 2);
    // The current code binds with the topic the room was created with, and that record stays.
    const { updatedAt } = await db.prisma.incident.findUniqueOrThrow({ where: { id } });
    await app.services.incidents.bindRoom(id, "pigeon", room, "rebound", {
      fingerprint: "created-topic",
      renderedFrom: updatedAt,
    });
    const bound = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(bound).toMatchObject({ incidentId: id, topicShown: "created-topic", summaryShown: null });
    expect(bound.shownVersion).toBe(recorded.shownVersion + 3);
  });
});
