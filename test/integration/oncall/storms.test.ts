// An alert storm must not flood one person: identical pages merge, and a person gets at most
// `perPerson` different pages per window, then one summary line.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, pageDms, startOncallDesk } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

describe("page storms", () => {
  it("merges the same message to the same target within 2 minutes", async () => {
    desk = await startOncallDesk();
    const first = await desk.type("/oncall page csirt IDS: SMB exploit attempt from 10.0.0.7");
    expect(pageDms(first, "bob")).toHaveLength(1);
    desk.clock.advance(MINUTE);
    const second = await desk.type("/oncall page csirt IDS: SMB exploit attempt from 10.0.0.7");
    expect(second).toContain(
      "📟 Merged into page #1 to CSIRT's on-call: the same page is already open (1 merged so far).",
    );
    expect(pageDms(second, "bob")).toHaveLength(0);
    // Another message, or the same one to someone else, is a page of its own.
    expect(
      pageDms(await desk.type("/oncall page csirt IDS: SMB exploit attempt from 10.0.0.8"), "bob"),
    ).toHaveLength(1);
    expect(
      pageDms(await desk.type("/oncall page @bob IDS: SMB exploit attempt from 10.0.0.7"), "bob"),
    ).toHaveLength(1);
    desk.clock.advance(90_000); // 2.5 minutes after the first
    const later = await desk.type("/oncall page csirt IDS: SMB exploit attempt from 10.0.0.7");
    expect(later).toContain("📟 Page #4 to CSIRT's on-call sent");
    expect(await desk.type("/oncall pages")).toContain("IDS: SMB exploit attempt from 10.0.0.7 (+1 merged)");
    // Merged pages add no escalation steps.
    expect(
      await desk.db.prisma.job.count({ where: { key: { startsWith: "page:1:" }, kind: "paging.step" } }),
    ).toBe(2);
  });

  it("holds pages beyond 5 per person in 10 minutes, with one summary line, and escalation goes on", async () => {
    desk = await startOncallDesk();
    let out = "";
    for (let i = 1; i <= 8; i++) {
      out += await desk.type(`/oncall page csirt alert ${i}`);
      desk.clock.advance(10_000);
    }
    expect(pageDms(out, "bob").map((line) => /Page #(\d+)/.exec(line)?.[1])).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
    const summaries = out.split("\n").filter((line) => line.startsWith("[DM @bob] ⏸"));
    expect(summaries).toEqual([
      "[DM @bob] ⏸ You were paged 5 times in 10 minutes; further pages are held back for now so you are not flooded. Held back: #6. `/oncall pages` lists every open page.",
    ]);
    const held = await desk.db.prisma.pageDelivery.findMany({
      where: { state: "held" },
      include: { page: true },
    });
    expect(held.map((d) => d.page.number).sort()).toEqual([6, 7, 8]);
    // A level whose every DM is held reached nobody: it is skipped, and alice (level 2) gets #6,
    // #7 and #8 at once, without waiting out bob's 5 minutes.
    await desk.app.services.jobs.runDue();
    const skipped = pageDms(await desk.printed(), "alice").map((line) => /Page #(\d+)/.exec(line)?.[1]);
    expect(skipped.sort()).toEqual(["6", "7", "8"]);
    // The pages bob did get escalate after their 5 minutes; alice's own limit (5 pages in 10
    // minutes, 3 of them already) holds all but two of them.
    const level2 = await advance(desk, 5 * MINUTE);
    expect(pageDms(level2, "alice").length).toBe(2);
    expect(await desk.db.prisma.pageDelivery.count({ where: { state: "held", level: 1 } })).toBe(3);
    // The storm is handled; once the window has passed, bob is paged normally again.
    await desk.type("/as @bob");
    for (let n = 1; n <= 8; n++) await desk.type(`/oncall resolve ${n}`);
    await advance(desk, 10 * MINUTE + 1);
    const again = await desk.type("/oncall page @bob are you there?");
    expect(pageDms(again, "bob")).toEqual(["[DM @bob] 📟 Page #9 from Bob: are you there?"]);
  });

  it("counts pages, not deliveries: five direct pages repeating are all delivered again", async () => {
    desk = await startOncallDesk();
    for (let i = 1; i <= 5; i++) await desk.type(`/oncall page @bob question ${i}`);
    // Each direct page is repeated after 5 minutes: bob's window then holds 10 deliveries of
    // 5 pages, which is within the limit of 5 pages.
    const repeated = await advance(desk, 5 * MINUTE);
    expect(pageDms(repeated, "bob")).toHaveLength(5);
    expect(await desk.db.prisma.pageDelivery.count({ where: { state: "held" } })).toBe(0);
  });
});
