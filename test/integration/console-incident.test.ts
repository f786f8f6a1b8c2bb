// The incident lifecycle end to end through the console platform, on a real database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConsoleDesk, startConsoleDesk } from "../support/console-desk.ts";

// A fresh desk for every test (its own database cloned from the template), so each test can run
// alone; the scenario's earlier steps are rebuilt by the helpers below.
let desk: ConsoleDesk;
beforeEach(async () => {
  desk = await startConsoleDesk();
});
afterEach(async () => {
  await desk?.close();
});

const ROOM = "#inc-2026-0001-phishing-wave-against-finance";
const DECLARE_PHISHING =
  '/inc declare "Phishing wave against finance" sev:2 class:phishing summary:"Mass mail"';

/** INC-2026-0001 (the phishing wave) and INC-2026-0002 declared from #general. */
async function declareBoth(): Promise<void> {
  expect(await desk.type(DECLARE_PHISHING)).toContain("INC-2026-0001 declared");
  expect(await desk.type("/inc declare Second one")).toContain("INC-2026-0002 declared");
}

/** Both declared, then, five minutes later, the phishing wave under investigation; typing in its room. */
async function investigatingPhishingWave(): Promise<void> {
  await declareBoth();
  await desk.type(`/room ${ROOM}`);
  desk.clock.advance(5 * 60_000);
  expect(await desk.type("/inc status investigating confirmed by SOC")).toContain("triage → investigating");
}

describe("incident lifecycle on the console", () => {
  it("declare opens a private room, posts and pins the summary, and answers where it was typed", async () => {
    const out = await desk.type(DECLARE_PHISHING);
    // Created empty, bound to the incident, then its people invited.
    expect(out).toContain(`[INC-2026-0001] (private room ${ROOM} created)\n[INC-2026-0001] (invited @alice)`);
    expect(out).toContain(`[INC-2026-0001] TLP:AMBER`);
    expect(out).toContain(`[INC-2026-0001] == INC-2026-0001: Phishing wave against finance ==`);
    expect(out).toMatch(/\(pinned [^)]+\)/);
    // #general is an ordinary room, cleared for TLP:GREEN by default: the AMBER declaration is
    // answered to the caller alone (the same rule that refuses an AMBER bulletin there).
    expect(out).toContain("[#general · you] 🚨 INC-2026-0001 declared: Phishing wave against finance");
    expect(out).toContain("SEV2 (high), Fraud / Phishing (fraud/phishing), TLP:AMBER");

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
    expect(incident.rooms).toEqual([expect.objectContaining({ platform: "console", roomId: ROOM })]);
    expect(incident.rooms[0]?.summaryMessageId).toBeTruthy();
    expect(incident.participants).toHaveLength(1);
    expect(incident.timeline.map((e) => e.kind)).toEqual(["declared"]);
  });

  it("numbers incidents per year", async () => {
    await desk.type(DECLARE_PHISHING);
    const out = await desk.type("/inc declare Second one");
    expect(out).toContain("INC-2026-0002 declared");
    expect(out).toContain("SEV3 (medium), unclassified, TLP:AMBER");
  });

  it("implies the incident inside its room and announces changes there", async () => {
    await declareBoth();
    await desk.type(`/room ${ROOM}`);
    desk.clock.advance(5 * 60_000);
    const out = await desk.type("/inc status investigating confirmed by SOC");
    expect(out).toContain(`[INC-2026-0001] INC-2026-0001: status triage → investigating: confirmed by SOC`);
    expect(out).toContain(`[INC-2026-0001] (pinned summary`);
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident.status).toBe("investigating");
    expect(incident.investigatingAt).toEqual(new Date("2026-03-10T09:05:00Z"));
  });

  it("refuses impossible moves and explains the allowed ones, changing nothing", async () => {
    await investigatingPhishingWave();
    const out = await desk.type("/inc status triage");
    expect(out).toContain(`[INC-2026-0001 · you] ⚠️ Can't move an incident from investigating to triage.`);
    expect(out).toContain("it can go to: contained, eradicated, recovered, closed, declined, merged");
    const entries = await desk.db.prisma.timelineEntry.count();
    expect(entries).toBe(3);
  });

  it("assigns roles to mentioned people and invites them", async () => {
    await investigatingPhishingWave();
    const lead = await desk.type("/inc lead @bob");
    expect(lead).toContain(`[INC-2026-0001] (invited @bob)`);
    expect(lead).toContain("INC-2026-0001: bob is now commander");
    const scribe = await desk.type("/inc role scribe me");
    expect(scribe).toContain("alice is now scribe");
    const again = await desk.type("/inc role scribe @alice");
    expect(again).toContain("alice is already scribe of INC-2026-0001");
    const roles = await desk.db.prisma.roleAssignment.findMany({
      include: { person: true },
      orderBy: { role: "asc" },
    });
    expect(roles.map((r) => [r.role, r.person.displayName])).toEqual([
      ["commander", "bob"],
      ["scribe", "alice"],
    ]);
    const bad = await desk.type("/inc role janitor @bob");
    expect(bad).toContain("Roles are: commander, deputy, scribe, comms, liaison.");
  });

  it("changes severity, classification, TLP and title", async () => {
    await investigatingPhishingWave();
    expect(await desk.type("/inc sev 1")).toContain("severity SEV2 (high) → SEV1 (critical)");
    expect(await desk.type("/inc class intrusions/system-compromise")).toContain(
      "classified as Intrusions / System Compromise (intrusions/system-compromise)",
    );
    expect(await desk.type("/inc tlp amber+strict")).toContain("TLP TLP:AMBER → TLP:AMBER+STRICT");
    expect(await desk.type("/inc title Phishing wave with account takeover")).toContain(
      'title changed to "Phishing wave with account takeover"',
    );
    // The room keeps its name; the incident changed.
    const incident = await desk.db.prisma.incident.findUniqueOrThrow({
      where: { publicId: "INC-2026-0001" },
    });
    expect(incident).toMatchObject({ severity: 1, rsitType: "system-compromise", tlp: "amber+strict" });
  });

  it("keeps notes and updates verbatim in the timeline", async () => {
    await investigatingPhishingWave();
    await desk.type("/inc note blocked 203.0.113.7:443 and https://evil.example/login sev:9");
    await desk.type("/inc update Contained soon; next update 15:00");
    const out = await desk.type("/inc timeline");
    expect(out).toContain("[note] alice: blocked 203.0.113.7:443 and https://evil.example/login sev:9");
    expect(out).toContain("[update] alice: Contained soon; next update 15:00");
    expect(out).toContain(`[INC-2026-0001 · you]`);
  });

  it("adds tasks, lists them and marks them done", async () => {
    await investigatingPhishingWave();
    expect(await desk.type("/inc task reset passwords of phished accounts")).toContain("task #1 added");
    expect(await desk.type("/inc task block sender domain")).toContain("task #2 added");
    expect(await desk.type("/inc done #2")).toContain("task #2 done: block sender domain");
    const tasks = await desk.type("/inc tasks");
    expect(tasks).toContain("[ ] #1 reset passwords of phished accounts");
    expect(tasks).toContain("[x] #2 block sender domain");
    expect(await desk.type("/inc done 2")).toContain("Task #2 is already done.");
    expect(await desk.type("/inc done 7")).toContain("INC-2026-0001 has no task #7.");
    expect(await desk.type("/inc done two")).toContain("Give the task number");
  });

  it("invites several people at once", async () => {
    await investigatingPhishingWave();
    const out = await desk.type("/inc invite @carol @dave");
    expect(out).toContain("(invited @carol, @dave)");
    expect(out).toContain("INC-2026-0001: invited carol, dave");
  });

  it("lists open, mine and all incidents", async () => {
    await investigatingPhishingWave();
    await desk.type("/inc sev 1");
    await desk.type("/inc tlp amber+strict");
    await desk.type("/room #general");
    const open = await desk.type("/inc list");
    expect(open).toContain("Open incidents (2)");
    expect(open).toMatch(/INC-2026-0001\s+SEV1\s+investigating\s+TLP:AMBER\+STRICT/);
    await desk.type("/as @erin");
    expect(await desk.type("/inc list mine")).toContain("No mine incidents.");
    await desk.type("/as @alice");
    expect(await desk.type("/inc list mine")).toContain("My open incidents (2)");
  });

  it("acts on an explicit id from outside the room, answering the caller privately", async () => {
    await investigatingPhishingWave();
    await desk.type("/room #general");
    const out = await desk.type("/inc note INC-2026-0002 looked at it from the lobby");
    expect(out).toContain("[#general · you] INC-2026-0002: looked at it from the lobby");
    expect(out).toContain("[INC-2026-0002] INC-2026-0002: looked at it from the lobby");
  });

  it("asks which incident when none is implied", async () => {
    await investigatingPhishingWave();
    await desk.type("/room #general");
    expect(await desk.type("/inc status contained")).toContain(
      "Which incident? Run this in the incident's room or give its id",
    );
    expect(await desk.type("/inc show INC-2026-0099")).toContain("There is no incident INC-2026-0099.");
  });

  it("closes with a resolution, refuses closing without one, and reopens", async () => {
    await investigatingPhishingWave();
    await desk.type(`/room ${ROOM}`);
    expect(await desk.type("/inc close")).toContain("Say how it ended");
    desk.clock.advance(60 * 60_000);
    const closed = await desk.type("/inc close accounts reset, sender blocked");
    expect(closed).toContain("status investigating → closed: accounts reset, sender blocked");
    let incident = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(incident).toMatchObject({ status: "closed", resolution: "accounts reset, sender blocked" });
    expect(incident.closedAt).toEqual(new Date("2026-03-10T10:05:00Z"));
    expect(await desk.type("/inc note after close")).toContain("after close");
    const reopened = await desk.type("/inc reopen new mailbox found");
    expect(reopened).toContain("status closed → investigating: new mailbox found");
    incident = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(incident.status).toBe("investigating");
    expect(await desk.type("/inc reopen")).toContain("is still open (investigating)");
  });

  it("declines and merges", async () => {
    await investigatingPhishingWave();
    await desk.type("/room #general");
    expect(await desk.type("/inc status INC-2026-0002 merged")).toContain(
      "Say which incident this one duplicates",
    );
    expect(await desk.type("/inc status INC-2026-0002 merged INC-2026-0001 same campaign")).toContain(
      "status triage → merged: INC-2026-0001 same campaign",
    );
    const merged = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0002" } });
    const target = await desk.db.prisma.incident.findUniqueOrThrow({ where: { publicId: "INC-2026-0001" } });
    expect(merged.mergedIntoId).toBe(target.id);
    expect(await desk.type("/inc note INC-2026-0002 more")).toContain("was merged into another incident");
    await desk.type("/inc declare False alarm");
    expect(await desk.type("/inc status INC-2026-0003 declined scanner test")).toContain(
      "triage → declined: scanner test",
    );
  });

  it("writes an audit entry for every change, with who, where and a correlation id", async () => {
    await investigatingPhishingWave();
    const timeline = await desk.db.prisma.timelineEntry.count();
    const audit = await desk.db.prisma.auditEntry.findMany({ include: { actor: true } });
    expect(audit).toHaveLength(timeline);
    expect(audit.every((a) => a.platform === "console" && a.correlationId.length === 8 && a.actor)).toBe(
      true,
    );
    expect(audit.map((a) => a.action)).toContain("incident.status");
  });
});

describe("bad input gets a friendly answer with usage", () => {
  it("explains unknown commands and suggests the closest", async () => {
    expect(await desk.type("/inc stauts contained")).toContain(
      '/inc has no command "stauts". Did you mean `/inc status`?',
    );
    expect(await desk.type("/incc list")).toContain('I don\'t know the command "/incc". Did you mean /inc?');
  });

  it("explains bad option values and names the option", async () => {
    const out = await desk.type("/inc declare Test sev:7");
    expect(out).toContain(
      'Bad value for sev: "7". Severity is 1 (critical), 2 (high), 3 (medium) or 4 (low).',
    );
    expect(out).toContain("Usage: /inc declare <title> [sev:1-4]");
    expect(await desk.type("/inc declare Test tlp:orange")).toContain(
      "TLP 2.0 labels are clear, green, amber, amber+strict, red.",
    );
    expect(await desk.type("/inc declare Test class:ransomware")).toContain(
      'Bad value for class: "ransomware"',
    );
  });

  it("suggests the right option for a typo", async () => {
    expect(await desk.type("/inc declare Test sevv:2")).toContain(
      '"sevv:2" is not an option here: did you mean `sev:2`?',
    );
  });

  it("refuses a near-miss option instead of folding it into the title", async () => {
    const refusals: Array<[string, string]> = [
      ["/inc declare Breach at HR tlp=red", "did you mean `tlp:red`?"],
      ["/inc declare Breach at HR tlp: red", "did you mean `tlp:red`? (no space after the colon)"],
      ["/inc declare Breach at HR sev=2", "did you mean `sev:2`?"],
      ["/inc declare Breach at HR severity:2", "did you mean `sev:2`?"],
      ["/inc declare Breach at HR classification:phishing", "did you mean `class:phishing`?"],
      ["/inc declare Breach at HR label:red", "did you mean `tlp:red`?"],
      ["/inc declare Breach at HR prio:1", "did you mean `sev:1`?"],
      ["/inc declare Breach at HR owner:bob", "this command takes sev:, class:, tlp:"],
    ];
    for (const [line, answer] of refusals) {
      const out = await desk.type(line);
      expect(out, line).toContain(answer);
      expect(out, line).toContain("Usage: /inc declare <title>");
      expect(out, line).not.toContain("declared");
    }
  });

  it("explains a missing title, a repeated option and an unclosed quote", async () => {
    expect(await desk.type("/inc declare sev:2")).toContain("An incident needs a title");
    expect(await desk.type("/inc declare X sev:1 sev:2")).toContain("The option sev: is given twice.");
    expect(await desk.type('/inc declare "unclosed')).toContain('A quote is never closed: "unclosed');
  });

  it("refuses mentions of people it cannot know", async () => {
    await desk.type(DECLARE_PHISHING);
    expect(await desk.type("/inc lead INC-2026-0001 bob")).toContain('"bob" is not a person I know');
  });

  it("refuses huge input", async () => {
    expect(await desk.type(`/inc declare ${"x".repeat(5000)}`)).toContain("That command is too long");
    expect(await desk.type(`/inc declare ${"x ".repeat(150)}`)).toContain("That title is too long");
  });

  it("leaves nothing half-written after refused commands", async () => {
    for (const refused of [
      "/inc declare Test sev:7",
      "/inc declare Test sevv:2",
      "/inc declare Breach at HR tlp=red",
      "/inc declare sev:2",
      "/inc declare X sev:1 sev:2",
      '/inc declare "unclosed',
      `/inc declare ${"x ".repeat(150)}`,
    ]) {
      expect(await desk.type(refused), refused).not.toContain("declared");
    }
    expect(await desk.db.prisma.incident.count()).toBe(0);
    expect(await desk.db.prisma.timelineEntry.count()).toBe(0);
  });

  it("takes option-shaped words literally when quoted, and an uppercase key as the option", async () => {
    const own = await startConsoleDesk();
    try {
      expect(await own.type('/inc declare "Breach at HR tlp=red"')).toContain(
        "INC-2026-0001 declared: Breach at HR tlp=red",
      );
      expect(await own.type("/inc declare Breach at HR TLP:red see https://intranet.example/x")).toContain(
        "INC-2026-0002",
      );
      const labelled = await own.db.prisma.incident.findUniqueOrThrow({
        where: { publicId: "INC-2026-0002" },
      });
      expect(labelled).toMatchObject({ title: "Breach at HR see https://intranet.example/x", tlp: "red" });
    } finally {
      await own.close();
    }
  });
});

describe("help is generated from the declarations", () => {
  it("lists every /inc command with usage", async () => {
    const out = await desk.type("/inc help");
    for (const usage of [
      "/inc declare <title>",
      "/inc status [<id>] <status> [note]",
      "/inc close [<id>] <resolution>",
    ]) {
      expect(out).toContain(usage);
    }
  });

  it("explains one command", async () => {
    const out = await desk.type("/inc declare help");
    expect(out).toContain("Declare a new incident and open a private room for it.");
    expect(out).toContain('declare "Phishing wave against finance" sev:2 class:phishing');
    expect(await desk.type("/inc help status")).toContain("Move the incident to another phase");
  });

  it("lists the RSIT taxonomy", async () => {
    const out = await desk.type("/inc classes");
    expect(out).toContain("Reference Security Incident Taxonomy 1.003");
    expect(out).toContain("Fraud (fraud):");
  });
});

describe("the TLP gate on answers in shared rooms", () => {
  it("answers a TLP:RED declaration only to the caller, never to the whole room", async () => {
    await desk.type("/room #general");
    const out = await desk.type("/inc declare Board member extortion tlp:red");
    const roomLines = out.split("\n").filter((line) => line.startsWith("[#general] "));
    expect(roomLines.join("\n")).not.toContain("Board member extortion");
    expect(out).toContain("[#general · you] 🚨 INC-2026-0001 declared: Board member extortion");
    // Its own room gets everything.
    // Its room is named by the id alone: a RED title shows nowhere outside.
    expect(out).toContain("[INC-2026-0001] == INC-2026-0001: Board member extortion ==");
  });

  it("answers an AMBER declaration in a GREEN room to the caller alone, and a GREEN one to the room", async () => {
    const amber = await desk.type("/inc declare Scanner noise");
    expect(amber).toContain("[#general · you] TLP:AMBER");
    expect(amber).toContain("[#general · you] 🚨 INC-2026-0001 declared: Scanner noise");
    expect(amber.split("\n").filter((line) => line.startsWith("[#general] "))).toEqual([]);
    const green = await desk.type("/inc declare Port scan from the internet tlp:green");
    expect(green).toContain("[#general] TLP:GREEN");
    expect(green).toContain("[#general] 🚨 INC-2026-0002 declared: Port scan from the internet");
  });
});
