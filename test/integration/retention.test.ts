// Retention: the hourly durable job prunes handled event keys, answered claims, finished jobs and
// sent deliveries of resolved pages older than the retention period, and keeps everything else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RETENTION_JOB } from "../../src/retention/retention.ts";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

let desk: ConsoleDesk;
beforeAll(async () => {
  desk = await startConsoleDesk();
});
afterAll(async () => {
  await desk?.close();
});

const DAY = 24 * 60 * 60_000;

describe("retention", () => {
  it("prunes old bookkeeping on schedule and keeps records, recent rows and pending work", async () => {
    const db = desk.db.prisma;
    const now = desk.clock.now().getTime();
    const old = new Date(now - 31 * DAY);
    const recent = new Date(now - 29 * DAY);
    await db.processedEvent.createMany({
      data: [
        { platform: "slack", key: "old", processedAt: old },
        { platform: "slack", key: "recent", processedAt: recent },
      ],
    });
    await db.inboundClaim.createMany({
      data: [
        {
          platform: "matrix",
          key: "old-answered",
          owner: "a",
          leaseUntil: old,
          claimedAt: old,
          answeredAt: old,
        },
        {
          platform: "matrix",
          key: "recent-answered",
          owner: "a",
          leaseUntil: recent,
          claimedAt: recent,
          answeredAt: recent,
        },
      ],
    });
    await db.job.createMany({
      data: [
        { kind: "test.old-done", dueAt: old, outcome: "done", finishedAt: old },
        { kind: "test.recent-done", dueAt: recent, outcome: "done", finishedAt: recent },
        { kind: "test.old-pending", dueAt: old },
      ],
    });
    const resolved = await db.page.create({
      data: { message: "resolved long ago", status: "resolved", createdAt: old, resolvedAt: old },
    });
    const open = await db.page.create({ data: { message: "still open", createdAt: old } });
    await db.pageDelivery.createMany({
      data: [
        {
          pageId: resolved.id,
          platform: "console",
          target: "bob",
          state: "sent",
          level: 0,
          round: 0,
          createdAt: old,
        },
        {
          pageId: open.id,
          platform: "console",
          target: "bob",
          state: "sent",
          level: 0,
          round: 0,
          createdAt: old,
        },
      ],
    });

    // The clock is manual: start() scheduled nothing; schedule() enqueues this hour's run.
    await desk.app.retention.schedule();
    await desk.app.retention.schedule();
    expect(await db.job.count({ where: { kind: RETENTION_JOB } })).toBe(1);
    await desk.app.services.jobs.runDue();

    expect((await db.processedEvent.findMany()).map((row) => row.key)).toEqual(["recent"]);
    expect((await db.inboundClaim.findMany()).map((row) => row.key)).toEqual(["recent-answered"]);
    const kinds = (await db.job.findMany({ where: { kind: { startsWith: "test." } } })).map(
      (job) => job.kind,
    );
    expect(kinds.sort()).toEqual(["test.old-pending", "test.recent-done"]);
    const deliveries = await db.pageDelivery.findMany();
    expect(deliveries.map((row) => row.pageId)).toEqual([open.id]);
    expect(await db.page.count()).toBe(2);

    // The run enqueued the next hour's, which prunes what aged past the limit meanwhile.
    const next = await db.job.findFirst({ where: { kind: RETENTION_JOB, outcome: null } });
    expect(next?.dueAt.toISOString()).toBe("2026-03-10T10:00:00.000Z");
    expect(await desk.app.services.jobs.runDue()).toBe(0);
    desk.clock.advance(2 * DAY);
    expect(await desk.app.services.jobs.runDue()).toBeGreaterThan(0);
    expect(await db.processedEvent.count()).toBe(0);
    expect(await db.inboundClaim.count()).toBe(0);
  });
});
