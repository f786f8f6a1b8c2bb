// Escalation with an injected clock, through the console: levels, rounds, fallback, ack, resolve.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, pageDms, startOncallDesk } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function pendingKeys(d: ConsoleDesk): Promise<string[]> {
  const jobs = await d.db.prisma.job.findMany({ where: { outcome: null }, orderBy: { dueAt: "asc" } });
  return jobs.map((j) => `${j.key} @ ${j.dueAt.toISOString()}`);
}

describe("escalation", () => {
  it("pages the on-call at once, with Ack and Resolve, and a line in the incident room", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Webshop defacement sev:3");
    await desk.type("/room #inc-2026-0001-webshop-defacement");
    const out = await desk.type("/inc page csirt the defacement is back");
    expect(pageDms(out, "bob")).toEqual(["[DM @bob] 📟 Page #1 from Alice: the defacement is back"]);
    expect(out).toContain("[DM @bob] INC-2026-0001 · SEV3 (medium) · Webshop defacement");
    expect(out).toContain("[DM @bob] [Ack: /oncall ack 1]  [Resolve: /oncall resolve 1]");
    expect(out).toContain(
      "[INC-2026-0001] 📟 Page #1 (level 1 of 3, round 1 of 2): paging @bob — the defacement is back",
    );
    expect(out).toContain("📟 Page #1 to CSIRT's on-call sent");
    expect(await pendingKeys(desk)).toEqual(["page:1:0:1 @ 2026-03-10T09:05:00.000Z"]);

    await desk.type("/as @bob");
    const ack = await desk.type("/oncall ack 1");
    // The room's page line loses its buttons, and the ack is said where the page was shown.
    expect(ack).toMatch(/\[INC-2026-0001\] \(message \S+ now reads: 📟 Page #1: the defacement is back\)/);
    expect(ack).toContain("[INC-2026-0001] ✅ Page #1 acknowledged by Bob");
    expect(ack).toContain("[DM @bob] ✅ Page #1 acknowledged by Bob");
    expect(await desk.type("/inc timeline")).toContain("page #1 acknowledged by Bob");
  });

  it("acknowledged at level 1, escalation stops and the ack is shown where the page was", async () => {
    desk = await startOncallDesk();
    await desk.type("/oncall page csirt VPN brute force");
    expect(await advance(desk, 5 * MINUTE)).toContain("[DM @alice] 📟 Page #1 from Alice: VPN brute force");
    // alice is level 2 (index 1): she acknowledges her own page.
    const ack = await desk.type("/oncall ack");
    expect(ack).toContain("✅ You acknowledged page #1");
    expect(ack).toContain("[DM @bob] ✅ Page #1 acknowledged by Alice");
    expect(ack).toContain("[DM @alice] ✅ Page #1 acknowledged by Alice");
    expect(await pendingKeys(desk)).toEqual([]);
    const later = await advance(desk, 60 * MINUTE);
    expect(later).toBe("");
    const page = await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    expect(page).toMatchObject({ status: "acked", level: 1, round: 0 });
    expect(await desk.db.prisma.job.count({ where: { outcome: "cancelled" } })).toBe(1);
  });

  it("unacknowledged, walks every level, repeats, then posts in the fallback channel and tells the creator", async () => {
    desk = await startOncallDesk();
    await desk.type("/as @dave");
    const first = await desk.type("/oncall page csirt Ransomware note on a file server");
    expect(pageDms(first, "bob")).toHaveLength(1);

    const seen: string[] = [];
    const step = async (minutes: number) => {
      const out = await advance(desk!, minutes * MINUTE);
      for (const line of out.split("\n")) {
        const match = /^\[DM @(\w+)\] 📟 Page #1/.exec(line);
        if (match) seen.push(`${minutes}:${match[1]}`);
      }
      return out;
    };
    await step(4); // nothing yet
    await step(1); // level 2: alice
    await step(10); // level 3: the whole team
    await step(15); // round 2, level 1: bob again
    await step(5); // alice
    await step(10); // team
    expect(seen).toEqual([
      "1:alice",
      "10:alice",
      "10:bob",
      "10:carol",
      "15:bob",
      "5:alice",
      "10:alice",
      "10:bob",
      "10:carol",
    ]);
    const fallback = await step(15);
    expect(fallback).toContain(
      "[#csirt] 🚨 Page #1 was not acknowledged by anyone after every escalation level",
    );
    expect(fallback).toContain("[DM @dave] ⚠️ Nobody acknowledged page #1 (Ransomware note on a file server)");
    expect(await pendingKeys(desk)).toEqual([]);
    const page = await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    expect(page.status).toBe("open");
    expect(page.exhaustedAt).toEqual(desk.clock.now());
    expect(await step(600)).toBe("");

    // Still open, anyone on the team can take it from the channel.
    await desk.type("/as @carol");
    const ack = await desk.type("/oncall ack 1");
    expect(ack).toContain("[#csirt] ✅ Page #1 acknowledged by Carol");
  });

  it("resolve ends a page: no more steps, shown everywhere, and nothing more to ack", async () => {
    desk = await startOncallDesk();
    await desk.type("/oncall page csirt Suspicious admin login");
    await desk.type("/as @bob");
    const resolved = await desk.type("/oncall resolve");
    expect(resolved).toContain("✅ You resolved page #1");
    expect(resolved).toContain("[DM @bob] ✅ Page #1 resolved by Bob");
    expect(await pendingKeys(desk)).toEqual([]);
    expect(await advance(desk, 3 * 60 * MINUTE)).toBe("");
    expect(await desk.type("/oncall ack 1")).toContain("Page #1 is already resolved by Bob");
  });

  it("refuses an ack from someone neither paged nor on the team, naming who may", async () => {
    desk = await startOncallDesk();
    await desk.type("/oncall page csirt Data exfiltration alert");
    await desk.type("/as @erin");
    const out = await desk.type("/oncall ack 1");
    expect(out).toContain(
      "Only the people paged (Bob), whoever made the page (Alice), members and leads of CSIRT may acknowledge page #1.",
    );
    expect((await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } })).status).toBe("open");
  });

  it("a level that reaches nobody does not hold the page: the next level is paged at once", async () => {
    desk = await startOncallDesk();
    desk.clock.set("2026-03-10T21:00:00Z"); // 22:00 in Paris: the SOC day shift is over
    const out = await desk.type("/oncall page soc Firewall down");
    expect(out).toContain("📟 Page #1 to SOC's on-call sent");
    await desk.app.services.jobs.runDue();
    const after = await desk.printed();
    expect(after).toContain("[#soc] 🚨 Page #1 was not acknowledged by anyone");
  });

  it("a direct page to a person repeats every 5 minutes, then tells whoever paged", async () => {
    desk = await startOncallDesk();
    const first = await desk.type("/oncall page @carol can you check the proxy logs?");
    expect(pageDms(first, "carol")).toEqual([
      "[DM @carol] 📟 Page #1 from Alice: can you check the proxy logs?",
    ]);
    expect(pageDms(await advance(desk, 5 * MINUTE), "carol")).toHaveLength(1);
    expect(pageDms(await advance(desk, 5 * MINUTE), "carol")).toHaveLength(1);
    const last = await advance(desk, 5 * MINUTE);
    expect(pageDms(last, "carol")).toHaveLength(0);
    expect(last).toContain("[DM @alice] ⚠️ Nobody acknowledged page #1");
  });
});
