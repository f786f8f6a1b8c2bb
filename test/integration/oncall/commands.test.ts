// The /oncall commands through the console: answers, refusals, overrides kept across reloads.
import { writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { startConsoleDesk } from "../../support/console-desk.ts";
import { ONCALL_YAML, startOncallDesk, writeOncallFile } from "./fixture.ts";

// A fresh desk and configuration file for every test, so each can run alone.
let desk: ConsoleDesk;
let file: string;
beforeEach(async () => {
  file = await writeOncallFile();
  desk = await startOncallDesk({ file });
});
afterEach(async () => {
  await desk?.close();
});

/** Alice covers herself for 2 h; Alice, CSIRT's lead, puts Bob on call for the rest of that shift. */
async function aliceThenBobCover(): Promise<void> {
  expect(await desk.type("/oncall cover me for:2h")).toContain("Alice is on call for CSIRT");
  expect(await desk.type("/oncall cover @bob")).toContain("Bob is on call for CSIRT");
}

/** The three overrides of the scenario: Alice's, then Carol's for Wednesday night, then Bob's. */
async function threeOverrides(): Promise<void> {
  expect(await desk.type("/oncall cover me for:2h")).toContain("Alice is on call for CSIRT");
  await desk.type("/as @carol");
  expect(await desk.type("/oncall override me from:2026-03-11T18:00 for:12h")).toContain("Carol is on call");
  await desk.type("/as @alice");
  expect(await desk.type("/oncall cover @bob")).toContain("Bob is on call for CSIRT");
}

describe("/oncall who, schedule, teams", () => {
  it("who: now and the next hand-off, in the team's zone", async () => {
    const out = await desk.type("/oncall who");
    expect(out).toContain(
      "CSIRT (csirt): Bob is on call (Primary) since Mon 9 Mar 09:00 CET; next: Carol from Mon 16 Mar 09:00 CET.",
    );
    expect(out).toContain(
      "SOC (soc): Dave is on call (Day shift) since Tue 10 Mar 08:00 CET; next: nobody (a gap) from Tue 10 Mar 20:00 CET.",
    );
    expect(await desk.type("/oncall who nope")).toContain('There is no team "nope". Teams: csirt, soc');
  });

  it("schedule: a table of segments, gaps shown", async () => {
    const out = await desk.type("/oncall schedule soc days:2");
    expect(out).toContain("== SOC: on call for the next 2 days (times in Europe/Paris) ==");
    expect(out).toMatch(/Tue 10 Mar 10:00 CET\s+Tue 10 Mar 20:00 CET\s+Dave\s+Day shift/);
    expect(out).toMatch(/Tue 10 Mar 20:00 CET\s+Wed 11 Mar 08:00 CET\s+⚠️ NOBODY \(gap\)/);
    expect(out).toMatch(/Wed 11 Mar 08:00 CET\s+Wed 11 Mar 20:00 CET\s+Erin\s+Day shift/);
    expect(out).toContain("2 gaps in coverage");
    expect(await desk.type("/oncall schedule csirt days:40")).toContain(
      "days is a whole number from 1 to 31.",
    );
    // alice is on one team: the team may be left out.
    expect(await desk.type("/oncall schedule")).toContain("== CSIRT: on call for the next 7 days");
  });

  it("teams: the default team, who is on call, the severities that page", async () => {
    const out = await desk.type("/oncall teams");
    expect(out).toMatch(/csirt \(default\)\s+CSIRT\s+Bob\s+3\s+Alice\s+csirt-standard\s+SEV1, SEV2/);
    expect(out).toMatch(/soc\s+SOC\s+Dave\s+2\s+Dave\s+soc-standard\s+SEV1/);
  });
});

describe("/oncall cover and override", () => {
  it("cover me for:2h puts the caller on call, then the rotation resumes", async () => {
    const out = await desk.type("/oncall cover me for:2h");
    expect(out).toContain("[#general] 🔁 Alice is on call for CSIRT from now until Tue 10 Mar 12:00 CET.");
    expect(await desk.type("/oncall who csirt")).toContain(
      "Alice is on call (override) since Tue 10 Mar 10:00 CET; next: Bob from Tue 10 Mar 12:00 CET.",
    );
  });

  it("refuses to put someone else on call unless the caller leads the team, naming who may", async () => {
    // Alice covers first, so the lead's default end is the end of her override.
    await desk.type("/oncall cover me for:2h");
    await desk.type("/as @bob");
    const refused = await desk.type("/oncall override @carol from:2026-03-11T18:00 for:12h");
    expect(refused).toContain(
      "⚠️ Only Carol themselves or a lead of CSIRT (Alice) may put Carol on call for CSIRT.",
    );
    expect(await desk.type("/oncall cover @carol")).toContain(
      "Only Carol themselves or a lead of CSIRT (Alice)",
    );
    await desk.type("/as @carol");
    const own = await desk.type("/oncall override me from:2026-03-11T18:00 for:12h");
    expect(own).toContain("Carol is on call for CSIRT from Wed 11 Mar 18:00 CET until Thu 12 Mar 06:00 CET.");
    await desk.type("/as @alice");
    // The lead may put anyone of the team on call; the end of the current shift by default.
    const lead = await desk.type("/oncall cover @bob");
    expect(lead).toContain("Bob is on call for CSIRT from now until Tue 10 Mar 12:00 CET.");
    const rows = await desk.db.prisma.oncallOverride.findMany({ orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.personId)).toEqual(["alice", "carol", "bob"]);
    expect(await desk.db.prisma.auditEntry.count({ where: { action: "oncall.override" } })).toBe(3);
  });

  it("explains bad times and people outside the configuration, changing nothing", async () => {
    const before = await desk.db.prisma.oncallOverride.count();
    expect(await desk.type("/oncall cover me for:soon")).toContain('"for:soon" needs a duration');
    expect(await desk.type("/oncall override me from:tomorrow for:4h")).toContain('"tomorrow" is not a time');
    expect(await desk.type("/oncall override me from:2026-03-01T09:00 until:2026-03-02T09:00")).toContain(
      "already over",
    );
    expect(await desk.type("/oncall cover @zed for:1h")).toContain("zed is not in the on-call configuration");
    expect(await desk.type("/oncall cover me for:1h rotation:nights")).toContain(
      'CSIRT has no rotation "nights"',
    );
    expect(await desk.type("/oncall cover me for:1h for:2h")).toContain("The option for: is given twice.");
    expect(await desk.db.prisma.oncallOverride.count()).toBe(before);
  });

  it("the schedule shows the overrides", async () => {
    await threeOverrides();
    const out = await desk.type("/oncall schedule csirt days:2");
    expect(out).toMatch(/Tue 10 Mar 10:00 CET\s+Tue 10 Mar 12:00 CET\s+Bob\s+override/);
    expect(out).toMatch(/Wed 11 Mar 18:00 CET\s+Thu 12 Mar 06:00 CET\s+Carol\s+override/);
  });
});

describe("/oncall reload", () => {
  it("keeps the old configuration and answers the problems when the file is bad", async () => {
    await aliceThenBobCover();
    await writeFile(file, ONCALL_YAML.replace("after: 10m", "after: ten minutes"));
    const out = await desk.type("/oncall reload");
    expect(out).toContain("The on-call configuration has a problem:");
    expect(out).toMatch(
      /oncall\.yaml:\d+:\d+: escalationPolicies\[0\]\.levels\[1\]\.after: "ten minutes" is not a duration/,
    );
    expect(await desk.type("/oncall who csirt")).toContain("CSIRT (csirt): Bob is on call (override)");
  });

  it("applies a good file and keeps the overrides from chat", async () => {
    await threeOverrides();
    await writeFile(file, ONCALL_YAML.replace("name: CSIRT", "name: CERT"));
    const out = await desk.type("/oncall reload");
    expect(out).toContain(
      "🔄 On-call configuration reloaded: 5 people, 2 teams, 2 escalation policies. 3 current or future overrides kept.",
    );
    const who = await desk.type("/oncall who csirt");
    expect(who).toContain("CERT (csirt): Bob is on call (override)");
    const schedule = await desk.type("/oncall schedule csirt days:2");
    expect(schedule).toMatch(/Wed 11 Mar 18:00 CET\s+Thu 12 Mar 06:00 CET\s+Carol\s+override/);
  });
});

describe("/oncall pages", () => {
  it("lists open pages with their escalation, and explains bad page numbers", async () => {
    expect(await desk.type("/oncall pages")).toContain("No open pages.");
    await desk.type("/oncall page soc Firewall cluster failover");
    const out = await desk.type("/oncall pages");
    expect(out).toMatch(
      /1\s+open\s+SOC on-call\s+level 1 of 1, round 1 of 1\s+2026-03-10 09:00 UTC\s+Firewall cluster failover/,
    );
    expect(await desk.type("/oncall ack 99")).toContain("There is no page #99.");
    expect(await desk.type("/oncall ack one")).toContain('"one" is not a page number such as 12.');
    await desk.type("/as @dave");
    await desk.type("/oncall ack 1");
    expect(await desk.type("/oncall pages")).toMatch(/1\s+acked\s+SOC on-call\s+acked by Dave/);
    expect(await desk.type("/oncall ack 1")).toContain("Page #1 was already acknowledged by Dave");
    await desk.type("/oncall resolve 1");
    expect(await desk.type("/oncall pages")).toContain("No open pages.");
    await desk.type("/as @alice");
  });

  it("without a number, ack takes the caller's most recent open page and says when there is none", async () => {
    expect(await desk.type("/oncall ack")).toContain("You have no open page to acknowledge.");
  });

  it("/ack is short for /oncall ack, on every platform", async () => {
    expect(await desk.type("/ack")).toContain("You have no open page to acknowledge.");
    expect(await desk.type("/ack 99")).toContain("There is no page #99.");
  });
});

describe("without an on-call configuration", () => {
  it("says how to configure it instead of failing", async () => {
    const bare = await startConsoleDesk();
    try {
      for (const line of ["/oncall who", "/oncall teams", "/oncall page csirt x", "/oncall reload"]) {
        expect(await bare.type(line)).toContain("On-call is not configured: set ONCALL_CONFIG");
      }
      expect(await bare.type("/inc declare Test team:csirt")).toContain("On-call is not configured");
      expect(await bare.db.prisma.incident.count()).toBe(0);
      expect(await bare.type("/inc declare Works without sev:1")).toContain("INC-2026-0001 declared");
    } finally {
      await bare.close();
    }
  });
});
