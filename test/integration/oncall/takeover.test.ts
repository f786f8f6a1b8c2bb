// A restart in the middle of an escalation: the next step is delivered on time and only once,
// whether the process stopped cleanly between steps (a second app takes over on the same
// database) or died while running a step (its lease expires and another worker runs it again).
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { MINUTE, pageDms, START, startOncallDesk } from "./fixture.ts";

const desks: ConsoleDesk[] = [];
let db: TestDatabase | undefined;
afterEach(async () => {
  for (const desk of desks.splice(0)) await desk.close();
  await db?.close();
  db = undefined;
});

async function desk(database: TestDatabase, clock: ManualClock, workerId: string): Promise<ConsoleDesk> {
  const started = await startOncallDesk({ db: database, clock, workerId });
  desks.push(started);
  return started;
}

describe("escalation across restarts", () => {
  it("a second app on the same database delivers the next level on time, once", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const first = await desk(db, clock, "first");
    const paged = await first.type("/oncall page csirt Lateral movement on the build servers");
    expect(pageDms(paged, "bob")).toHaveLength(1);
    await first.close();
    desks.splice(desks.indexOf(first), 1);

    const second = await desk(db, clock, "second");
    clock.advance(5 * MINUTE - 1);
    expect(await second.app.services.jobs.runDue()).toBe(0);
    clock.advance(1);
    expect(await second.app.services.jobs.runDue()).toBe(1);
    const out = await second.printed();
    expect(pageDms(out, "alice")).toEqual([
      "[DM @alice] 📟 Page #1 from Alice: Lateral movement on the build servers",
    ]);
    expect(await second.app.services.jobs.runDue()).toBe(0);
    const deliveries = await db.prisma.pageDelivery.findMany({
      where: { kind: "dm" },
      orderBy: { createdAt: "asc" },
    });
    expect(deliveries.map((d) => [d.target, d.level, d.state])).toEqual([
      ["bob", 0, "sent"],
      ["alice", 1, "sent"],
    ]);
    const step = await db.prisma.job.findUniqueOrThrow({ where: { key: "page:1:0:1" } });
    expect(step).toMatchObject({ outcome: "done", leasedBy: "second", attempts: 1 });
  });

  it("a step claimed by a worker that died runs again when the lease expires, and once", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const survivor = await desk(db, clock, "survivor");
    await survivor.type("/oncall page csirt Domain admin password reset by an unknown host");
    clock.advance(5 * MINUTE);
    // The dead worker claimed level 2 at its due time, then the process was killed (kill -9).
    const claimed = await db.prisma.$executeRaw`
      update "Job" set "leasedBy" = 'dead', "leasedUntil" = ${new Date(clock.now().getTime() + 60_000)}, attempts = 1
       where key = 'page:1:0:1'`;
    expect(claimed).toBe(1);
    await survivor.printed();
    expect(await survivor.app.services.jobs.runDue()).toBe(0);
    clock.advance(60_001);
    expect(await survivor.app.services.jobs.runDue()).toBe(1);
    const out = await survivor.printed();
    expect(pageDms(out, "alice")).toHaveLength(1);
    expect(await survivor.app.services.jobs.runDue()).toBe(0);
    // Alice gets her full 10 minutes from when she was actually paged.
    const next = await db.prisma.job.findUniqueOrThrow({ where: { key: "page:1:0:2" } });
    expect(next.dueAt).toEqual(new Date(clock.now().getTime() + 10 * MINUTE));
  });

  it("a step that died after sending some DMs sends only what was still pending when re-run", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const survivor = await desk(db, clock, "survivor");
    await survivor.type("/oncall page csirt Exfiltration to a paste site");
    // Level 3 pages the whole team. Simulate a worker that reserved the three DMs, sent
    // alice's and died: one row sent, two pending, the job leased by the dead worker.
    clock.advance(15 * MINUTE);
    const page = await db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    const people = await db.prisma.personIdentity.findMany({ where: { platform: "console" } });
    const personOf = (handle: string) => people.find((p) => p.externalId === handle)!.personId;
    for (const handle of ["alice", "bob", "carol"]) {
      await db.prisma.pageDelivery.create({
        data: {
          pageId: page.id,
          kind: "dm",
          state: handle === "alice" ? "sent" : "pending",
          personId: personOf(handle),
          platform: "console",
          target: handle,
          level: 2,
          round: 0,
          createdAt: clock.now(),
        },
      });
    }
    await db.prisma.job.update({ where: { key: "page:1:0:1" }, data: { outcome: "done" } });
    await db.prisma.job.create({
      data: {
        kind: "paging.step",
        key: "page:1:0:2",
        payload: { pageId: page.id, round: 0, level: 2 },
        dueAt: clock.now(),
        leasedBy: "dead",
        leasedUntil: new Date(clock.now().getTime() + 60_000),
        attempts: 1,
      },
    });
    await survivor.printed();
    clock.advance(60_001);
    expect(await survivor.app.services.jobs.runDue()).toBe(1);
    const out = await survivor.printed();
    expect(pageDms(out, "alice")).toHaveLength(0);
    expect(pageDms(out, "bob")).toHaveLength(1);
    expect(pageDms(out, "carol")).toHaveLength(1);
    expect(await db.prisma.job.count({ where: { key: "page:1:1:0", outcome: null } })).toBe(1);
  });

  it("an ack racing a step: the step sees the ack under the page lock and schedules nothing", async () => {
    db = await createTestDatabase();
    const clock = new ManualClock(START);
    const d = await desk(db, clock, "one");
    await d.type("/oncall page csirt Malware beacon");
    await d.type("/as @bob");
    await d.type("/oncall ack");
    // A late copy of the next step (as if enqueued before the ack by another replica) does nothing.
    const page = await db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    await db.prisma.job.create({
      data: {
        kind: "paging.step",
        key: "page:1:0:9",
        payload: { pageId: page.id, round: 0, level: 1 },
        dueAt: clock.now(),
      },
    });
    await d.printed();
    expect(await d.app.services.jobs.runDue()).toBe(1);
    expect(await d.printed()).toBe("");
    expect(await db.prisma.job.count({ where: { outcome: null } })).toBe(0);
  });
});
