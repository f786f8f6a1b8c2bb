// The alert desk's storage side: signals upsert alerts by (integration, dedup key) while they
// are unresolved, groups resolve when every member does, a resolved key opens a new alert, and a
// storm of signals for one alert is one alert with one page.
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseUnavailable } from "../../../src/errors.ts";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { pageDms, startOncallDesk } from "../oncall/fixture.ts";
import { receive, signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("receiving signals", () => {
  it("upserts by dedup key, counts repeats, acks and resolves, and reopens a resolved key as a new alert", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await alerts.receive([signal()]);
    await alerts.receive([
      signal({
        summary: "HighErrorRate on api-gateway (5xx 12%)",
        labels: { alertname: "HighErrorRate", pod: "api-7" },
      }),
    ]);
    let rows = await desk.db.prisma.alert.findMany({ orderBy: { number: "asc" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      number: 1,
      status: "firing",
      openKey: "group-1",
      signalCount: 2,
      summary: "HighErrorRate on api-gateway (5xx 12%)",
      labels: { alertname: "HighErrorRate", pod: "api-7" },
      teamId: "csirt",
      tlp: "amber",
    });
    // Acknowledge and resolve of a key with no open alert change nothing.
    await alerts.receive([
      signal({ dedupKey: "unknown", action: "acknowledge" }),
      signal({ dedupKey: "unknown", action: "resolve" }),
    ]);
    expect(await desk.db.prisma.alert.count()).toBe(1);

    await alerts.receive([signal({ action: "acknowledge" })]);
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
    });
    // A trigger on an acknowledged alert updates it and keeps it acknowledged.
    await alerts.receive([signal({ summary: "still failing" })]);
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
      summary: "still failing",
      signalCount: 4,
    });
    await alerts.receive([signal({ action: "resolve" })]);
    await alerts.receive([signal({ summary: "HighErrorRate again" })]);
    rows = await desk.db.prisma.alert.findMany({ orderBy: { number: "asc" } });
    expect(rows.map((a) => [a.number, a.status, a.openKey, a.summary])).toEqual([
      [1, "resolved", null, "still failing"],
      [2, "firing", "group-1", "HighErrorRate again"],
    ]);
  });

  it("resolves a group when every member is resolved, whatever the action says, within one batch too", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await alerts.receive([
      signal({
        members: [
          { id: "fp-a", status: "firing" },
          { id: "fp-b", status: "firing" },
        ],
      }),
    ]);
    await alerts.receive([signal({ members: [{ id: "fp-a", status: "resolved" }] })]);
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "firing",
      members: { "fp-a": "resolved", "fp-b": "firing" },
    });
    // One batch: the last member resolves the group, and a new firing member opens a new alert.
    await alerts.receive([
      signal({ members: [{ id: "fp-b", status: "resolved" }] }),
      signal({ members: [{ id: "fp-c", status: "firing" }] }),
    ]);
    const rows = await desk.db.prisma.alert.findMany({ orderBy: { number: "asc" } });
    expect(rows.map((a) => [a.number, a.status, a.members])).toEqual([
      [1, "resolved", { "fp-a": "resolved", "fp-b": "resolved" }],
      [2, "firing", { "fp-c": "firing" }],
    ]);
    // A group whose first news is that everything resolved opens nothing.
    await alerts.receive([signal({ dedupKey: "group-2", members: [{ id: "fp-x", status: "resolved" }] })]);
    expect(await desk.db.prisma.alert.count()).toBe(2);
  });

  it("folds a storm of 1,000 signals for one alert, from concurrent requests, into one alert and one page", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await desk.printed();
    // 100 requests of 10 signals at once: they share commits (group commit), and each resolves
    // only once its signals are stored.
    await Promise.all(
      Array.from({ length: 100 }, (_, r) =>
        alerts.receive(Array.from({ length: 10 }, (_, i) => signal({ summary: `storm ${r * 10 + i}` }))),
      ),
    );
    const [alert] = await desk.db.prisma.alert.findMany();
    expect(await desk.db.prisma.alert.count()).toBe(1);
    expect(alert?.signalCount).toBe(1000);
    // The storm made one page job and few update jobs (one per second of the clock, for every
    // alert signalled in it: here one).
    const jobs = await desk.db.prisma.job.findMany({ where: { kind: { in: ["alert.page", "alert.show"] } } });
    expect(jobs.map((j) => j.key?.replace(alert?.id ?? "", "<id>")).sort()).toEqual([
      "alert:<id>:open",
      expect.stringMatching(/^alerts:show:\d+$/),
    ]);
    await desk.app.services.jobs.runDue();
    desk.clock.advance(1000);
    await desk.app.services.jobs.runDue();
    expect(await desk.db.prisma.page.count()).toBe(1);
    expect(pageDms(await desk.printed(), "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from tocsin: Alert #1 from prometheus · SEV2 (high)",
    ]);
  });

  it("rejects with DatabaseUnavailable when the database cannot be reached", async () => {
    desk = await startOncallDesk();
    const { connectPrisma } = await import("../../../src/db/database.ts");
    const { Alerts } = await import("../../../src/alerts/alerts.ts");
    const services = desk.app.services;
    // A client pointed at a port nothing listens on: the connection is refused.
    const unreachable = connectPrisma("postgresql://tocsin:pw@127.0.0.1:1/tocsin", 1, 2000);
    const { JobQueue } = await import("../../../src/jobs/queue.ts");
    const alerts = new Alerts({
      ...services,
      db: unreachable,
      jobs: new JobQueue(unreachable, services.clock, services.log),
      paging: services.oncall.paging,
      directory: services.oncall.directory,
    });
    await expect(alerts.receive([signal()])).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(alerts.receive([signal()])).rejects.toMatchObject({ code: "database_unavailable" });
    await unreachable.$disconnect();
  });
});

describe("receiving a batch", () => {
  it("stores a payload's signals for different alerts in one call", async () => {
    desk = await startOncallDesk();
    const out = await receive(
      desk,
      signal({ dedupKey: "a", summary: "first" }),
      signal({ dedupKey: "b", summary: "second", teamId: "soc", tlp: "green" }),
    );
    const rows = await desk.db.prisma.alert.findMany({ orderBy: { number: "asc" } });
    expect(rows.map((a) => [a.number, a.dedupKey, a.teamId])).toEqual([
      [1, "a", "csirt"],
      [2, "b", "soc"],
    ]);
    expect(pageDms(out, "bob")).toHaveLength(1);
    expect(pageDms(out, "dave")).toHaveLength(1);
  });
});
