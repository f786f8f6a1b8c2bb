// A room's topic is set, and its pinned summary edited, only when what the room would get differs
// from what it was last shown. In Slack every topic set is a visible "set the channel topic"
// message: a busy incident's channel filled with them. What a room was shown is recorded on its
// row, so replicas and restarts compare against the same record, and a refresh that read the
// record before another one wrote it does not trust it.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/app.ts";
import { ManualClock } from "../../src/clock.ts";
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

function replica(): Promise<{ app: App; pigeon: ReplicaPigeon }> {
  return startReplica(db, world, clock, replicas);
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const app of replicas) await app.stop();
  await db?.close();
});

async function declared(pigeon: ReplicaPigeon, title: string): Promise<string> {
  await pigeon.send("alice", "&general", `/inc declare "${title}" sev:3`);
  const incident = await db.prisma.incident.findFirstOrThrow({ where: { title } });
  return `&${incident.publicId.toLowerCase()}`;
}

describe("a room's topic and pinned summary", () => {
  it("are not touched by a note; a status change sets the topic; a task edits the summary only", async () => {
    world = emptyWorld();
    const { pigeon } = await replica();
    const room = await declared(pigeon, "Notes and statuses");
    await pigeon.send("alice", room, "/inc note looked at the proxy logs");
    expect(world.topics).toEqual([]);
    expect(world.edits).toEqual([]);
    await pigeon.send("alice", room, "/inc status investigating");
    expect(world.topics).toHaveLength(1);
    expect(world.topics[0]?.topic).toContain("investigating");
    expect(world.edits).toHaveLength(1);
    // A task changes the summary (its task count), not the topic.
    await pigeon.send("alice", room, "/inc task rotate the keys");
    expect(world.edits).toHaveLength(2);
    expect(world.topics).toHaveLength(1);
  });

  it("are left alone by a refresh that would show them as they are (a replayed or coalesced one)", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const room = await declared(pigeon, "Refreshed twice");
    await pigeon.send("alice", room, "/inc status investigating");
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Refreshed twice" } });
    await app.services.rooms.refreshSummaries(incident.id);
    await app.services.rooms.refreshSummaries(incident.id);
    expect(world.topics).toHaveLength(1);
    expect(world.edits).toHaveLength(1);
  });

  it("after a failed summary edit: the summary is edited again, the topic left as it was", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const room = await declared(pigeon, "Failed edit");
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Failed edit" } });
    await pigeon.send("alice", room, "/inc status investigating");
    expect(world.topics).toHaveLength(1);
    pigeon.failNextUpdate = true;
    await pigeon.send("alice", room, "/inc task first task");
    expect(world.edits).toHaveLength(1);
    // Whether the failed edit reached the room is unknown: a refresh of the same state edits it
    // again. The topic call was never made: the room still has the topic recorded.
    await app.services.rooms.refreshSummaries(incident.id);
    expect(world.edits).toHaveLength(2);
    expect(world.topics).toHaveLength(1);
  });

  it("are compared with what another replica, or the process before a restart, recorded", async () => {
    world = emptyWorld();
    const a = await replica();
    const b = await replica();
    const room = await declared(a.pigeon, "Two replicas");
    const created = world.topicOf.get(room);
    // B raises the severity: the topic says SEV1 now, set by B.
    await b.pigeon.send("alice", room, "/inc sev 1");
    expect(world.topics.map((t) => t.topic)).toEqual([expect.stringContaining("SEV1")]);
    // A lowers it back: the topic A created the room with, but not what the room shows.
    await a.pigeon.send("alice", room, "/inc sev 3");
    expect(world.topics).toHaveLength(2);
    expect(world.topicOf.get(room)).toBe(created);
    // A task through B, then through a replica started afterwards: nothing to set either time.
    await b.pigeon.send("alice", room, "/inc task check the mail gateway");
    const restarted = await replica();
    await restarted.pigeon.send("alice", room, "/inc task block the sender");
    expect(world.topics).toHaveLength(2);
    expect(world.edits).toHaveLength(4);
  });

  it("withheld from a room shared outside the organisation are recorded like any other", async () => {
    world = emptyWorld();
    const { pigeon } = await replica();
    const room = await declared(pigeon, "Shared channel");
    world.external.add(room);
    await pigeon.send("alice", room, "/inc status investigating");
    expect(world.topics).toHaveLength(1);
    expect(world.topics[0]?.topic).not.toContain("Shared channel");
    expect(world.topics[0]?.topic).toContain("details withheld");
    expect(world.edits).toHaveLength(1);
    // The withheld topic and the summary's notice stay what they were: nothing is sent again.
    await pigeon.send("alice", room, "/inc status contained");
    await pigeon.send("alice", room, "/inc task tell the partner");
    expect(world.topics).toHaveLength(1);
    expect(world.edits).toHaveLength(1);
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.topicShown).toBeTruthy();
    expect(row.summaryShown).toBeTruthy();
  });

  it("are refreshed again from the database when another replica recorded after this one read", async () => {
    world = emptyWorld();
    const a = await replica();
    const b = await replica();
    const room = await declared(a.pigeon, "Stale read");
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Stale read" } });
    // What a slow refresh on B read before A's status change below: the old state, and a record
    // that says "unknown" (its last call had failed), so it sets its stale topic.
    const staleRooms = (await b.app.services.incidents.rooms(incident.id)).map((r) => ({
      ...r,
      topicShown: null,
    }));
    const staleDetails = await b.app.services.incidents.details(incident.id);
    await a.pigeon.send("alice", room, "/inc status investigating");
    expect(world.topicOf.get(room)).toContain("investigating");
    const before = world.topics.length;
    // B sets its stale topic (triage), finds the record changed since it read it, drops the
    // record and refreshes from what the database holds now.
    await b.app.services.rooms.refreshSummaries(incident.id, staleRooms, staleDetails);
    expect(world.topics.slice(before).map((t) => t.topic)).toEqual([
      expect.stringContaining("triage"),
      expect.stringContaining("investigating"),
    ]);
    expect(world.topicOf.get(room)).toContain("investigating");
    // And the record is right again, for both: a task sets no topic.
    await a.pigeon.send("alice", room, "/inc task done with the stale read");
    await b.pigeon.send("alice", room, "/inc task and with the other replica");
    expect(world.topics).toHaveLength(before + 2);
  });

  it("of a change whose statement ran before this process's previous refresh recorded are not sent twice", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const room = await declared(pigeon, "Back to back");
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Back to back" } });
    // The rooms as a change's statement returned them before the refresh below recorded.
    const readEarly = await app.services.incidents.rooms(incident.id);
    await pigeon.send("alice", room, "/inc status investigating");
    const topics = world.topics.length;
    const edits = world.edits.length;
    await app.services.rooms.refreshSummaries(incident.id, readEarly);
    expect(world.topics).toHaveLength(topics);
    expect(world.edits).toHaveLength(edits);
  });
  it("after a change whose record was never written (crash, lost connection), a raise to RED still withholds", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const room = await declared(pigeon, "Record lost");
    world.external.add(room);
    await pigeon.send("alice", room, "/inc tlp green");
    expect(world.topicOf.get(room)).toContain("Record lost");
    await pigeon.send("alice", room, "/inc tlp red");
    expect(world.topicOf.get(room)).toContain("details withheld");
    // Lowered to GREEN: the room gets the full topic and summary, but the process dies (or its
    // connection drops) before it records that: the row still says "withheld".
    const lost = vi
      .spyOn(app.services.incidents, "recordShown")
      .mockRejectedValueOnce(new Error("connection terminated"));
    await pigeon.send("alice", room, "/inc tlp green");
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    expect(world.topicOf.get(room)).toContain("TLP:GREEN");
    const edits = world.edits.length;
    // Raised to RED again: the room must not keep the GREEN topic and summary.
    await pigeon.send("alice", room, "/inc tlp red");
    expect(world.topicOf.get(room)).toContain("details withheld");
    expect(world.topicOf.get(room)).not.toContain("TLP:GREEN");
    expect(world.edits.length).toBe(edits + 1);
    expect(world.edits.at(-1)?.text).not.toContain("TLP:GREEN");
  });

  it("of a change that read its details before this process's later refresh recorded show the later state", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const room = await declared(pigeon, "Overtaken change");
    world.external.add(room);
    await pigeon.send("alice", room, "/inc tlp green");
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Overtaken change" } });
    // A change whose statement ran while the incident was GREEN, and whose refresh comes late
    // (its announcement was slow): the raise to RED after it was refreshed and recorded first.
    const earlyRooms = await app.services.incidents.rooms(incident.id);
    const earlyDetails = await app.services.incidents.details(incident.id);
    await pigeon.send("alice", room, "/inc tlp red");
    expect(world.topicOf.get(room)).toContain("details withheld");
    await app.services.rooms.refreshSummaries(incident.id, earlyRooms, earlyDetails);
    expect(world.topicOf.get(room)).toContain("details withheld");
    expect(world.topicOf.get(room)).not.toContain("Overtaken change");
    expect(world.edits.at(-1)?.text).not.toContain("Overtaken change");
  });
});
