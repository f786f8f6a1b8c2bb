// Escalation rules people ask for (issue 15, point 4): a level that reaches nobody is skipped
// at once and says so; levels active only in Alertmanager-style time intervals; repeat composes
// with both; the next level never cancels a notification still in flight.
// The clock starts on Tuesday 2026-03-10 09:00 UTC (10:00 in Paris).
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";
import { captureLog, until } from "../../support/waiting.ts";
import { advance, MINUTE, pageDms, START } from "./fixture.ts";

const RULES_YAML = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris, identities: { console: alice } }
  - { id: bob, name: Bob, timeZone: Europe/Paris, identities: { console: bob } }
  - { id: carol, name: Carol, timeZone: Europe/Paris, identities: { console: carol } }
  - { id: dave, name: Dave, timeZone: Europe/Paris, identities: { slack: U0DAVE } }
teams:
  - id: soc
    name: SOC
    channels: { console: "#soc" }
    members: [alice, bob, carol]
    escalationPolicy: day-shift-then-bob
    rotations:
      - id: days
        type: daily
        participants: [carol]
        start: "2026-03-09"
        handoff: "08:00"
        timeZone: Europe/Paris
        restrict: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00" }]
  - id: contractors
    name: Contractors
    members: [alice]
    escalationPolicy: dave-then-bob
  - id: biz
    name: Business
    members: [alice, bob, carol]
    escalationPolicy: bob-in-office-hours
  - id: quick
    name: Quick
    members: [alice, bob, carol]
    escalationPolicy: carol-then-bob-quickly
timeIntervals:
  - name: business-hours
    time_intervals:
      - weekdays: ["monday:friday"]
        times: [{ start_time: "09:00", end_time: "18:00" }]
        location: Europe/Paris
escalationPolicies:
  - id: day-shift-then-bob
    levels:
      - { target: { oncall: soc }, after: 5m }
      - { target: { person: bob }, after: 5m }
  - id: dave-then-bob
    levels:
      - { target: { person: dave }, after: 5m }
      - { target: { person: bob }, after: 5m }
  - id: bob-in-office-hours
    repeat: 1
    repeatAfter: 1m
    levels:
      - { target: { person: bob }, after: 5m, activeTimeIntervals: [business-hours] }
      - { target: { person: carol }, after: 5m }
  - id: carol-then-bob-quickly
    levels:
      - { target: { person: carol }, after: 30s }
      - { target: { person: bob }, after: 5m }
pageLimits: { mergeWithin: 1s, perPerson: 1, window: 10m }
`;

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

async function start(options: { log?: ReturnType<typeof captureLog>["log"] } = {}): Promise<ConsoleDesk> {
  return startConsoleDesk({
    clock: new ManualClock(START),
    oncall: { config: parseOncallConfig(RULES_YAML, "oncall.yaml") },
    log: options.log,
  });
}

async function skips(d: ConsoleDesk): Promise<unknown[]> {
  const entries = await d.db.prisma.auditEntry.findMany({
    where: { action: "page.level-skipped" },
    orderBy: { at: "asc" },
  });
  return entries.map((e) => e.detail);
}

describe("a level that reaches nobody is skipped at once", () => {
  it("nobody on call (outside the rotation's window): the timeline and the log say so, the next level is paged now", async () => {
    const captured = captureLog();
    desk = await start({ log: captured.log });
    desk.clock.set("2026-03-10T21:00:00Z"); // 22:00 in Paris: the SOC day shift is over
    await desk.type("/inc declare Firewall down sev:3 team:soc");
    await desk.type("/room #inc-2026-0001-firewall-down");
    const out = await desk.type("/inc page soc firewall down");
    expect(out).toContain(
      "[INC-2026-0001] 📟 Page #1 (level 1 of 2, round 1 of 1): skipped, nobody on call for SOC; escalating — firewall down",
    );
    expect(pageDms(out, "bob")).toHaveLength(0);
    // Due now, not in 5 minutes: the clock does not move.
    await desk.app.services.jobs.runDue();
    expect(pageDms(await desk.printed(), "bob")).toEqual(["[DM @bob] 📟 Page #1 from Alice: firewall down"]);
    expect(await desk.type("/inc timeline")).toContain("page #1: level 1 skipped: nobody on call for SOC");
    expect(captured.entries.map((e) => e.msg)).toContain("page #1 level 1 skipped: nobody on call for SOC");
  });

  it("a person with no identity on a running platform is skipped", async () => {
    desk = await start();
    await desk.type("/oncall page contractors disk full on the build server");
    await desk.app.services.jobs.runDue();
    expect(pageDms(await desk.printed(), "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from Alice: disk full on the build server",
    ]);
    expect(await skips(desk)).toEqual([
      { number: 1, round: 0, level: 0, reason: "Dave has no account on a running chat platform" },
    ]);
    expect(await desk.db.prisma.job.findFirst({ where: { key: "page:1:exhausted" } })).toMatchObject({
      dueAt: new Date(desk.clock.now().getTime() + 5 * MINUTE),
    });
  });

  it("every DM held by the storm limit: the level is skipped and the next one paged now", async () => {
    desk = await start();
    expect(pageDms(await desk.type("/oncall page @bob first"), "bob")).toHaveLength(1);
    // bob's limit (1 page per 10 minutes) is reached: his level-1 DM of this page is held.
    const out = await desk.type("/oncall page biz VPN down");
    expect(pageDms(out, "bob")).toHaveLength(0);
    await desk.app.services.jobs.runDue();
    expect(pageDms(await desk.printed(), "carol")).toEqual(["[DM @carol] 📟 Page #2 from Alice: VPN down"]);
    expect(await skips(desk)).toEqual([
      {
        number: 2,
        round: 0,
        level: 0,
        reason: "Bob already paged too often (storm limit); nobody else reachable",
      },
    ]);
  });
});

describe("a level whose every DM the platform refuses", () => {
  it("is skipped once the sending failed: the next level is paged now, not after 30 s", async () => {
    desk = await start();
    const consolePlatform = desk.console;
    const sendDm = consolePlatform.directMessage.bind(consolePlatform);
    consolePlatform.directMessage = async (externalId, message) => {
      if (externalId === "carol") throw new Error("the platform refused the DM");
      return sendDm(externalId, message);
    };
    const out = await desk.type("/oncall page quick suspicious login");
    expect(pageDms(out, "carol")).toHaveLength(0);
    await desk.app.services.jobs.runDue();
    expect(pageDms(await desk.printed(), "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from Alice: suspicious login",
    ]);
    const carol = await desk.db.prisma.pageDelivery.findFirstOrThrow({ where: { target: "carol" } });
    expect(carol.state).toBe("failed");
    expect(await skips(desk)).toEqual([
      { number: 1, round: 0, level: 0, reason: "no page could be delivered" },
    ]);
  });
});

describe("time intervals (Alertmanager syntax) on levels", () => {
  it("inside business hours the level pages and the next one waits its time", async () => {
    desk = await start(); // Tuesday 10:00 in Paris
    expect(pageDms(await desk.type("/oncall page biz disk full"), "bob")).toHaveLength(1);
    expect(await desk.app.services.jobs.runDue()).toBe(0);
    expect(pageDms(await advance(desk, 5 * MINUTE), "carol")).toHaveLength(1);
    expect(await skips(desk)).toEqual([]);
  });

  it("outside them the level is skipped; repeat walks again after repeatAfter and skips again", async () => {
    desk = await start();
    desk.clock.set("2026-03-10T17:00:00Z"); // 18:00 in Paris: end_time is exclusive
    const out = await desk.type("/oncall page biz disk full");
    expect(pageDms(out, "bob")).toHaveLength(0);
    expect(pageDms(await advance(desk, 0), "carol")).toHaveLength(1);
    // Round 2 comes repeatAfter (1 minute) after carol, not her 5 minutes; bob is skipped again.
    expect(pageDms(await advance(desk, 59_000), "carol")).toHaveLength(0);
    const round2 = await advance(desk, 1000);
    expect(pageDms(round2, "bob")).toHaveLength(0);
    expect(pageDms(round2, "carol")).toHaveLength(1);
    expect(await skips(desk)).toEqual([
      { number: 1, round: 0, level: 0, reason: "outside business-hours" },
      { number: 1, round: 1, level: 0, reason: "outside business-hours" },
    ]);
    expect(await advance(desk, 5 * MINUTE)).toContain("[DM @alice] ⚠️ Nobody acknowledged page #1");
  });
});

describe("the next level never cancels a notification in flight", () => {
  it("level 2 is paged while level 1's DM is still being sent, and level 1's DM still completes", async () => {
    desk = await start();
    const consolePlatform = desk.console;
    const sendDm = consolePlatform.directMessage.bind(consolePlatform);
    let entered = false;
    let release!: () => void;
    const barrier = new Promise<void>((resolve) => {
      release = resolve;
    });
    consolePlatform.directMessage = async (externalId, message) => {
      if (externalId === "carol") {
        entered = true;
        await barrier;
      }
      return sendDm(externalId, message);
    };
    const paging = desk.type("/oncall page quick suspicious login");
    await until(() => entered, "carol's DM in flight");

    // Level 2 falls due (after 30 s, within the sending job's lease) while carol's DM hangs.
    desk.clock.advance(30_000);
    await desk.app.services.jobs.runDue();
    expect(pageDms(await desk.printed(), "bob")).toEqual([
      "[DM @bob] 📟 Page #1 from Alice: suspicious login",
    ]);
    const carolRow = () =>
      desk!.db.prisma.pageDelivery.findFirstOrThrow({ where: { kind: "dm", level: 0, target: "carol" } });
    expect((await carolRow()).state).toBe("pending");

    release();
    expect(pageDms(await paging, "carol")).toEqual(["[DM @carol] 📟 Page #1 from Alice: suspicious login"]);
    expect((await carolRow()).state).toBe("sent");
    const page = await desk.db.prisma.page.findUniqueOrThrow({ where: { number: 1 } });
    expect(page).toMatchObject({ status: "open", level: 1 });
  });
});
