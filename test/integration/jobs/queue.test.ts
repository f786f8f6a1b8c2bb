// The durable job queue on a real database, with two queues standing in for two replicas.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "../../../src/clock.ts";
import { type Job, type JobHandler, JobQueue, RetryLater } from "../../../src/jobs/queue.ts";
import { silentLogger } from "../../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { until } from "../../support/waiting.ts";

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

function queue(
  workerId: string,
  options: { leaseMs?: number; maxAttempts?: number; renewEveryMs?: number; maxHoldMs?: number } = {},
) {
  return new JobQueue(db.prisma, clock, silentLogger, { workerId, ...options });
}

const noPayload = z.object({});

/** A kind with no payload, for tests about the queue rather than payloads. */
function plain(q: JobQueue, kind: string, handler: JobHandler<Record<string, never>> = async () => {}) {
  return q.define({ kind, payload: noPayload, handler });
}

describe("job queue", () => {
  it("runs a job when it is due, not before, and marks it done", async () => {
    const q = queue("a");
    const ran: string[] = [];
    const greet = q.define({
      kind: "greet",
      payload: z.object({ name: z.string() }),
      handler: async (job) => {
        ran.push(job.payload.name);
      },
    });
    await greet.enqueue(db.prisma, {
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
    const x = plain(queue("a"), "x");
    const first = await x.enqueue(db.prisma, {
      payload: {},
      key: "bulletin:daily:2026-03-10T08:00Z",
      dueAt: clock.now(),
    });
    const second = await x.enqueue(db.prisma, {
      payload: {},
      key: "bulletin:daily:2026-03-10T08:00Z",
      dueAt: clock.now(),
    });
    expect([first, second]).toEqual([true, false]);
    expect(await db.prisma.job.count()).toBe(1);
  });

  it("never lets two replicas run the same job", async () => {
    const runs: string[] = [];
    const replicas = [queue("a"), queue("b")];
    const [step] = replicas.map((r) =>
      plain(r, "step", async (job) => {
        runs.push(job.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }),
    );
    for (let i = 0; i < 40; i++) await step!.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    const [a, b] = await Promise.all(replicas.map((r) => r.runDue()));
    expect(a! + b!).toBe(40);
    expect(new Set(runs).size).toBe(40);
    expect(runs).toHaveLength(40);
  });

  it("takes over a job whose worker died once its lease expires", async () => {
    const dead = queue("dead", { leaseMs: 30_000 });
    const step = plain(dead, "step", async () => {
      throw new Error("never finishes: the process is killed");
    });
    await step.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    // The dead worker claimed the job but never finished it: simulate by claiming through SQL.
    await db.prisma
      .$executeRaw`update "Job" set "leasedBy" = 'dead', "leasedUntil" = ${new Date(clock.now().getTime() + 30_000)}, attempts = 1`;
    const survivor = queue("survivor");
    const ran: Array<Job<unknown>> = [];
    plain(survivor, "step", async (job) => {
      ran.push(job);
    });
    expect(await survivor.runDue()).toBe(0);
    clock.advance(30_001);
    expect(await survivor.runDue()).toBe(1);
    expect(ran[0]?.attempts).toBe(2);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done", leasedBy: "survivor" });
  });

  it("keeps a job that runs longer than its lease from a second worker, renewing the lease", async () => {
    // A page or a room refresh waiting out a platform's rate limits outlives one lease; a replica
    // taking it then would send it twice.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const slow = queue("slow", { leaseMs: 30_000, renewEveryMs: 20 });
    const step = plain(slow, "step", async () => {
      started = true;
      await released;
    });
    await step.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    const running = slow.runDue();
    await until(() => started, "the slow handler started");
    clock.advance(30_001);
    // The lease the claim took has run out on the clock; a renewal since then holds it again.
    await until(async () => {
      const job = await db.prisma.job.findFirstOrThrow();
      return job.leasedUntil !== null && job.leasedUntil > clock.now();
    }, "the running job's lease renewed");
    const other = queue("other");
    const ranByOther: string[] = [];
    plain(other, "step", async () => {
      ranByOther.push("other");
    });
    expect(await other.runDue()).toBe(0);
    release();
    expect(await running).toBe(1);
    expect(ranByOther).toEqual([]);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({
      outcome: "done",
      leasedBy: "slow",
      attempts: 1,
    });
  });

  it("gives up a hung job's lease after its longest hold, so another worker takes it", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const hung = queue("hung", { leaseMs: 30_000, renewEveryMs: 20, maxHoldMs: 60_000 });
    const step = plain(hung, "step", async () => {
      started = true;
      await released;
    });
    await step.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    const running = hung.runDue();
    await until(() => started, "the hung handler started");
    // Past the longest hold and one lease beyond it: no renewal can hold the job any more.
    clock.advance(60_000 + 30_000 + 2);
    const other = queue("other");
    const ranByOther: string[] = [];
    plain(other, "step", async () => {
      ranByOther.push("other");
    });
    expect(await other.runDue()).toBe(1);
    expect(ranByOther).toEqual(["other"]);
    release();
    await running;
    // The hung worker's late end changes nothing: the job is the other worker's.
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done", leasedBy: "other" });
  });

  it("lets a hung run's late failure change nothing once its own worker took the job again", async () => {
    // One replica: the hung run loses its lease after its longest hold and the same worker takes
    // the job again. When the hung run then fails, its retry must not free the job under the run
    // that holds it now (a third run: a third page).
    const releases: Array<() => void> = [];
    const solo = queue("solo", { leaseMs: 30_000, renewEveryMs: 20, maxHoldMs: 60_000 });
    let runs = 0;
    const step = plain(solo, "step", async () => {
      runs++;
      const run = runs;
      await new Promise<void>((resolve) => releases.push(resolve));
      if (run === 1) throw new Error("the hung run gave up late");
    });
    await step.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    const hung = solo.runDue();
    await until(() => runs === 1, "the first run started");
    clock.advance(60_000 + 30_000 + 2);
    const second = solo.runDue();
    await until(() => runs === 2, "the same worker ran the job again");
    releases[0]?.();
    await hung;
    // Past the hung run's retry backoff (1 s), well within the second run's own lease.
    clock.advance(2_000);
    const other = queue("other");
    const ranByOther: string[] = [];
    plain(other, "step", async () => {
      ranByOther.push("other");
    });
    expect(await other.runDue()).toBe(0);
    releases[1]?.();
    expect(await second).toBe(1);
    expect(ranByOther).toEqual([]);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done", attempts: 2 });
  });

  it("retries a failing job with backoff and gives up after the last attempt", async () => {
    const q = queue("a", { maxAttempts: 3 });
    let calls = 0;
    const flaky = plain(q, "flaky", async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    await flaky.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
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

  it("retries a job that asked to wait (RetryLater) no sooner than asked, and no later than 15 minutes", async () => {
    const q = queue("a");
    const waits = [10_000, 500, 24 * 3_600_000];
    const polite = plain(q, "polite", async () => {
      const wait = waits.shift();
      if (wait !== undefined) throw new RetryLater("rate limited", wait);
    });
    await polite.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    const dueIn = async () =>
      (await db.prisma.job.findFirstOrThrow()).dueAt.getTime() - clock.now().getTime();
    expect(await q.runDue()).toBe(1);
    // Asked for 10 s, more than the first backoff (1 s).
    expect(await dueIn()).toBe(10_000);
    clock.advance(10_000);
    expect(await q.runDue()).toBe(1);
    // Asked for 0.5 s, less than the second backoff (2 s): the backoff decides.
    expect(await dueIn()).toBe(2_000);
    clock.advance(2_000);
    expect(await q.runDue()).toBe(1);
    // Asked for a day: 15 minutes at most.
    expect(await dueIn()).toBe(15 * 60_000);
    clock.advance(15 * 60_000);
    expect(await q.runDue()).toBe(1);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done", attempts: 4 });
  });

  it("completes a job inside the handler's own transaction, together with its work", async () => {
    const q = queue("a");
    const write = plain(q, "write", async (_job, ctx) => {
      await db.prisma.$transaction(async (tx) => {
        await tx.processedEvent.create({ data: { platform: "test", key: "written" } });
        await ctx.complete(tx);
      });
    });
    await write.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    await q.runDue();
    expect(await db.prisma.processedEvent.count({ where: { key: "written" } })).toBe(1);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ outcome: "done" });
  });

  it("cancels pending jobs by key prefix", async () => {
    const q = queue("a");
    const step = plain(q, "step");
    await step.enqueue(db.prisma, { payload: {}, key: "page:7:level:1", dueAt: clock.now() });
    await step.enqueue(db.prisma, { payload: {}, key: "page:7:level:2", dueAt: clock.now() });
    await step.enqueue(db.prisma, { payload: {}, key: "page:70:level:1", dueAt: clock.now() });
    expect(await q.cancel(db.prisma, "page:7:")).toBe(2);
    expect(await q.runDue()).toBe(1);
  });

  it("fails a job of an unknown kind instead of retrying it forever", async () => {
    const q = queue("a");
    // Enqueued by another version that knew the kind; this one does not.
    await plain(queue("older"), "mystery").enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    await q.runDue();
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({
      outcome: "failed",
      lastError: "no handler for mystery jobs",
    });
  });

  it("fails a job whose payload does not match its kind's schema, once, without running it", async () => {
    const q = queue("a", { maxAttempts: 8 });
    const ran: string[] = [];
    // An older version enqueued `name`; this version's schema wants `personId`.
    await queue("older")
      .define({ kind: "greet", payload: z.object({ name: z.string() }), handler: async () => {} })
      .enqueue(db.prisma, { payload: { name: "alice" }, dueAt: clock.now() });
    const greet = q.define({
      kind: "greet",
      payload: z.object({ personId: z.string() }),
      handler: async (job) => {
        ran.push(job.payload.personId);
      },
    });
    expect(await q.runDue()).toBe(1);
    clock.advance(3_600_000);
    expect(await q.runDue()).toBe(0);
    expect(ran).toEqual([]);
    const job = await db.prisma.job.findFirstOrThrow();
    expect(job).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(job.lastError).toMatch(/payload does not match the greet schema/);
    expect(job.lastError).toMatch(/personId/);
    // The worker is unharmed: the next good job runs.
    await greet.enqueue(db.prisma, { payload: { personId: "p1" }, dueAt: clock.now() });
    expect(await q.runDue()).toBe(1);
    expect(ran).toEqual(["p1"]);
  });

  it("refuses to enqueue a payload that does not match its schema", async () => {
    const greet = queue("a").define({
      kind: "greet",
      payload: z.object({ name: z.string() }),
      handler: async () => {},
    });
    await expect(
      greet.enqueue(db.prisma, { payload: { name: 42 } as unknown as { name: string }, dueAt: clock.now() }),
    ).rejects.toThrow();
    expect(await db.prisma.job.count()).toBe(0);
  });

  it("polls on its own when started, and stops cleanly", async () => {
    const q = new JobQueue(db.prisma, clock, silentLogger, { pollMs: 10 });
    let ping!: ReturnType<typeof plain>;
    const done = new Promise<void>((resolve) => {
      ping = plain(q, "ping", async () => resolve());
    });
    q.start();
    await ping.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    q.kick();
    await done;
    await q.stop();
  });
});

describe("job queue: work due (what the desk's busy signal asks)", () => {
  it("has work while a job runs, and none once it is done", async () => {
    const q = queue("a");
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const slow = plain(q, "slow", async () => {
      started = true;
      await released;
    });
    await slow.enqueue(db.prisma, { payload: {}, dueAt: clock.now() });
    expect(q.hasWorkWithin(1_000)).toBe(false);
    const ran = q.runDue();
    await until(() => started, "the job to start");
    expect(q.hasWorkWithin(0)).toBe(true);
    release();
    expect(await ran).toBe(1);
    expect(q.hasWorkWithin(1_000)).toBe(false);
  });

  it("has work from a kick until the poller finds the next job due later", async () => {
    const q = queue("a");
    const later = plain(q, "later");
    await later.enqueue(db.prisma, { payload: {}, dueAt: new Date(clock.now().getTime() + 10 * 60_000) });
    q.start();
    try {
      q.kick();
      expect(q.hasWorkWithin(1_000)).toBe(true);
      // The poller reads the next due time after its cycle: ten minutes away.
      await until(() => !q.hasWorkWithin(1_000), "the poller to read the next due time");
      expect(q.hasWorkWithin(11 * 60_000)).toBe(true);
    } finally {
      await q.stop();
    }
  });
});
