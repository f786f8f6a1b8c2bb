// Incidents from alerts: `/alert declare` (the page's Declare button) through the normal declare
// path, `/alert link`, and a rule's auto-declare, which declares exactly once however often its
// job or its signals are replayed.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startOncallDesk } from "../oncall/fixture.ts";
import { receive, signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("declaring from an alert", () => {
  it("opens a pre-classified incident with the alert attached, its room and its team's page", async () => {
    desk = await startOncallDesk();
    await receive(
      desk,
      signal({
        severity: 1,
        tlp: "amber",
        rsitType: "system-compromise",
        teamId: "soc",
        summary: "EDR: credential dumping on dc-2",
      }),
    );
    await desk.type("/as @dave");
    const out = await desk.type("/alert declare 1");
    expect(out).toContain(
      "🚨 INC-2026-0001 declared from alert #1: Alert #1: EDR: credential dumping on dc-2",
    );
    expect(out).toMatch(/Room: #inc-2026-0001-/);
    // SOC pages for SEV1: the declaration pages its on-call, as `/inc declare` does.
    expect(out).toMatch(/📟 Paging the team's on-call \(page #\d+\)/);
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident).toMatchObject({
      severity: 1,
      tlp: "amber",
      rsitType: "system-compromise",
      teamId: "soc",
    });
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      incidentId: incident.id,
    });
    // Recorded like any declaration: the audit names who declared it.
    const audit = await desk.db.prisma.auditEntry.findFirstOrThrow({
      where: { action: "incident.declared" },
    });
    expect(audit.actorId).toBe(
      (await desk.db.prisma.person.findFirstOrThrow({ where: { displayName: "Dave" } })).id,
    );
    expect(await desk.type("/alert declare 1")).toContain("Alert #1 already has an incident");
    expect(await desk.db.prisma.incident.count()).toBe(1);
    expect(await desk.type("/alert show 1")).toContain("Incident: INC-2026-0001");
  });

  it("links an alert to an incident given by id, or to the room's incident", async () => {
    desk = await startOncallDesk();
    await receive(desk, signal());
    await receive(desk, signal({ dedupKey: "b" }));
    await desk.type("/as @bob");
    await desk.type('/inc declare "API errors"');
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("🔗 Alert #1 linked to INC-2026-0001.");
    expect(await desk.type("/alert link 1 INC-2026-0001")).toContain("already linked to INC-2026-0001");
    expect(await desk.type("/alert link 2")).toContain("Which incident?");
    expect(await desk.type("/alert link 2 INC-2026-0099")).toContain("There is no incident INC-2026-0099.");
    await desk.type("/room INC-2026-0001");
    expect(await desk.type("/alert link 2")).toContain("🔗 Alert #2 linked to INC-2026-0001.");
    const entries = await desk.db.prisma.timelineEntry.findMany({ where: { kind: "alert" } });
    expect(entries.map((e) => e.text)).toEqual(["alert #1 linked by Bob", "alert #2 linked by Bob"]);
  });
});

describe("auto-declare", () => {
  it("declares once per alert, across replays of the signals and of the job", async () => {
    desk = await startOncallDesk();
    const rule = signal({
      severity: 1,
      teamId: "soc",
      declare: { severity: 2 },
      summary: "IDS: C2 beacon from 10.0.0.7",
    });
    const out = await receive(desk, rule);
    expect(out).toContain(
      "[INC-2026-0001] (private room #inc-2026-0001-alert-1-ids-c2-beacon-from-10-0-0-7 created",
    );
    expect(out).toContain("[INC-2026-0001] Reporter:       tocsin");
    const [incident] = await desk.db.prisma.incident.findMany();
    expect(incident).toMatchObject({ publicId: "INC-2026-0001", severity: 2, teamId: "soc" });
    expect(await desk.db.prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      incidentId: incident?.id,
    });
    // The sender retries the same signal: the alert is updated, no second declaration is queued.
    await receive(desk, rule);
    // The job itself runs again (a crash after its commit, a replica's stale lease).
    await desk.db.prisma.job.updateMany({
      where: { kind: "alert.declare" },
      data: { outcome: null, finishedAt: null, leasedUntil: null },
    });
    await desk.db.prisma.alert.update({ where: { number: 1 }, data: { incidentId: null } });
    await desk.app.services.jobs.runDue();
    // The job's rerun is the barrier: it is done, and it declared nothing more.
    expect(await desk.db.prisma.job.count({ where: { kind: "alert.declare", outcome: "done" } })).toBe(1);
    expect(await desk.db.prisma.incident.count()).toBe(1);
    expect(await desk.db.prisma.alert.count()).toBe(1);
  });
});
