// Reminders in incident rooms (no commander, no update) and regulatory deadline timers, on the
// durable job queue with an injected clock.
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { advance, MINUTE, ONCALL_YAML, startOncallDesk } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const HOUR = 60 * MINUTE;
const ROOM = "#inc-2026-0001-credential-stuffing";

describe("reminders", () => {
  it("reminds the room of a commander 5 minutes after a SEV1 declaration, once, and not when one is set", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Credential stuffing sev:1 team:soc");
    expect(await advance(desk, 5 * MINUTE - 1)).not.toContain("no incident commander");
    const due = await advance(desk, 1);
    expect(due).toContain(
      `[INC-2026-0001] ⏰ INC-2026-0001 has no incident commander 5m after it was declared.`,
    );
    expect(due).toContain(`[INC-2026-0001] [I'll lead: /inc lead INC-2026-0001 me]`);
    expect(await advance(desk, HOUR)).not.toContain("no incident commander");

    await desk.type("/inc declare Second one sev:1 team:soc");
    await desk.type("/inc lead INC-2026-0002 @dave");
    expect(await advance(desk, 5 * MINUTE)).not.toContain("INC-2026-0002 has no incident commander");
  });

  it("reminds of a stakeholder update every 30 minutes of silence, counting from the last update", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Credential stuffing sev:1 team:soc");
    await desk.type("/inc lead INC-2026-0001 me");
    desk.clock.advance(20 * MINUTE);
    await desk.type("/inc update INC-2026-0001 blocking the source ranges");
    // 30 minutes after the declaration an update is only 10 minutes old: no reminder.
    expect(await advance(desk, 10 * MINUTE)).not.toContain("no stakeholder update");
    const due = await advance(desk, 20 * MINUTE);
    expect(due).toContain(
      `[INC-2026-0001] 📣 INC-2026-0001: no stakeholder update for 30m (since the last one, at 2026-03-10 09:20 UTC).`,
    );
    expect(await advance(desk, 29 * MINUTE)).not.toContain("no stakeholder update");
    expect(await advance(desk, MINUTE)).toContain("no stakeholder update for 1h");
    await desk.type("/inc close INC-2026-0001 sources blocked");
    expect(await advance(desk, 2 * HOUR)).not.toContain("no stakeholder update");
    expect(
      await desk.db.prisma.job.count({ where: { outcome: null, kind: { startsWith: "incident." } } }),
    ).toBe(0);
  });

  it("follows the configuration per severity, and sev:3 gets no reminders by default", async () => {
    desk = await startOncallDesk({
      yaml: `${ONCALL_YAML}reminders:\n  sev3: { commander: 1h }\n  sev1: { update: off }\n`,
    });
    await desk.type("/inc declare Low and slow sev:3");
    await desk.type("/inc declare Loud sev:1");
    const jobs = await desk.db.prisma.job.findMany({ where: { kind: { startsWith: "incident." } } });
    expect(jobs.map((j) => `${j.kind} ${j.dueAt.toISOString()}`).sort()).toEqual([
      "incident.commander-reminder 2026-03-10T09:05:00.000Z",
      "incident.commander-reminder 2026-03-10T10:00:00.000Z",
    ]);
  });
});

describe("regulatory deadlines", () => {
  it("starts NIS2 from the declaration, lists due times and states, warns ahead and at each deadline", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Credential stuffing sev:2 team:soc");
    desk.clock.advance(HOUR);
    await desk.type(`/room ${ROOM}`);
    const started = await desk.type("/inc deadlines start nis2");
    expect(started).toContain(
      `[INC-2026-0001] ⏱ INC-2026-0001: NIS2 deadlines started by Alice, counted from 2026-03-10 09:00 UTC:`,
    );
    expect(started).toContain("• early warning: 2026-03-11 09:00 UTC");
    expect(started).toContain("• incident notification: 2026-03-13 09:00 UTC");
    // Art. 23(4)(d): one month after the notification is submitted, not after awareness.
    expect(started).toContain("• final report: one month after the incident notification");

    const list = await desk.type("/inc deadlines");
    expect(list).toMatch(/NIS2\s+early warning\s+2026-03-11 09:00 UTC\s+due in 23h\s+nis2 early-warning/);
    expect(list).toMatch(
      /NIS2\s+final report\s+one month after the incident notification\s+waits for the incident notification/,
    );

    // 25% ahead: 6 h before the 24 h early warning.
    expect(await advance(desk, 17 * HOUR - 1)).not.toContain("early warning");
    const ahead = await advance(desk, 1);
    expect(ahead).toContain(
      `[INC-2026-0001] ⏳ INC-2026-0001: the NIS2 early warning is due in 6h (2026-03-11 09:00 UTC).`,
    );
    expect(ahead).toContain("[Mark done: /inc deadlines INC-2026-0001 done nis2 early-warning]");
    const due = await advance(desk, 6 * HOUR);
    expect(due).toContain(
      `[INC-2026-0001] ⏰ INC-2026-0001: the NIS2 early warning is due now (2026-03-11 09:00 UTC).`,
    );

    const done = await desk.type("/inc deadlines done nis2 notification");
    expect(done).toContain("✅ INC-2026-0001: NIS2 incident notification marked done by Alice.");
    expect(done).toContain("The NIS2 final report is now due 2026-04-11 09:00 UTC.");
    // The notification is done: no warnings for it (18 h ahead of 72 h, nor at 72 h).
    expect(await advance(desk, 3 * 24 * HOUR)).not.toContain("incident notification");
    const table = await desk.type("/inc deadlines");
    expect(table).toMatch(/NIS2\s+early warning\s+2026-03-11 09:00 UTC\s+OVERDUE by 3d/);
    expect(table).toMatch(/NIS2\s+incident notification\s+2026-03-13 09:00 UTC\s+done 2026-03-11 09:00 UTC/);
    expect(await desk.type("/inc timeline")).toContain(
      "NIS2 incident notification done at 2026-03-11 09:00 UTC",
    );
  });

  it("GDPR from a given awareness time; a passed warning comes at once; stop ends it", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Credential stuffing sev:2 team:soc");
    await desk.type(`/room ${ROOM}`);
    desk.clock.advance(60 * HOUR);
    // Aware since the declaration's morning: 72 h run out at 2026-03-13 08:00 UTC (09:00 Paris).
    const started = await desk.type("/inc deadlines start gdpr aware:2026-03-10T09:00");
    expect(started).toContain("• notification to the supervisory authority: 2026-03-13 08:00 UTC");
    const late = await advance(desk, 0);
    expect(late).toContain(
      "⏳ INC-2026-0001: the GDPR notification to the supervisory authority is due in 11h",
    );
    expect(await desk.type("/inc deadlines start gdpr")).toContain(
      "The GDPR deadlines of INC-2026-0001 are already running",
    );
    expect(await desk.type("/inc deadlines stop gdpr")).toContain(
      "⏹ INC-2026-0001: GDPR deadlines stopped by Alice.",
    );
    expect(await advance(desk, 24 * HOUR)).not.toContain("GDPR");
    expect(await desk.type("/inc deadlines")).toMatch(
      /GDPR\s+notification to the supervisory authority\s+.*stopped/,
    );
  });

  it("explains bad input, changing nothing", async () => {
    desk = await startOncallDesk();
    await desk.type("/inc declare Credential stuffing sev:2 team:soc");
    await desk.type(`/room ${ROOM}`);
    expect(await desk.type("/inc deadlines start dora")).toContain(
      'There is no deadline preset "dora". Presets: nis2, gdpr.',
    );
    expect(await desk.type("/inc deadlines start")).toContain("Say which preset");
    expect(await desk.type("/inc deadlines done nis2 early-warning")).toContain(
      'INC-2026-0001 has no running deadline "nis2 early-warning".',
    );
    expect(await desk.type("/inc deadlines start nis2 aware:2026-03-12T09:00")).toContain(
      "The awareness time is in the future",
    );
    expect(await desk.type("/inc deadlines frobnicate")).toContain(
      '"frobnicate" is not something deadlines does.',
    );
    expect(await desk.db.prisma.incidentDeadline.count()).toBe(0);
  });
});
