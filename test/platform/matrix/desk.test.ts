// The console's incident scenario (test/integration/console-incident.test.ts), typed in Matrix
// rooms as `!inc ...` through the real matrix-js-sdk and the real desk. Differences from the
// console are Matrix's own: rooms are aliases (#inc-2026-0001:example.org), mentions are user
// ids or pills, and "only you" answers with TLP-labelled content typed in a shared room arrive
// by direct message.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let general = "";
const ROOM = "#inc-2026-0001:example.org";
const id = (name: string) => `@${name}:example.org`;
const alice = id("alice");
const erin = id("erin");

const startDesk = async () => {
  desk = await startMatrixDesk({
    before(hs, bot) {
      for (const name of ["alice", "bob", "carol", "dave", "erin"]) hs.addUser(name, name);
      general = teamRoom(hs, alice, [id("bob"), erin], { name: "general", botId: bot.userId });
    },
  });
};
const closeDesk = async () => {
  await desk?.close();
};

const type = async (line: string, options: { as?: string; room?: string; formattedBody?: string } = {}) =>
  (
    await desk.say(options.as ?? alice, options.room ?? general, line, {
      formattedBody: options.formattedBody,
    })
  ).text;
const incidentRoom = () => desk.hs.roomIdForAlias(ROOM) ?? "";
const inRoom = (line: string, formattedBody?: string) => type(line, { room: incidentRoom(), formattedBody });
const DECLARE_PHISHING =
  '!inc declare "Phishing wave against finance" sev:2 class:phishing summary:"Mass mail"';

/** INC-2026-0001 (the phishing wave) and INC-2026-0002 declared from "general". */
async function declareBoth(): Promise<void> {
  expect(await type(DECLARE_PHISHING)).toContain("INC-2026-0001 declared");
  expect(await type("!inc declare Second one")).toContain("INC-2026-0002 declared");
}

/** Both declared; alice in the phishing wave's room, where five minutes later it is under investigation. */
async function investigatingPhishingWave(): Promise<void> {
  await declareBoth();
  desk.hs.join(alice, incidentRoom());
  desk.clock.advance(5 * 60_000);
  expect(await inRoom("!inc status investigating confirmed by SOC")).toContain("triage → investigating");
}

describe("incident lifecycle on Matrix", () => {
  // A fresh desk for every test, so each can run alone; the helpers above rebuild earlier steps.
  beforeEach(startDesk);
  afterEach(closeDesk);

  it("declare opens a private room, posts and pins the summary, and answers where it was typed", async () => {
    const out = await type(DECLARE_PHISHING);
    expect(out).toContain(`[${ROOM}] (invited ${alice})`);
    expect(out).toContain(`[${ROOM}] TLP:AMBER`);
    expect(out).toContain(`[${ROOM}] == INC-2026-0001: Phishing wave against finance ==`);
    expect(out).toContain(`[${ROOM}] (pinned)`);
    // "general" is an ordinary room (TLP:GREEN unless configured): the AMBER answer goes to the
    // declarer by direct message, and the room learns only where it went.
    expect(out).toContain(`[DM → ${alice}] 🚨 INC-2026-0001 declared: Phishing wave against finance`);
    expect(out).toContain("[general] 📬 This answer carries TLP-labelled incident content");
    expect(out).not.toContain("[general] 🚨");
    expect(out).toContain("SEV2 (high), Fraud / Phishing (fraud/phishing), TLP:AMBER");
    expect(desk.hs.state(incidentRoom(), "m.room.join_rules")?.join_rule).toBe("invite");

    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
      include: { rooms: true, participants: true, timeline: true },
    });
    expect(incident).toMatchObject({
      status: "triage",
      severity: 2,
      rsitType: "phishing",
      tlp: "amber",
      summary: "Mass mail",
      declaredAt: new Date("2026-03-10T09:00:00Z"),
    });
    expect(incident.rooms).toEqual([expect.objectContaining({ platform: "matrix", roomId: incidentRoom() })]);
    expect(incident.rooms[0]?.summaryMessageId).toMatch(/^\$/);
    expect(incident.participants).toHaveLength(1);
    expect(incident.timeline.map((e) => e.kind)).toEqual(["declared"]);
  });

  it("numbers incidents per year", async () => {
    await type(DECLARE_PHISHING);
    const out = await type("!inc declare Second one");
    expect(out).toContain("INC-2026-0002 declared");
    expect(out).toContain("SEV3 (medium), unclassified, TLP:AMBER");
  });

  it("implies the incident inside its room and announces changes there", async () => {
    await declareBoth();
    desk.hs.join(alice, incidentRoom());
    desk.clock.advance(5 * 60_000);
    const out = await inRoom("!inc status investigating confirmed by SOC");
    expect(out).toContain(`[${ROOM}] INC-2026-0001: status triage → investigating: confirmed by SOC`);
    expect(out).toMatch(new RegExp(`\\[${ROOM}\\] \\(edited \\$`));
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident.status).toBe("investigating");
    expect(incident.investigatingAt).toEqual(new Date("2026-03-10T09:05:00Z"));
  });

  it("refuses impossible moves and explains the allowed ones, changing nothing", async () => {
    await investigatingPhishingWave();
    const out = await inRoom("!inc status triage");
    expect(out).toContain(`[${ROOM}] ⚠️ Can't move an incident from investigating to triage.`);
    expect(out).toContain("it can go to: contained, eradicated, recovered, closed, declined, merged");
    expect(await desk.db.prisma.timelineEntry.count()).toBe(3);
  });

  it("assigns roles to mentioned people (user ids and pills) and invites them", async () => {
    await investigatingPhishingWave();
    const lead = await inRoom("!inc lead @bob:example.org");
    expect(lead).toContain(`[${ROOM}] (invited ${id("bob")})`);
    expect(lead).toContain("INC-2026-0001: bob is now commander");
    expect(await inRoom("!inc role scribe me")).toContain("alice is now scribe");
    const again = await inRoom(
      "!inc role scribe alice",
      `!inc role scribe <a href="https://matrix.to/#/${encodeURIComponent(alice)}">alice</a>`,
    );
    expect(again).toContain("alice is already scribe of INC-2026-0001");
    const roles = await desk.db.prisma.roleAssignment.findMany({
      include: { person: true },
      orderBy: { role: "asc" },
    });
    expect(roles.map((r) => [r.role, r.person.displayName])).toEqual([
      ["commander", "bob"],
      ["scribe", "alice"],
    ]);
    expect(await inRoom("!inc role janitor @bob:example.org")).toContain(
      "Roles are: commander, deputy, scribe, comms, liaison.",
    );
  });

  it("changes severity, classification, TLP and title", async () => {
    await investigatingPhishingWave();
    expect(await inRoom("!inc sev 1")).toContain("severity SEV2 (high) → SEV1 (critical)");
    expect(await inRoom("!inc class intrusions/system-compromise")).toContain(
      "classified as Intrusions / System Compromise (intrusions/system-compromise)",
    );
    expect(await inRoom("!inc tlp amber+strict")).toContain("TLP TLP:AMBER → TLP:AMBER+STRICT");
    expect(await inRoom("!inc title Phishing wave with account takeover")).toContain(
      'title changed to "Phishing wave with account takeover"',
    );
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident).toMatchObject({ severity: 1, rsitType: "system-compromise", tlp: "amber+strict" });
    // The room keeps its alias; its topic follows the incident.
    expect(desk.hs.state(incidentRoom(), "m.room.topic")?.topic).toContain(
      "Phishing wave with account takeover",
    );
  });

  it("keeps notes and updates verbatim in the timeline", async () => {
    await investigatingPhishingWave();
    await inRoom("!inc tlp amber+strict");
    await inRoom("!inc note blocked 203.0.113.7:443 and https://evil.example/login sev:9");
    await inRoom("!inc update Contained soon; next update 15:00");
    const out = await inRoom("!inc timeline");
    expect(out).toContain("[note] alice: blocked 203.0.113.7:443 and https://evil.example/login sev:9");
    expect(out).toContain("[update] alice: Contained soon; next update 15:00");
    // An "only you" answer in the incident room (a room the desk controls) stays there.
    expect(out).toContain(`[${ROOM}] TLP:AMBER+STRICT`);
  });

  it("adds tasks, lists them and marks them done", async () => {
    await investigatingPhishingWave();
    expect(await inRoom("!inc task reset passwords of phished accounts")).toContain("task #1 added");
    expect(await inRoom("!inc task block sender domain")).toContain("task #2 added");
    expect(await inRoom("!inc done #2")).toContain("task #2 done: block sender domain");
    const tasks = await inRoom("!inc tasks");
    expect(tasks).toContain("[ ] #1 reset passwords of phished accounts");
    expect(tasks).toContain("[x] #2 block sender domain");
    expect(await inRoom("!inc done 2")).toContain("Task #2 is already done.");
    expect(await inRoom("!inc done 7")).toContain("INC-2026-0001 has no task #7.");
    expect(await inRoom("!inc done two")).toContain("Give the task number");
  });

  it("invites several people at once", async () => {
    await investigatingPhishingWave();
    const out = await inRoom("!inc invite @carol:example.org @dave:example.org");
    expect(out).toContain(`(invited ${id("carol")})`);
    expect(out).toContain(`(invited ${id("dave")})`);
    expect(out).toContain("INC-2026-0001: invited carol, dave");
  });

  it("lists open, mine and all incidents", async () => {
    await investigatingPhishingWave();
    await inRoom("!inc sev 1");
    await inRoom("!inc tlp amber+strict");
    const open = await type("!inc list");
    expect(open).toContain("Open incidents (2)");
    expect(open).toMatch(/INC-2026-0001\s+SEV1\s+investigating\s+TLP:AMBER\+STRICT/);
    expect(await type("!inc list mine", { as: erin })).toContain("No mine incidents.");
    expect(await type("!inc list mine")).toContain("My open incidents (2)");
  });

  it("acts on an explicit id from outside the room, answering the caller by DM", async () => {
    await investigatingPhishingWave();
    const out = await type("!inc note INC-2026-0002 looked at it from the lobby");
    expect(out).toContain("[#inc-2026-0002:example.org] INC-2026-0002: looked at it from the lobby");
    expect(out).toContain(`[DM → ${alice}] INC-2026-0002: looked at it from the lobby`);
    expect(out).toContain("[general] 📬 This answer carries TLP-labelled incident content");
    expect(out).not.toContain("[general] INC-2026-0002");
  });

  it("asks which incident when none is implied", async () => {
    await investigatingPhishingWave();
    expect(await type("!inc status contained")).toContain(
      "Which incident? Run this in the incident's room or give its id",
    );
    expect(await type("!inc show INC-2026-0099")).toContain("There is no incident INC-2026-0099.");
  });

  it("closes with a resolution, refuses closing without one, and reopens", async () => {
    await investigatingPhishingWave();
    expect(await inRoom("!inc close")).toContain("Say how it ended");
    desk.clock.advance(60 * 60_000);
    const closed = await inRoom("!inc close accounts reset, sender blocked");
    expect(closed).toContain("status investigating → closed: accounts reset, sender blocked");
    let incident = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(incident).toMatchObject({ status: "closed", resolution: "accounts reset, sender blocked" });
    expect(incident.closedAt).toEqual(new Date("2026-03-10T10:05:00Z"));
    expect(await inRoom("!inc note after close")).toContain("after close");
    expect(await inRoom("!inc reopen new mailbox found")).toContain(
      "status closed → investigating: new mailbox found",
    );
    incident = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(incident.status).toBe("investigating");
    expect(await inRoom("!inc reopen")).toContain("is still open (investigating)");
  });

  it("declines and merges", async () => {
    await investigatingPhishingWave();
    expect(await type("!inc status INC-2026-0002 merged")).toContain(
      "Say which incident this one duplicates",
    );
    expect(await type("!inc status INC-2026-0002 merged INC-2026-0001 same campaign")).toContain(
      "status triage → merged: INC-2026-0001 same campaign",
    );
    const merged = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0002" } });
    const target = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(merged.mergedIntoId).toBe(target.id);
    expect(await type("!inc note INC-2026-0002 more")).toContain("was merged into another incident");
    await type("!inc declare False alarm");
    expect(await type("!inc status INC-2026-0003 declined scanner test")).toContain(
      "triage → declined: scanner test",
    );
  });

  it("writes an audit entry for every change, with who, where and a correlation id", async () => {
    await investigatingPhishingWave();
    const timeline = await desk.db.prisma.timelineEntry.count();
    const audit = await desk.db.prisma.auditEntry.findMany({ include: { actor: true } });
    expect(audit).toHaveLength(timeline);
    expect(audit.every((a) => a.platform === "matrix" && a.correlationId.length === 8 && a.actor)).toBe(true);
    expect(audit.map((a) => a.action)).toContain("incident.status");
  });
});

describe("bad input gets a friendly answer with usage", () => {
  // These tests leave nothing behind that another reads, so they share one desk.
  beforeAll(startDesk);
  afterAll(closeDesk);

  it("explains unknown commands and suggests the closest", async () => {
    expect(await type("!inc stauts contained")).toContain(
      '!inc has no command "stauts". Did you mean `!inc status`?',
    );
  });

  it("leaves messages that are not its commands alone (other bots use `!` too)", async () => {
    const before = desk.hs.position;
    desk.hs.sendMessage(alice, general, "!incc list");
    desk.hs.sendMessage(alice, general, "!help");
    desk.hs.sendMessage(alice, general, "how do I use !inc?");
    await desk.say(alice, general, "!inc list");
    const botEvents = desk.hs.eventsSince(before, desk.bot.userId);
    expect(botEvents.filter((e) => e.type === "m.reaction")).toHaveLength(1);
  });

  it("explains bad option values and names the option", async () => {
    const out = await type("!inc declare Test sev:7");
    expect(out).toContain(
      'Bad value for sev: "7". Severity is 1 (critical), 2 (high), 3 (medium) or 4 (low).',
    );
    expect(out).toContain("Usage: !inc declare <title> [sev:1-4]");
    expect(await type("!inc declare Test tlp:orange")).toContain(
      "TLP 2.0 labels are clear, green, amber, amber+strict, red.",
    );
    expect(await type("!inc declare Test class:ransomware")).toContain('Bad value for class: "ransomware"');
  });

  it("suggests the right option for a typo", async () => {
    expect(await type("!inc declare Test sevv:2")).toContain(
      '"sevv:2" is not an option here: did you mean `sev:2`?',
    );
  });

  it("explains a missing title, a repeated option and an unclosed quote", async () => {
    expect(await type("!inc declare sev:2")).toContain("An incident needs a title");
    expect(await type("!inc declare X sev:1 sev:2")).toContain("The option sev: is given twice.");
    expect(await type('!inc declare "unclosed')).toContain('A quote is never closed: "unclosed');
  });

  it("refuses mentions of people it cannot know", async () => {
    const declared = /INC-2026-\d{4}/.exec(await type("!inc declare Mentions checked here"))?.[0];
    expect(declared).toBeDefined();
    expect(await type(`!inc lead ${declared} bob`)).toContain('"bob" is not a person I know');
    expect(await type(`!inc lead ${declared} @nobody:example.org`)).toContain(
      "I don't know @nobody:example.org on matrix.",
    );
  });

  it("refuses huge input", async () => {
    expect(await type(`!inc declare ${"x".repeat(5000)}`)).toContain("That command is too long");
    expect(await type(`!inc declare ${"x ".repeat(150)}`)).toContain("That title is too long");
  });

  it("leaves nothing half-written after refused commands", async () => {
    const incidents = await desk.db.prisma.incident.count();
    const entries = await desk.db.prisma.timelineEntry.count();
    for (const refused of [
      "!inc declare Test sev:7",
      "!inc declare Test sevv:2",
      "!inc declare sev:2",
      "!inc declare X sev:1 sev:2",
      '!inc declare "unclosed',
      `!inc declare ${"x ".repeat(150)}`,
    ]) {
      expect(await type(refused), refused).not.toContain("declared:");
    }
    expect(await desk.db.prisma.incident.count()).toBe(incidents);
    expect(await desk.db.prisma.timelineEntry.count()).toBe(entries);
  });
});

describe("help is generated from the declarations", () => {
  beforeAll(startDesk);
  afterAll(closeDesk);

  it("lists every /inc command with usage", async () => {
    const out = await type("!inc help");
    for (const usage of [
      "!inc declare <title>",
      "!inc status [<id>] <status> [note]",
      "!inc close [<id>] <resolution>",
    ]) {
      expect(out).toContain(usage);
    }
  });

  it("explains one command", async () => {
    expect(await type("!inc declare help")).toContain(
      "Declare a new incident and open a private room for it.",
    );
    expect(await type("!inc help status")).toContain("Move the incident to another phase");
  });

  it("lists the RSIT taxonomy", async () => {
    const out = await type("!inc classes");
    expect(out).toContain("Reference Security Incident Taxonomy 1.003");
    expect(out).toContain("Fraud (fraud):");
  });
});
