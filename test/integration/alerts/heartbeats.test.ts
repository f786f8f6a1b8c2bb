// Heartbeat monitors on a real database with the durable job queue and a ManualClock: the
// alert fires once every + grace pass without a ping, the next ping resolves it, and starting
// again (a restart, a second replica) neither loses nor doubles the pending check.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HeartbeatMonitor } from "../../../src/alerts/intake/heartbeats.ts";
import type { AlertReceiver, AlertSignal } from "../../../src/alerts/signal.ts";
import { ManualClock } from "../../../src/clock.ts";
import { JobQueue } from "../../../src/jobs/queue.ts";
import { silentLogger } from "../../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { configWithIntegrations } from "../../support/alert-config.ts";

const config = configWithIntegrations(`  - id: cron
    kind: generic
    team: csirt
    key: ${"c".repeat(40)}
    heartbeats:
      - { id: backup, every: 5m, grace: 2m, summary: Nightly backup stopped }
`);
const integration = config.integrations[0]!;

class Recorder implements AlertReceiver {
  signals: AlertSignal[] = [];
  async receive(signals: readonly AlertSignal[]): Promise<void> {
    this.signals.push(...signals);
  }
}

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
  await db.prisma.heartbeat.deleteMany();
  clock = new ManualClock("2026-03-10T09:00:00Z");
});

function replica(name: string, receiver = new Recorder()) {
  const jobs = new JobQueue(db.prisma, clock, silentLogger, { workerId: name });
  const monitor = new HeartbeatMonitor({
    db: db.prisma,
    clock,
    log: silentLogger,
    jobs,
    receiver,
    integrations: () => config.integrations,
  });
  return { jobs, monitor, receiver };
}

const pending = () => db.prisma.job.count({ where: { outcome: null } });

describe("heartbeats", () => {
  it("fires after every + grace without a ping, not before, and the next ping resolves", async () => {
    const { jobs, monitor, receiver } = replica("a");
    await monitor.start();
    clock.advance(7 * 60_000 - 1);
    expect(await jobs.runDue()).toBe(0);
    clock.advance(1);
    expect(await jobs.runDue()).toBe(1);
    expect(receiver.signals).toEqual([
      expect.objectContaining({
        integrationId: "cron",
        action: "trigger",
        dedupKey: "heartbeat:backup",
        summary: "Nightly backup stopped",
        severity: 2,
        teamId: "csirt",
      }),
    ]);
    expect(await pending()).toBe(0);
    clock.advance(60 * 60_000);
    expect(await jobs.runDue()).toBe(0); // raised once, not again
    expect(await monitor.ping(integration, "backup")).toBe(true);
    expect(receiver.signals.map((s) => s.action)).toEqual(["trigger", "resolve"]);
    expect(await pending()).toBe(1);
  });

  it("pings in time keep it quiet, with one pending check at a time", async () => {
    const { jobs, monitor, receiver } = replica("a");
    await monitor.start();
    for (let i = 0; i < 6; i++) {
      clock.advance(4 * 60_000);
      await monitor.ping(integration, "backup");
      await jobs.runDue();
      expect(await pending()).toBe(1);
    }
    expect(receiver.signals).toEqual([]);
    expect(await monitor.ping(integration, "nope")).toBe(false);
  });

  it("a restart or a second replica starting enqueues the same check, once", async () => {
    const a = replica("a");
    const b = replica("b");
    await a.monitor.start();
    await a.monitor.start();
    await b.monitor.start();
    expect(await pending()).toBe(1);
    clock.advance(7 * 60_000);
    const ran = (await a.jobs.runDue()) + (await b.jobs.runDue());
    expect(ran).toBe(1);
    expect([...a.receiver.signals, ...b.receiver.signals].map((s) => s.action)).toEqual(["trigger"]);
    // A restart after the alert was raised does not raise it again.
    const c = replica("c");
    await c.monitor.start();
    clock.advance(60 * 60_000);
    expect(await c.jobs.runDue()).toBe(0);
    expect(c.receiver.signals).toEqual([]);
  });

  it("a receiver failure leaves the check to be retried, so the alert is not lost", async () => {
    let fail = true;
    const flaky: AlertReceiver & { signals: AlertSignal[] } = {
      signals: [],
      async receive(signals) {
        if (fail) throw Object.assign(new Error("down"), { code: "ECONNREFUSED" });
        this.signals.push(...signals);
      },
    };
    const { jobs, monitor } = replica("a", flaky as unknown as Recorder);
    await monitor.start();
    clock.advance(7 * 60_000);
    await jobs.runDue();
    expect(flaky.signals).toEqual([]);
    expect((await db.prisma.heartbeat.findFirstOrThrow()).missedAt).toBeNull();
    fail = false;
    clock.advance(60_000);
    await jobs.runDue();
    expect(flaky.signals.map((s) => s.action)).toEqual(["trigger"]);
    expect((await db.prisma.heartbeat.findFirstOrThrow()).missedAt).not.toBeNull();
  });
});
