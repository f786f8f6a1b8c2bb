// Pure parts of incident reminders and regulatory deadlines, and their configuration sections.
import { describe, expect, it } from "vitest";
import { deadlinePresets, dueAfter, warningAt } from "../../../src/incidents/deadline-presets.ts";
import { remindersFor } from "../../../src/incidents/reminders.ts";
import { OncallConfigError, parseOncallConfig } from "../../../src/oncall/config.ts";
import { parseDuration } from "../../../src/oncall/durations.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const BASE = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: p }
escalationPolicies:
  - id: p
    levels:
      - { target: { person: alice }, after: 5m }
`;

function problems(yaml: string): string[] {
  try {
    parseOncallConfig(yaml, "oncall.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(OncallConfigError);
    return (error as OncallConfigError).problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  throw new Error("expected problems");
}

describe("reminder delays", () => {
  it("defaults: SEV1 commander 5m / update 30m, SEV2 15m / 1h, SEV3 and SEV4 none", () => {
    expect(remindersFor(undefined, 1)).toEqual({ commander: 5 * MINUTE, update: 30 * MINUTE });
    expect(remindersFor(undefined, 2)).toEqual({ commander: 15 * MINUTE, update: HOUR });
    expect(remindersFor(undefined, 3)).toEqual({ commander: null, update: null });
  });

  it("the configuration overrides field by field; off turns one off", () => {
    const config = parseOncallConfig(
      `${BASE}reminders:\n  sev1: { update: off }\n  sev3: { update: 4h }\n`,
      "x",
    );
    expect(remindersFor(config.reminders, 1)).toEqual({ commander: 5 * MINUTE, update: null });
    expect(remindersFor(config.reminders, 3)).toEqual({ commander: null, update: 4 * HOUR });
  });
});

describe("deadline math", () => {
  const aware = new Date("2026-01-31T10:00:00Z");

  it("durations are elapsed time, months are calendar months in the desk's zone", () => {
    expect(dueAfter(aware, { kind: "duration", ms: 72 * HOUR }, "UTC")).toEqual(
      new Date("2026-02-03T10:00:00Z"),
    );
    expect(dueAfter(aware, { kind: "months", months: 1 }, "UTC")).toEqual(new Date("2026-02-28T10:00:00Z"));
    // Across the spring-forward change, a month keeps the local time (11:00 CET -> 11:00 CEST).
    expect(dueAfter(new Date("2026-03-10T10:00:00Z"), { kind: "months", months: 1 }, "Europe/Paris")).toEqual(
      new Date("2026-04-10T09:00:00Z"),
    );
  });

  it("warns a share of the span ahead, or a fixed lead, never at or before the start", () => {
    const start = new Date("2026-03-10T09:00:00Z");
    const due = new Date("2026-03-11T09:00:00Z");
    expect(warningAt(start, due, { kind: "fraction", fraction: 0.25 })).toEqual(
      new Date("2026-03-11T03:00:00Z"),
    );
    expect(warningAt(start, due, { kind: "duration", ms: 2 * HOUR })).toEqual(
      new Date("2026-03-11T07:00:00Z"),
    );
    expect(warningAt(start, due, { kind: "duration", ms: 48 * HOUR })).toBeNull();
    expect(warningAt(start, due, null)).toBeNull();
  });

  it("ships nis2 and gdpr; the configuration adds presets and replaces by id", () => {
    expect(deadlinePresets().map((p) => [p.id, p.milestones.map((m) => m.id)])).toEqual([
      ["nis2", ["early-warning", "notification", "intermediate-report", "final-report"]],
      ["gdpr", ["notification"]],
    ]);
    const config = parseOncallConfig(
      `${BASE}deadlines:
  - id: gdpr
    name: GDPR (internal target)
    warnBefore: 12h
    milestones:
      - { id: notification, name: notification, after: 48h }
  - id: dora
    name: DORA
    milestones:
      - { id: initial, name: initial notification, after: 4h }
      - { id: final, name: final report, after: 1 month }
`,
      "x",
    );
    const presets = deadlinePresets(config.deadlines);
    expect(presets.map((p) => p.id)).toEqual(["nis2", "gdpr", "dora"]);
    expect(presets[1]).toMatchObject({
      name: "GDPR (internal target)",
      warnBefore: { kind: "duration", ms: 12 * HOUR },
    });
    expect(presets[2]?.milestones[1]?.after).toEqual({ kind: "months", months: 1 });
  });

  it("NIS2 Art. 23(4): the final report counts one month from the notification; the intermediate report is on request", () => {
    const nis2 = deadlinePresets()[0]!;
    expect(nis2.milestones.find((m) => m.id === "final-report")).toMatchObject({
      after: { kind: "months", months: 1 },
      from: "notification",
    });
    expect(nis2.milestones.find((m) => m.id === "intermediate-report")).toMatchObject({ onRequest: true });
  });

  it("a milestone counts from a milestone listed before it, or is due on request, never both", () => {
    const config = parseOncallConfig(
      `${BASE}deadlines:
  - id: dora
    name: DORA
    milestones:
      - { id: initial, name: initial notification, after: 4h }
      - { id: intermediate, name: intermediate report, after: 72h, from: initial }
      - { id: extra, name: report on request, onRequest: true }
`,
      "x",
    );
    expect(config.deadlines[0]?.milestones[1]).toMatchObject({ from: "initial" });
    expect(
      problems(`${BASE}deadlines:
  - id: dora
    name: DORA
    milestones:
      - { id: final, name: final report, after: 1 month, from: initial }
      - { id: initial, name: initial notification, after: 4h }
      - { id: both, name: both, after: 4h, onRequest: true }
      - { id: neither, name: neither }
`),
    ).toEqual([
      '13:64 deadlines[0].milestones[0].from: "initial" is not a milestone listed before this one',
      "15:9 deadlines[0].milestones[2]: a milestone due on request has no after: or from:",
      '16:9 deadlines[0].milestones[3].after: say when it is due: after: "72h" (from awareness, or from: another milestone) or onRequest: true',
    ]);
  });
});

describe("configuration sections for paging and timers", () => {
  it("reports bad values with their line", () => {
    expect(
      problems(`${BASE}pageLimits: { perPerson: 0 }
reminders:
  sev1: { commander: soon }
  sev9: { update: 1h }
deadlines:
  - id: nis2
    name: NIS2
    warnBefore: 120%
    milestones:
      - { id: a, name: A, after: 2 fortnights }
`),
    ).toEqual([
      "9:26 pageLimits.perPerson: must be at least 1",
      '11:22 reminders.sev1.commander: "soon" is not a duration. Examples: 30m, 4h, 1h30m, 1d, 2w.',
      '12:3 reminders: unknown field "sev9"',
      '16:17 deadlines[0].warnBefore: "120%" is not a warning time; write a share from 1% to 99% ("25%"), a duration ("6h") or off',
      '18:34 deadlines[0].milestones[0].after: "2 fortnights" is not a duration. Examples: 30m, 4h, 1h30m, 1d, 2w. Calendar months: "1 month".',
    ]);
  });

  it("reports an unknown default team and repeated milestone ids", () => {
    expect(
      problems(`${BASE}defaultTeam: cirt
deadlines:
  - id: nis2
    name: NIS2
    milestones:
      - { id: a, name: A, after: 1h }
      - { id: a, name: B, after: 2h }
`),
    ).toEqual([
      '9:14 defaultTeam: unknown team "cirt"; did you mean "csirt"?',
      '15:15 deadlines[0].milestones[1].id: duplicate milestone id "a" (first declared at deadlines[0].milestones[0])',
    ]);
  });

  it("has defaults for page limits", () => {
    expect(parseOncallConfig(BASE, "x").pageLimits).toEqual({
      mergeWithin: 2 * MINUTE,
      perPerson: 5,
      window: 10 * MINUTE,
    });
  });

  it("escalation timeouts may be given in seconds, for drills", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("1m30s")).toBe(90_000);
  });
});
