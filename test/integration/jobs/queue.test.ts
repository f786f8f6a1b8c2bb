// The durable job queue on a real database, with two queues standing in for two replicas.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { type ClaimedJob, JobQueue } from "../../../src/jobs/queue.ts";
import { silentLogger } from "../../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

let db: TestDatabase;
let clock: ManualClock;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.prisma.job.deleteMany();
  clock = new ManualClock("2026-03-10T09:00:00Z");
});

function queue(workerId: string, options: { leaseMs?: number; maxAttempts?: number } = {}) {
  return new JobQueue(db.prisma, clock, silentLogger, { workerId, ...options });
}

describe("job queue", () => {
  it("runs a job when it is due, not before, and marks it done", async () => {
    const q = queue("a");
    const ran: string[] = [];
    q.register("greet", async (job) => {
      ran.push((job.payload as { name: string }).name);
    });
    await q.enqueue(db.prisma, {
      kind: "greet",
      payload: { name: "alice" },
      dueAt: new Date("2026-03-10T09:05:00Z"),
    });
    expect(await q.runDue()).toBe(0);
    clock.advance(5 * 60_000);
    expect(await q.runDue()).toBe(1);
    expect(ran).toEqual(["alice"]);
    expect(await q.runDue()).toBe(0);
    const job = await db.prisma.job.findFirstOrThrow();
    expect(job).toMatchObject({ outcome: "done", attempts: 1, leasedBy: "a" });
  });

  it("enqueues once per key, however often it is asked", async () => {
    const q = queue("a");
    const first = await q.enqueue(db.prisma, {
      kind: "x",
      key: "bulletin:daily:2026-03-10T08:00Z",
      dueAt: clock.now(),
    });
    const second = await q.enqueue(db.prisma, {
      kind: "x",
      key: "bulletin:daily:2026-03-10T08:00Z",
      dueAt: clock.now(),
    });
    expect([first, second]).toEqual([true, false]);
    expect(await db.prisma.job.count()).toBe(1);
  });

  it("never lets two replicas run the same job", async () => {
    const runs: string[] = [];
    const replicas = [queue("a"), queue("b")];
    for (const r of replicas) {
      r.register("step", async (job) => {
        runs.push(job.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      });
    }
    for (let i = 0; i < 40; i++) await replicas[0]!.enqueue(db.prisma, { kind: "step", dueAt: clock.now() });
    const [a, b] = await Promise.all(replicas.map((r) => r.runDue()));
    expect(a! + b!).toBe(40);
    expect(new Set(runs).size).toBe(40);
    expect(runs).toHaveLength(40);
  });

  it("takes over a job whose worker died once its lease expires", async () => {
    const dead = queue("dead", { leaseMs: 30_000 });
    dead.register("step", async () => {
      throw new Error("never finishes: the process is killed");
    });
    await dead.enqueue(db.prisma, { kind: "step", dueAt: clock.now() });
    // The dead worker claimed the job but never finished it: simulate by claiming through SQL.
    await db.prisma
      .$executeRaw`update "Job" set "leasedBy" = 'dead', "leasedUntil" = ${new Date(clock.now().getTime() + 30_000)}, attempts = 1`;
    const survivor = queue("survivor");
    const ran: ClaimedJob[] = [];
    survivor.register("step", async (job) => {
      ran.push(job);
    });
    expect(await survivor.runDue()).toBe(0);
    clock.advance(30_001);
    expect(await survivor.runDue()).toBe(1);
    expect(ran[0]?.attempts).toBe(2);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done", leasedBy: "survivor" });
  });

  it("retries a failing job with backoff and gives up after the last attempt", async () => {
    const q = queue("a", { maxAttempts: 3 });
    let calls = 0;
    q.register("flaky", async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    await q.enqueue(db.prisma, { kind: "flaky", dueAt: clock.now() });
    expect(await q.runDue()).toBe(1);
    expect(await q.runDue()).toBe(0);
    clock.advance(1000);
    expect(await q.runDue()).toBe(1);
    clock.advance(2000);
    expect(await q.runDue()).toBe(1);
    clock.advance(3_600_000);
    expect(await q.runDue()).toBe(0);
    expect(calls).toBe(3);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({
      outcome: "failed",
      lastError: "boom 3",
      attempts: 3,
    });
  });

  it("completes a job inside the handler's own transaction, together with its work", async () => {
    const q = queue("a");
    q.register("write", async (_job, ctx) => {
      await db.prisma.$transaction(async (tx) => {
        await tx.processedEvent.create({ data: { platform: "test", key: "written" } });
        await ctx.complete(tx);
      });
    });
    await q.enqueue(db.prisma, { kind: "write", dueAt: clock.now() });
    await q.runDue();
    expect(await db.prisma.processedEvent.count({ where: { key: "written" } })).toBe(1);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done" });
  });

  it("cancels pending jobs by key prefix", async () => {
    const q = queue("a");
    q.register("step", async () => {});
    await q.enqueue(db.prisma, { kind: "step", key: "page:7:level:1", dueAt: clock.now() });
    await q.enqueue(db.prisma, { kind: "step", key: "page:7:level:2", dueAt: clock.now() });
    await q.enqueue(db.prisma, { kind: "step", key: "page:70:level:1", dueAt: clock.now() });
    expect(await q.cancel(db.prisma, "page:7:")).toBe(2);
    expect(await q.runDue()).toBe(1);
  });

  it("fails a job of an unknown kind instead of retrying it forever", async () => {
    const q = queue("a");
    await q.enqueue(db.prisma, { kind: "mystery", dueAt: clock.now() });
    await q.runDue();
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({
      outcome: "failed",
      lastError: "no handler for mystery jobs",
    });
  });

  it("polls on its own when started, and stops cleanly", async () => {
    const q = new JobQueue(db.prisma, clock, silentLogger, { pollMs: 10 });
    const done = new Promise<void>((resolve) => q.register("ping", async () => resolve()));
    q.start();
    await q.enqueue(db.prisma, { kind: "ping", dueAt: clock.now() });
    q.kick();
    await done;
    await q.stop();
  });
});
