// Raising an incident's severity into its team's paging severities pages the on-call (once), and
// a page to someone nobody can reach is refused. SOC pages for SEV1, CSIRT for SEV1 and SEV2
// (fixture.ts); at the fixture's start Dave holds SOC's day shift and Bob CSIRT's week.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, pageDms, startOncallDesk } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("raising the severity", () => {
  it("pages the team's on-call as declaring at that severity would, and says so", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Port scan sev:3 team:soc");
    const raised = await desk.type("/inc sev INC-2026-0001 1");
    expect(pageDms(raised, "dave")).toEqual([
      "[DM @dave] 📟 Page #1 from Alice: INC-2026-0001 raised to SEV1 (critical)",
    ]);
    expect(raised).toContain(`[INC-2026-0001] 📟 Page #1 (level 1 of 1, round 1 of 1): paging @dave`);
    expect(raised).toContain("📟 Paging SOC's on-call (page #1).");
    expect(raised).toContain("severity SEV3 (medium) → SEV1 (critical)");
  });

  it("pages once: not again when lowered and raised, nor when the team was paged at declaration", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Port scan sev:3 team:soc");
    await desk.type("/inc sev INC-2026-0001 1");
    await desk.type("/inc sev INC-2026-0001 3");
    const again = await desk.type("/inc sev INC-2026-0001 critical");
    expect(again).toContain("severity SEV3 (medium) → SEV1 (critical)");
    expect(again).not.toContain("[DM @");
    expect(again).not.toContain("Paging");

    await desk.type("/inc declare Ransomware sev:1 team:soc");
    await desk.type("/inc sev INC-2026-0002 2");
    expect(await desk.type("/inc sev INC-2026-0002 1")).not.toContain("[DM @");
    expect(await desk.db.prisma.page.count()).toBe(2);
  });

  it("does not page below the team's paging severities, for a closed incident, or within them", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Port scan sev:4 team:soc");
    expect(await desk.type("/inc sev INC-2026-0001 2")).not.toContain("[DM @");
    await desk.type("/inc close INC-2026-0001 false positive");
    expect(await desk.type("/inc sev INC-2026-0001 1")).not.toContain("[DM @");
    // CSIRT pages for SEV1 and SEV2: SEV2 → SEV1 stays within them (the SEV2 was paged already).
    await desk.type("/inc declare Phishing sev:2 team:csirt");
    await desk.type("/inc sev INC-2026-0002 1");
    expect(await desk.db.prisma.page.count({ where: { teamId: "soc" } })).toBe(0);
    expect(await desk.db.prisma.page.count({ where: { teamId: "csirt" } })).toBe(1);
  });

  it("if tocsin dies after the raise, the page goes out after the grace period", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Port scan sev:3 team:soc");
    const incident = await desk.db.prisma.incident.findFirstOrThrow();
    const alice = (await desk.app.services.people.findByIdentity("console", "alice"))!;
    // The change commits with its page job, but no command runs the job.
    await desk.app.services.incidents.setSeverity(
      {
        actor: alice,
        actorExternalId: "alice",
        platform: "console",
        room: { roomId: "#general" },
        correlationId: "c0ffee01",
        dedupeKey: "raise-crash-test",
      },
      incident.id,
      1,
    );
    const later = await advance(desk, MINUTE);
    expect(pageDms(later, "dave")).toEqual([
      "[DM @dave] 📟 Page #1 from Alice: INC-2026-0001 raised to SEV1 (critical)",
    ]);
  });
});

describe("paging someone nobody can reach", () => {
  it("/oncall page and /inc page refuse a person unknown to the configuration and to tocsin, saying why", async () => {
    desk = await startOncallDesk();
    const out = await desk.type("/oncall page @nobody the VPN is down");
    expect(out).toContain(
      "⚠️ I can't page @nobody: they are not in the on-call configuration and have never used tocsin on console, so nobody would get the page. Page a team, or add them to people: in ONCALL_CONFIG and run /oncall reload.",
    );
    expect(out).not.toContain("[DM @nobody]");
    await desk.type("/inc declare Port scan sev:3 team:soc");
    expect(await desk.type("/inc page INC-2026-0001 @nobody")).toContain("I can't page @nobody");
    expect(await desk.db.prisma.page.count()).toBe(0);
    // As /oncall cover refuses them too.
    expect(await desk.type("/oncall cover @nobody for:1h")).toContain(
      "nobody is not in the on-call configuration",
    );
  });

  it("pages someone who has used tocsin, though not on call", async () => {
    desk = await startOncallDesk();
    await desk.type("/as @zed");
    await desk.type("/inc list");
    await desk.type("/as @alice");
    expect(pageDms(await desk.type("/oncall page @zed can you look?"), "zed")).toEqual([
      "[DM @zed] 📟 Page #1 from Alice: can you look?",
    ]);
  });
});
