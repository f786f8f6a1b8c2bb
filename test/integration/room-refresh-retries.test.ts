// A refresh of an incident room that fails (a 429 the platform's lanes gave up on) or never runs
// (the process stopped between the change's commit and its refresh) is retried by a durable job
// until the room shows the incident as it is: after a raise to RED, a room shared outside the
// organisation must not keep its GREEN topic until the incident's next change. One pending retry
// per room; the retry re-reads the incident; the platform's Retry-After is respected.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/app.ts";
import { ManualClock } from "../../src/clock.ts";
import { REFRESH_ROOM_JOB } from "../../src/incidents/room-refresh-retries.ts";
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

function replica(
  options: { archiveRoomsAfterMs?: number } = {},
): Promise<{ app: App; pigeon: ReplicaPigeon }> {
  return startReplica(db, world, clock, replicas, options);
}

/** An incident at TLP:GREEN whose room is shared with another organisation: it shows the title. */
async function sharedGreen(pigeon: ReplicaPigeon, title: string): Promise<{ id: string; room: string }> {
  await pigeon.send("alice", "&general", `/inc declare "${title}" sev:3`);
  const incident = await db.prisma.incident.findFirstOrThrow({ where: { title } });
  const room = `&${incident.publicId.toLowerCase()}`;
  world.external.add(room);
  await pigeon.send("alice", room, "/inc tlp green");
  expect(world.topicOf.get(room)).toContain(title);
  return { id: incident.id, room };
}

function retryJobs(room: string) {
  return db.prisma.job.findMany({ where: { kind: REFRESH_ROOM_JOB, key: { endsWith: `:${room}` } } });
}

function expectWithheld(room: string, title: string): void {
  expect(world.topicOf.get(room)).toContain("details withheld");
  expect(world.topicOf.get(room)).not.toContain(title);
  expect(world.summaryOf.get(room)).not.toContain(title);
}

describe("a failed or interrupted room refresh", () => {
  it("after a raise to RED whose topic call got a 429: retried after Retry-After, the withheld topic lands", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Rate limited raise";
    const { room } = await sharedGreen(pigeon, title);
    pigeon.rateLimitTopics = { calls: 1, retryAfterMs: 30_000 };
    await pigeon.send("alice", room, "/inc tlp red");
    // The summary was edited (withheld), the topic call failed: the room still shows the title.
    expect(world.topicOf.get(room)).toContain(title);
    const [job] = await retryJobs(room);
    expect(job?.outcome).toBeNull();
    expect(job?.dueAt.getTime()).toBe(clock.now().getTime() + 30_000);
    // Not before the platform's Retry-After.
    expect(await app.services.jobs.runDue()).toBe(0);
    expect(world.topicOf.get(room)).toContain(title);
    clock.advance(30_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expectWithheld(room, title);
    const [done] = await retryJobs(room);
    expect(done?.outcome).toBe("done");
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.topicShown).toBeTruthy();
    expect(row.summaryShown).toBeTruthy();
  });

  it("waiting out a long Retry-After: a sweep meanwhile does not make it due sooner", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Long Retry-After";
    const { room } = await sharedGreen(pigeon, title);
    pigeon.rateLimitTopics = { calls: 1, retryAfterMs: 600_000 };
    await pigeon.send("alice", room, "/inc tlp red");
    const asked = clock.now().getTime() + 600_000;
    expect((await retryJobs(room))[0]?.dueAt.getTime()).toBe(asked);
    // The room's record is unknown: every sweep finds it, and leaves its retry where it was.
    await app.roomRefreshes.sweep();
    await app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.dueAt.getTime()).toBe(asked);
  });

  it("that fails again is retried again, with backoff, until it lands", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Rate limited twice";
    const { room } = await sharedGreen(pigeon, title);
    pigeon.rateLimitTopics = { calls: 2, retryAfterMs: 10_000 };
    await pigeon.send("alice", room, "/inc tlp red");
    clock.advance(10_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expect(world.topicOf.get(room)).toContain(title);
    const [again] = await retryJobs(room);
    expect(again?.outcome).toBeNull();
    expect(again?.lastError).toContain("failed again");
    // Retry-After (10 s) is longer than the first backoff (1 s): it decides.
    expect(again?.dueAt.getTime()).toBe(clock.now().getTime() + 10_000);
    clock.advance(10_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expectWithheld(room, title);
  });

  it("through an outage longer than the job's attempts: taken up again by a sweep, until it lands", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Long outage";
    const { room } = await sharedGreen(pigeon, title);
    // The chat service answers every topic call with a 429 (no advice) for a while.
    pigeon.rateLimitTopics = { calls: 1_000, retryAfterMs: 0 };
    await pigeon.send("alice", room, "/inc tlp red");
    for (let attempt = 1; attempt <= 8; attempt++) {
      clock.advance(300_000);
      await app.services.jobs.runDue();
    }
    const [failed] = await retryJobs(room);
    expect(failed?.outcome).toBe("failed");
    expect(world.topicOf.get(room)).toContain(title);
    // Back again. A sweep soon after the last attempt leaves the failed job alone; 15 minutes
    // later it takes it up again.
    pigeon.rateLimitTopics = { calls: 0, retryAfterMs: 0 };
    await app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.outcome).toBe("failed");
    clock.advance(15 * 60_000 + 1_000);
    await app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.outcome).toBeNull();
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expectWithheld(room, title);
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
  });

  it("whose record could not be written (the connection dropped): retried until it is", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Record lost";
    const { room } = await sharedGreen(pigeon, title);
    const lost = vi
      .spyOn(app.services.incidents, "recordShown")
      .mockRejectedValueOnce(new Error("connection terminated"));
    await pigeon.send("alice", room, "/inc tlp red");
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    // The calls landed, but the row says "unknown": the retry sets them again (whether a call
    // whose record was lost reached the room cannot be told) and records them.
    expectWithheld(room, title);
    expect(
      (await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } })).topicShown,
    ).toBeNull();
    const topics = world.topics.length;
    clock.advance(5_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expect(world.topics).toHaveLength(topics + 1);
    expectWithheld(room, title);
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.topicShown).toBeTruthy();
    expect(row.summaryShown).toBeTruthy();
  });

  it("after two quick changes: one retry, which shows the latest state", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Two quick changes";
    const { room } = await sharedGreen(pigeon, title);
    world.external.delete(room);
    pigeon.rateLimitTopics = { calls: 2, retryAfterMs: 5_000 };
    await pigeon.send("alice", room, "/inc status investigating");
    await pigeon.send("alice", room, "/inc sev 1");
    expect(world.topicOf.get(room)).not.toContain("investigating");
    expect(await retryJobs(room)).toHaveLength(1);
    const topics = world.topics.length;
    clock.advance(5_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expect(world.topics).toHaveLength(topics + 1);
    expect(world.topicOf.get(room)).toContain("investigating");
    expect(world.topicOf.get(room)).toContain("SEV1");
  });

  it("after the process stopped between a raise to RED's commit and its refresh: repaired after the restart", async () => {
    world = emptyWorld();
    const before = await replica();
    const title = "Crash before refresh";
    const { room } = await sharedGreen(before.pigeon, title);
    // The process stops after the change committed and was announced, before its refresh.
    const refresh = vi.spyOn(before.app.services.rooms, "refreshAfter").mockResolvedValueOnce();
    await before.pigeon.send("alice", room, "/inc tlp red");
    expect(refresh).toHaveBeenCalled();
    expect(world.topicOf.get(room)).toContain(title);
    await before.app.stop();
    replicas.splice(replicas.indexOf(before.app), 1);
    const after = await replica();
    expect(await after.app.roomRefreshes.sweep()).toBeGreaterThanOrEqual(1);
    await after.app.services.jobs.runDue();
    expectWithheld(room, title);
  });

  it("after a restart, a raise to RED whose topic call failed is retried when asked, not when the start's re-check is due", async () => {
    world = emptyWorld();
    const before = await replica();
    const title = "Raise just after a restart";
    const { room } = await sharedGreen(before.pigeon, title);
    await before.app.stop();
    replicas.splice(replicas.indexOf(before.app), 1);
    // The start's sweep takes the room (its incident changed in the last hour) for a re-check in 30 s.
    const after = await replica();
    await after.app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.dueAt.getTime()).toBe(clock.now().getTime() + 30_000);
    after.pigeon.rateLimitTopics = { calls: 1, retryAfterMs: 5_000 };
    await after.pigeon.send("alice", room, "/inc tlp red");
    expect(world.topicOf.get(room)).toContain(title);
    // The failed raise's retry is due after the platform's Retry-After (5 s), not at the re-check.
    clock.advance(5_000);
    expect(await after.app.services.jobs.runDue()).toBe(1);
    expectWithheld(room, title);
  });

  it("after the process stopped between a status change's commit and its refresh: repaired after the restart", async () => {
    world = emptyWorld();
    const before = await replica();
    await before.pigeon.send("alice", "&general", `/inc declare "Crash after status" sev:3`);
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Crash after status" } });
    const room = `&${incident.publicId.toLowerCase()}`;
    vi.spyOn(before.app.services.rooms, "refreshAfter").mockResolvedValueOnce();
    await before.pigeon.send("alice", room, "/inc status investigating");
    expect(world.topicOf.get(room)).not.toContain("investigating");
    await before.app.stop();
    replicas.splice(replicas.indexOf(before.app), 1);
    // The room's record still says what it showed (nothing reset it): the start's sweep takes the
    // rooms of incidents changed in the last hour, once the desk has started (30 s), not while it
    // starts.
    const after = await replica();
    await after.app.roomRefreshes.sweep();
    await after.app.services.jobs.runDue();
    expect(world.topicOf.get(room)).not.toContain("investigating");
    clock.advance(30_000);
    await after.app.services.jobs.runDue();
    expect(world.topicOf.get(room)).toContain("investigating");
  });

  it("of a room opened with details a raise to RED overtook: its records are unknown, so the sweep repairs it", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    // The start's pass is spent: what follows must be found as unknown, not as recently changed.
    await app.roomRefreshes.sweep();
    const title = "Opened while raised";
    await pigeon.send("alice", "&general", `/inc declare "${title}" sev:3`);
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title } });
    const room = `&${incident.publicId.toLowerCase()}`;
    // A room being opened (a mirror, a retried declaration): its details read before the raise.
    await db.prisma.incidentRoom.deleteMany({ where: { incidentId: incident.id } });
    const stale = await app.services.incidents.details(incident.id);
    // Another replica raises to RED meanwhile: no room of the incident is bound yet for its refresh.
    await db.prisma
      .$executeRaw`update "Incident" set tlp = 'red', restricted = true, "updatedAt" = ${new Date(clock.now().getTime() + 1)} where id = ${incident.id}`;
    expect((await app.services.rooms.open(incident, "pigeon", [], stale)).ok).toBe(true);
    // Rendered from the details before the raise: the title, in the topic a RED incident withholds it from.
    expect(world.topicOf.get(room)).toContain(title);
    const opened = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(opened).toMatchObject({ topicShown: null, summaryShown: null });
    // Other tests' rooms share the database: this room's own retry is what counts here.
    await app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.outcome).toBeNull();
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
    expect(world.topicOf.get(room)).toContain("TLP:RED");
    expect(world.topicOf.get(room)).not.toContain(title);
    expect(world.summaryOf.get(room)).toContain("TLP:RED");
  });

  it("of a closed incident's room: the retry shows it closed", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    const title = "Closed meanwhile";
    const { room } = await sharedGreen(pigeon, title);
    world.external.delete(room);
    pigeon.rateLimitTopics = { calls: 1, retryAfterMs: 5_000 };
    await pigeon.send("alice", room, "/inc close contained and cleaned");
    expect(world.topicOf.get(room)).not.toContain("closed");
    clock.advance(5_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expect(world.topicOf.get(room)).toContain("closed");
  });

  it("of an archived room: dropped without a call (an archived room takes no topic), and not swept again", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica({ archiveRoomsAfterMs: 60_000 });
    const title = "Archived meanwhile";
    const { id, room } = await sharedGreen(pigeon, title);
    await pigeon.send("alice", room, "/inc close done");
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expect(world.archived.has(room)).toBe(true);
    // A refresh now fails (the room is archived): its retry finds the room archived.
    await db.prisma.$executeRaw`update "IncidentRoom" set "topicShown" = null where "roomId" = ${room}`;
    await app.services.rooms.refreshSummaries(id);
    const calls = pigeon.topicCalls;
    clock.advance(5_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    expect(pigeon.topicCalls).toBe(calls);
    const [job] = await retryJobs(room);
    expect(job?.outcome).toBe("done");
    // Its record stays unknown, but a sweep leaves an archived room alone.
    await app.roomRefreshes.sweep();
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
  });
  it("whose summary edit failed and whose retry was not enqueued (the database blinked): swept", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    // The start's sweep, done: what follows is a later one, which takes only unknown records.
    await app.roomRefreshes.sweep();
    await pigeon.send("alice", "&general", `/inc declare "Summary edit lost" sev:3`);
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Summary edit lost" } });
    const room = `&${incident.publicId.toLowerCase()}`;
    pigeon.failNextUpdate = true;
    await pigeon.send("alice", room, "/inc status investigating");
    // The edit failed before the topic call: both show the incident as it was, and the record
    // says the topic is known (it was not changed) and the summary unknown.
    expect(world.summaryOf.get(room) ?? "").not.toContain("investigating");
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.topicShown).toBeTruthy();
    expect(row.summaryShown).toBeNull();
    // Its retry never made it to the database.
    await db.prisma.job.deleteMany({ where: { kind: REFRESH_ROOM_JOB, key: { endsWith: `:${room}` } } });
    expect(await app.roomRefreshes.sweep()).toBe(1);
    clock.advance(60_000);
    // Other jobs of the shared database (reminders, pages) may fall due too: the room's is done.
    await app.services.jobs.runDue();
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
    expect(world.summaryOf.get(room)).toContain("investigating");
    expect(world.topicOf.get(room)).toContain("investigating");
  });

  it("is not made up for a summary just pinned: its record is what was posted", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica();
    await app.roomRefreshes.sweep();
    await pigeon.send("alice", "&general", `/inc declare "Freshly pinned" sev:3`);
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Freshly pinned" } });
    const room = `&${incident.publicId.toLowerCase()}`;
    const row = await db.prisma.incidentRoom.findFirstOrThrow({ where: { roomId: room } });
    expect(row.summaryMessageId).toBeTruthy();
    expect(row.summaryShown).toBeTruthy();
    await app.roomRefreshes.sweep();
    expect(await retryJobs(room)).toEqual([]);
    // A change that leaves the summary as it is (a note) edits nothing; one that changes it does.
    const edits = world.edits.length;
    await pigeon.send("alice", room, "/inc status investigating");
    expect(world.edits).toHaveLength(edits + 1);
  });
  it("of a room archived before its closed incident's last change: dropped once, not revived at every sweep", async () => {
    world = emptyWorld();
    const { app, pigeon } = await replica({ archiveRoomsAfterMs: 60_000 });
    await app.roomRefreshes.sweep();
    const { id, room } = await sharedGreen(pigeon, "Archived then changed");
    await pigeon.send("alice", room, "/inc close done");
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expect(world.archived.has(room)).toBe(true);
    // Changed after its archiving (the incident's row, not its status: still closed, still
    // archived), and its room's record unknown.
    clock.advance(1_000);
    await db.prisma.$executeRaw`update "Incident" set "updatedAt" = ${clock.now()} where id = ${id}`;
    await db.prisma.$executeRaw`update "IncidentRoom" set "topicShown" = null where "roomId" = ${room}`;
    expect(await app.roomRefreshes.sweep()).toBe(1);
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
    // The job found it archived: later sweeps leave it alone.
    const calls = pigeon.topicCalls;
    expect(await app.roomRefreshes.sweep()).toBe(0);
    clock.advance(60_000);
    await app.services.jobs.runDue();
    expect(await app.roomRefreshes.sweep()).toBe(0);
    expect(pigeon.topicCalls).toBe(calls);
  });
  it("at a restart, rooms of recently changed incidents whose record is known get no topic or edit again", async () => {
    world = emptyWorld();
    const before = await replica();
    await before.pigeon.send("alice", "&general", `/inc declare "Restart, nothing lost" sev:3`);
    const incident = await db.prisma.incident.findFirstOrThrow({ where: { title: "Restart, nothing lost" } });
    const room = `&${incident.publicId.toLowerCase()}`;
    // Declared only: the topic's record is the one the room was created with, the summary's the
    // one pinned.
    await before.app.stop();
    replicas.splice(replicas.indexOf(before.app), 1);
    const [topics, edits] = [world.topics.length, world.edits.length];
    const after = await replica();
    // In Slack a topic set is a visible message: the start's sweep must not repeat one.
    await after.app.roomRefreshes.sweep();
    clock.advance(30_000);
    await after.app.services.jobs.runDue();
    expect((await retryJobs(room))[0]?.outcome).toBe("done");
    expect(world.topics).toHaveLength(topics);
    expect(world.edits).toHaveLength(edits);
  });
});
