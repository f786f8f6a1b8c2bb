// NIS2 Art. 23(4) through the console: the final report is due one month after the incident
// notification was marked done (recomputed then, with its warnings), the intermediate report
// when the CSIRT or authority asks for it, by the due time given.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, startOncallDesk } from "./fixture.ts";

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ROOM = "#inc-2026-0001-credential-stuffing";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function started(): Promise<ConsoleDesk> {
  const d = await startOncallDesk();
  await d.type("/inc declare Credential stuffing sev:2 team:soc");
  await d.type(`/room ${ROOM}`);
  await d.type("/inc deadlines start nis2");
  return d;
}

describe("NIS2 final report", () => {
  it("is due one month after the notification was marked done, and warned from then", async () => {
    desk = await started();
    expect(await desk.type("/inc deadlines")).toMatch(
      /NIS2\s+final report\s+one month after the incident notification\s+waits for the incident notification/,
    );
    // No warning jobs before its due time is known.
    expect(await desk.db.prisma.job.count({ where: { key: { contains: ":final-report:" } } })).toBe(0);

    desk.clock.advance(2 * DAY); // 2026-03-12 09:00 UTC, a day before the 72 h
    const done = await desk.type("/inc deadlines done notification");
    expect(done).toContain(
      `[INC-2026-0001] ✅ INC-2026-0001: NIS2 incident notification marked done by Alice.\n[INC-2026-0001] The NIS2 final report is now due 2026-04-12 09:00 UTC.`,
    );
    expect(await desk.type("/inc deadlines")).toMatch(
      /NIS2\s+final report\s+2026-04-12 09:00 UTC\s+due in 31d/,
    );
    expect(await desk.type("/inc timeline")).toContain(
      "NIS2 incident notification done at 2026-03-12 09:00 UTC",
    );

    // 25% of the 31 days ahead: 7d18h before the due time, counted from the notification.
    expect(await advance(desk, 23 * DAY + 6 * HOUR - 1)).not.toContain("final report");
    const ahead = await advance(desk, 1);
    expect(ahead).toContain(
      `[INC-2026-0001] ⏳ INC-2026-0001: the NIS2 final report is due in 7d18h (2026-04-12 09:00 UTC).`,
    );
    expect(ahead).toContain("Counted from the incident notification, done at 2026-03-12 09:00 UTC.");
    const due = await advance(desk, 7 * DAY + 18 * HOUR);
    expect(due).toContain(
      `[INC-2026-0001] ⏰ INC-2026-0001: the NIS2 final report is due now (2026-04-12 09:00 UTC).`,
    );
  });
});

describe("NIS2 intermediate report", () => {
  it("is due when requested, by the time given; asked again, the new time replaces the old", async () => {
    desk = await started();
    expect(await desk.type("/inc deadlines")).toMatch(
      /NIS2\s+intermediate report\s+on request\s+not requested/,
    );
    const requested = await desk.type("/inc deadlines request intermediate due:48h");
    expect(requested).toContain(
      `[INC-2026-0001] 📨 INC-2026-0001: NIS2 intermediate report requested, due 2026-03-12 09:00 UTC (noted by Alice).`,
    );
    expect(await desk.type("/inc deadlines")).toMatch(
      /NIS2\s+intermediate report\s+2026-03-12 09:00 UTC\s+due in 2d/,
    );

    // The authority moves it earlier: due in 24 h from now, warned 6 h ahead.
    desk.clock.advance(HOUR);
    expect(await desk.type("/inc deadlines request nis2 intermediate-report due:2026-03-11T11:00")).toContain(
      "NIS2 intermediate report requested, due 2026-03-11 10:00 UTC",
    );
    expect(await desk.type("/inc timeline")).toContain(
      "NIS2 intermediate report requested again, due 2026-03-11 10:00 UTC",
    );
    expect(await advance(desk, 18 * HOUR - 1)).not.toContain("intermediate report");
    const ahead = await advance(desk, 1);
    expect(ahead).toContain(
      "⏳ INC-2026-0001: the NIS2 intermediate report is due in 6h (2026-03-11 10:00 UTC).",
    );
    expect(ahead).toContain("Requested at 2026-03-10 10:00 UTC.");
    await desk.type("/inc deadlines done intermediate");
    // The first request's warnings (36 h and 48 h after it) were replaced: nothing more comes.
    expect(await advance(desk, 3 * DAY)).not.toContain("intermediate report");
  });

  it("explains what cannot be requested and which milestone is meant, changing nothing", async () => {
    desk = await started();
    expect(await desk.type("/inc deadlines request intermediate")).toContain(
      "Say by when it was requested: due:",
    );
    expect(await desk.type("/inc deadlines request intermediate due:2026-03-01T09:00")).toContain(
      '"due:2026-03-01T09:00" is not a due time in the future',
    );
    expect(await desk.type("/inc deadlines request final-report due:48h")).toContain(
      "The NIS2 final report is not made on request; it is due after another milestone.",
    );
    await desk.type("/inc deadlines start gdpr");
    expect(await desk.type("/inc deadlines done notification")).toMatch(
      /"notification" could be (nis2|gdpr) notification or (gdpr|nis2) notification: say which\./,
    );
    expect(await desk.type("/inc deadlines request")).toContain(
      "Say which milestone was requested and by when",
    );
    const row = await desk.db.prisma.incidentDeadline.findFirstOrThrow({
      where: { milestone: "intermediate-report" },
    });
    expect(row.dueAt).toBeNull();
  });

  it("the help is generated from the sub-commands", async () => {
    desk = await startOncallDesk();
    expect(await desk.type("/inc deadlines help")).toContain(
      "/inc deadlines [<id>] | deadlines [<id>] presets | deadlines [<id>] start <preset> [aware:<time>] | deadlines [<id>] done [<preset>] <milestone> | deadlines [<id>] request [<preset>] <milestone> due:<date or duration> | deadlines [<id>] stop <preset>",
    );
  });
});
