// /oncall override: explicit from:/until:/for: only, ambiguous bare times refused with the
// syntax, an end before the start said as such, and overrides listed and removed from chat.
// The clock starts Tuesday 2026-03-10 09:00 UTC; bob holds CSIRT's weekly rotation (fixture.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startOncallDesk } from "./fixture.ts";

describe("/oncall override times", () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startOncallDesk();
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("refuses bare dates and times, showing the explicit syntax, and stores nothing", async () => {
    const out = await desk.type("/oncall override @carol 2026-12-01 09:00");
    expect(out).toContain(
      '⚠️ "2026-12-01 09:00" could mean the start or the end: say which with from: and until: (or for:), e.g. /oncall override @carol from:2026-12-01T09:00 until:2026-12-02T09:00, or /oncall override @carol from:2026-12-01T09:00 for:8h.',
    );
    expect(await desk.type("/oncall override me 18:00 for:12h")).toContain(
      '"18:00" could mean the start or the end',
    );
    expect(await desk.type("/oncall override @carol until:18:00")).toContain(
      "Say when it starts with from: and when it ends with until: or for:",
    );
    expect(await desk.db.prisma.oncallOverride.count()).toBe(0);
  });

  it("says an end before the start is before the start", async () => {
    const out = await desk.type("/oncall override @carol from:2026-12-01T09:00 until:2026-11-01T09:00");
    expect(out).toContain(
      "⚠️ The end is before the start: until:2026-11-01T09:00 is not after from:2026-12-01T09:00.",
    );
    expect(out).not.toContain("not in the future");
    expect(await desk.db.prisma.oncallOverride.count()).toBe(0);
  });

  it("reads from: and until: in local time, across the spring-forward change", async () => {
    // Saturday 18:00 CET to Monday 09:00 CEST: 38 h, not 39.
    const out = await desk.type("/oncall override @carol from:2026-03-28T18:00 until:2026-03-30T09:00");
    expect(out).toMatch(
      /\[#general\] 🔁 Carol is on call for CSIRT from Sat 28 Mar 18:00 CET until Mon 30 Mar 09:00 CEST\. Override #(\d+) \(`\/oncall override remove \1` takes it back\)\./,
    );
    const row = await desk.db.prisma.oncallOverride.findFirstOrThrow({ where: { personId: "carol" } });
    expect(row.startsAt.toISOString()).toBe("2026-03-28T17:00:00.000Z");
    expect(row.endsAt.toISOString()).toBe("2026-03-30T07:00:00.000Z");
  });

  it("from: with for: is elapsed time, and until: a time of day is its next occurrence after the start", async () => {
    expect(await desk.type("/oncall override me from:2026-03-12T20:00 for:8h")).toContain(
      "Alice is on call for CSIRT from Thu 12 Mar 20:00 CET until Fri 13 Mar 04:00 CET. Override #",
    );
    expect(await desk.type("/oncall override me from:2026-03-13T22:00 until:06:00")).toContain(
      "from Fri 13 Mar 22:00 CET until Sat 14 Mar 06:00 CET. Override #",
    );
  });
});

describe("/oncall override list and remove", () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startOncallDesk();
    await desk.type("/oncall override @carol from:2026-03-28T18:00 until:2026-03-30T09:00");
    await desk.type("/oncall override me from:2026-03-12T20:00 for:8h");
    await desk.type("/oncall override me from:2026-03-13T22:00 until:06:00");
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("lists the team's current and future overrides with their numbers", async () => {
    const out = await desk.type("/oncall override list csirt");
    expect(out).toContain("Overrides of CSIRT (times in Europe/Paris):");
    expect(out).toMatch(/2\s+Alice\s+Thu 12 Mar 20:00 CET\s+Fri 13 Mar 04:00 CET\s+all\s+Alice \(override\)/);
    expect(out).toMatch(
      /1\s+Carol\s+Sat 28 Mar 18:00 CET\s+Mon 30 Mar 09:00 CEST\s+all\s+Alice \(override\)/,
    );
    // By start: #2, #3, then #1.
    expect(out.indexOf("Thu 12 Mar 20:00")).toBeLessThan(out.indexOf("Sat 28 Mar 18:00"));
    expect(await desk.type("/oncall override list soc")).toContain("SOC has no current or future overrides.");
  });

  it("removing needs the person themselves or a team lead, and keeps the other numbers", async () => {
    await desk.type("/as @bob");
    expect(await desk.type("/oncall override remove 1")).toContain(
      "⚠️ Only Carol themselves or a lead of CSIRT (Alice) may remove an override of Carol for CSIRT.",
    );
    await desk.type("/as @carol");
    expect(await desk.type("/oncall override remove #1")).toContain(
      "[#general] 🔁 Override #1 removed: Carol is no longer on call for CSIRT from Sat 28 Mar 18:00 CET until Mon 30 Mar 09:00 CEST; the schedule decides again.",
    );
    await desk.type("/as @alice");
    const list = await desk.type("/oncall override list");
    expect(list).not.toContain("Carol");
    expect(list).toMatch(/ 2\s+Alice\s+Thu 12 Mar 20:00 CET/);
    expect(list).toMatch(/ 3\s+Alice\s+Fri 13 Mar 22:00 CET/);
    expect(await desk.type("/oncall schedule csirt days:31")).not.toMatch(/Carol\s+override/);
    expect(await desk.type("/oncall override remove 1")).toContain("There is no override #1.");
    expect(await desk.type("/oncall override remove one")).toContain(
      '"one" is not an override number such as 12.',
    );
    expect(await desk.type("/oncall override remove")).toContain("Say which override");
    expect(await desk.db.prisma.auditEntry.count({ where: { action: "oncall.override-removed" } })).toBe(1);
  });

  it("the help shows every form", async () => {
    const help = await desk.type("/oncall override help");
    expect(help).toContain(
      "/oncall override <@person|me> from:<time> until:<time>|for:<duration> [team:<id>] [rotation:<id>] | override list [team] | override remove <n>",
    );
  });
});
