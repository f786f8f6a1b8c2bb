// Declaring an incident pages the owning team's on-call when the team pages for its severity.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, pageDms, startOncallDesk } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const ROOM = "#inc-2026-0001-ransomware-on-the-file-server";

describe("declare pages the on-call", () => {
  it("declare sev:1 team:csirt DMs the on-call, mentions them in the room and says so", async () => {
    desk = await startOncallDesk();
    const out = await desk.type("/inc declare Ransomware on the file server sev:1 team:csirt");
    expect(pageDms(out, "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from Alice: INC-2026-0001 declared, SEV1 (critical)",
    ]);
    expect(out).toContain("[DM @bob] INC-2026-0001 · SEV1 (critical) · Ransomware on the file server");
    // The DM carries the incident's title, so it carries its label too.
    expect(out).toContain("[DM @bob] TLP:AMBER");
    expect(out).toContain(`[INC-2026-0001] 📟 Page #1 (level 1 of 3, round 1 of 2): paging @bob`);
    expect(out).toContain("📟 Paging CSIRT's on-call (page #1).");
    // The room existed before the page, so the mention landed in it.
    expect(out.indexOf(`(private room ${ROOM} created`)).toBeLessThan(out.indexOf("[DM @bob]"));
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident.teamId).toBe("csirt");
    const timeline = await desk.db.prisma.timelineEntry.findMany({ where: { incidentId: incident.id } });
    expect(timeline.map((e) => e.kind)).toEqual(["declared", "page"]);
    // The page-on-declare job was run by the command, not left for later.
    expect(
      await desk.db.prisma.job.count({ where: { key: `incident:${incident.id}:page`, outcome: "done" } }),
    ).toBe(1);
  });

  it("the default team is paged when no team is given; a TLP:RED title stays out of DMs", async () => {
    desk = await startOncallDesk();
    const out = await desk.type("/inc declare Leaked board minutes sev:2 tlp:red");
    expect(out).toContain("[DM @bob] INC-2026-0001 · SEV2 (high) · (title withheld: TLP:RED)");
    expect(out).not.toMatch(/\[DM @bob\].*Leaked board minutes/);
    expect(out).not.toContain("[DM @bob] TLP:RED");
    expect(out).toContain("Leaked board minutes"); // in the room and the reply
  });

  it("sev:3 does not page, nor a severity the team does not page for", async () => {
    desk = await startOncallDesk();
    const low = await desk.type("/inc declare Spam wave sev:3 team:csirt");
    expect(low).toContain("INC-2026-0001 declared");
    expect(low).not.toContain("[DM");
    expect(low).not.toContain("Paging");
    const soc = await desk.type("/inc declare Port scan sev:2 team:soc");
    expect(soc).not.toContain("[DM");
    expect(await desk.db.prisma.page.count()).toBe(0);
    expect(await desk.db.prisma.job.count({ where: { kind: "paging.declared-incident" } })).toBe(0);
  });

  it("an unknown team refuses the declaration and writes nothing", async () => {
    desk = await startOncallDesk();
    const out = await desk.type("/inc declare Something sev:1 team:sirt");
    expect(out).toContain('There is no team "sirt". Teams: csirt, soc');
    expect(await desk.db.prisma.incident.count()).toBe(0);
  });

  it("if tocsin dies between the declaration and the page, the page goes out after the grace period", async () => {
    desk = await startOncallDesk();
    const services = desk.app.services;
    const alice = (await services.people.findByIdentity("console", "alice"))!;
    // The declaration commits (with its page job) but the command never gets to page.
    const change = await services.incidents.declare(
      {
        actor: alice,
        actorExternalId: "alice",
        platform: "console",
        room: { roomId: "#general" },
        correlationId: "c0ffee00",
        dedupeKey: "crash-test",
      },
      { title: "Crashed right after", severity: 1, teamId: "csirt" },
    );
    expect(pageDms(await advance(desk, 29_000), "bob")).toHaveLength(0);
    const out = await advance(desk, 1_000);
    expect(pageDms(out, "bob")).toEqual([
      `[DM @bob] 📟 Page #1 from Alice: ${change.incident.publicId} declared, SEV1 (critical)`,
    ]);
    // And the command path would not page a second time.
    expect(await services.oncall.paging.pageDeclaredIncident(change.incident)).toMatchObject({ number: 1 });
    expect(await desk.db.prisma.page.count()).toBe(1);
  });

  it("/inc page pages on demand for the incident", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Odd DNS traffic sev:3");
    const out = await desk.type("/inc page INC-2026-0001 soc");
    expect(pageDms(out, "dave")).toEqual(["[DM @dave] 📟 Page #1 from Alice: INC-2026-0001 needs you"]);
    expect(out).toContain("[INC-2026-0001] 📟 Page #1 (level 1 of 1, round 1 of 1): paging @dave");
    const direct = await desk.type("/inc page INC-2026-0001 @carol please check the resolver logs");
    expect(pageDms(direct, "carol")).toEqual([
      "[DM @carol] 📟 Page #2 from Alice: please check the resolver logs",
    ]);
    expect(await desk.type("/inc page INC-2026-0001")).toContain("Whom should I page?");
  });
});
