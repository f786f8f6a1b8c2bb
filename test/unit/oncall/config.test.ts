import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.ts";
import {
  type ConfigProblem,
  loadOncallConfig,
  OncallConfigError,
  parseOncallConfig,
} from "../../../src/oncall/config.ts";
import { whoIsOnCall } from "../../../src/oncall/schedule.ts";

const EXAMPLE = path.join(import.meta.dirname, "../../../examples/oncall.yaml");

const VALID = `people:
  - id: alice
    name: Alice
    timeZone: Europe/Paris
    identities: { slack: U0ALICE, console: alice }
  - id: bob
    name: Bob
    timeZone: America/New_York
teams:
  - id: csirt
    name: CSIRT
    members: [alice, bob]
    escalationPolicy: default
    rotations:
      - id: primary
        type: weekly
        participants: [alice, bob]
        start: "2026-01-05"
        handoff: "09:00"
        timeZone: Europe/Paris
escalationPolicies:
  - id: default
    levels:
      - target: { oncall: csirt }
        after: 5m
`;

/** Parses, expecting failure; returns the problems. */
function problemsOf(text: string): ConfigProblem[] {
  try {
    parseOncallConfig(text, "oncall.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(OncallConfigError);
    expect(error).toBeInstanceOf(UserError);
    return [...(error as OncallConfigError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

/** 1-based line of the first line containing `fragment`. */
function lineOf(text: string, fragment: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(fragment));
  if (index < 0) throw new Error(`no line contains ${fragment}`);
  return index + 1;
}

describe("the shipped example", () => {
  it("validates: two teams, complementary layers, a three-level policy with repeat", async () => {
    const config = await loadOncallConfig(EXAMPLE);
    expect(config.teams.map((team) => team.id)).toEqual(["csirt", "soc"]);
    const csirt = config.teams[0]!;
    expect(csirt.rotations.map((rotation) => rotation.id)).toEqual(["business-hours", "nights-weekends"]);
    expect(csirt.paging.severities).toEqual([1, 2]);
    const policy = config.escalationPolicies.find((p) => p.id === csirt.escalationPolicy)!;
    expect(policy.levels).toHaveLength(3);
    expect(policy.levels[0]).toEqual({ target: { kind: "oncall", teamId: "csirt" }, afterMs: 5 * 60_000 });
    expect(policy.levels[1]!.target).toEqual({ kind: "person", personId: "amelie" });
    expect(policy.levels[2]!.target).toEqual({ kind: "team", teamId: "csirt" });
    expect(policy.repeat).toBe(2);
    expect(policy.fallback).toEqual({ kind: "teamChannel", teamId: "csirt" });
    // Friday evening and Saturday go to the nights/weekends layer.
    const friday = whoIsOnCall(csirt, [], new Date("2026-03-27T19:00:00Z"));
    expect(friday.source).toMatchObject({ kind: "rotation", rotationId: "nights-weekends" });
  });

  it("fills defaults", () => {
    const config = parseOncallConfig(VALID, "oncall.yaml");
    expect(config.version).toBe(1);
    expect(config.teams[0]!.paging.severities).toEqual([1, 2]);
    expect(config.teams[0]!.leads).toEqual([]);
    expect(config.escalationPolicies[0]!.repeat).toBe(0);
    expect(config.people[1]!.identities).toEqual({});
    expect(Object.isFrozen(config.teams[0]!.rotations[0])).toBe(true);
  });
});

describe("validation errors name the file, the line and the path", () => {
  it("an unknown person in a rotation, with a suggestion", () => {
    const text = VALID.replace("participants: [alice, bob]", "participants: [alice, bobby]");
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({
      path: "teams[0].rotations[0].participants[1]",
      line: lineOf(text, "participants: [alice, bobby]"),
      message: 'unknown person "bobby"; did you mean "bob"?',
    });
  });

  it("an unknown person in a team and an unknown policy", () => {
    const text = VALID.replace("members: [alice, bob]", "members: [alice, zed]").replace(
      "escalationPolicy: default",
      "escalationPolicy: standard",
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["teams[0].members[1]", lineOf(text, "members: [alice, zed]")],
      ["teams[0].escalationPolicy", lineOf(text, "escalationPolicy: standard")],
    ]);
    expect(problems[1]!.message).toMatch(/unknown escalation policy "standard"/);
  });

  it("a bad time zone", () => {
    const text = VALID.replace(
      "timeZone: Europe/Paris\nescalationPolicies",
      "timeZone: Europe/Pariss\nescalationPolicies",
    );
    const [problem] = problemsOf(text);
    expect(problem).toMatchObject({
      path: "teams[0].rotations[0].timeZone",
      line: lineOf(text, "Europe/Pariss"),
      column: 19,
    });
    expect(problem!.message).toMatch(/"Europe\/Pariss" is not an IANA time zone/);
  });

  it('a bad hand-off time "25:00"', () => {
    const text = VALID.replace('handoff: "09:00"', 'handoff: "25:00"');
    const [problem] = problemsOf(text);
    expect(problem).toMatchObject({ path: "teams[0].rotations[0].handoff", line: lineOf(text, '"25:00"') });
    expect(problem!.message).toMatch(/"25:00" is not a time of day; write HH:MM/);
  });

  it("a missing field points at the object that lacks it", () => {
    const text = VALID.replace("        timeZone: Europe/Paris\n", "");
    const [problem] = problemsOf(text);
    expect(problem).toMatchObject({
      path: "teams[0].rotations[0].timeZone",
      line: lineOf(text, "- id: primary"),
      message: 'missing required field "timeZone"',
    });
  });

  it("an unknown field (a typo) points at the key", () => {
    const text = VALID.replace('handoff: "09:00"', 'handof: "09:00"');
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line, p.message])).toEqual([
      [
        "teams[0].rotations[0].handoff",
        lineOf(text, "- id: primary"),
        expect.stringMatching(/missing: give the local hand-off/),
      ],
      ["teams[0].rotations[0]", lineOf(text, "handof:"), 'unknown field "handof"'],
    ]);
  });

  it("duplicate ids point at the second one", () => {
    const text = VALID.replace("  - id: bob\n", "  - id: alice\n");
    const problems = problemsOf(text);
    expect(problems[0]).toMatchObject({
      path: "people[1].id",
      line: 6,
      message: 'duplicate person id "alice" (first declared at people[0])',
    });
  });

  it("an escalation timeout that is not a duration", () => {
    const text = VALID.replace("after: 5m", "after: five minutes");
    const [problem] = problemsOf(text);
    expect(problem).toMatchObject({
      path: "escalationPolicies[0].levels[0].after",
      line: lineOf(text, "five minutes"),
    });
    expect(problem!.message).toMatch(/Examples: 30m/);
  });

  it("a custom rotation without `every`, and every on a weekly one", () => {
    expect(problemsOf(VALID.replace("type: weekly", "type: custom"))[0]).toMatchObject({
      path: "teams[0].rotations[0].every",
      message: expect.stringMatching(/needs every: \{ days: N \}/),
    });
    expect(
      problemsOf(VALID.replace("type: weekly", "type: weekly\n        every: { days: 2 }"))[0],
    ).toMatchObject({
      path: "teams[0].rotations[0].every",
      message: expect.stringMatching(/only for type: custom/),
    });
  });

  it("references that resolve but can never reach anyone", () => {
    const text = VALID.replace(/ {4}rotations:\n[\s\S]*?timeZone: Europe\/Paris\n/, "").replace(
      "        after: 5m\n",
      "        after: 5m\n    fallback: { teamChannel: csirt }\n",
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["escalationPolicies[0].levels[0].target.oncall", lineOf(text, "{ oncall: csirt }")],
      ["escalationPolicies[0].fallback.teamChannel", lineOf(text, "fallback:")],
    ]);
    expect(problems[0]!.message).toMatch(/no rotations, so nobody is ever on call/);
    expect(problems[1]!.message).toMatch(/no channels to post to/);
  });

  it("YAML syntax errors carry their line", () => {
    const text = VALID.replace("members: [alice, bob]", "members: [alice, bob");
    const problems = problemsOf(text);
    expect(problems[0]!.message).toMatch(/^YAML syntax:/);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(lineOf(text, "members: [alice, bob"));
  });

  it("the error message lists every problem as file:line:column path: message", () => {
    const text = VALID.replace('handoff: "09:00"', 'handoff: "25:00"').replace(
      "members: [alice, bob]",
      "members: [alice, zed]",
    );
    expect(() => parseOncallConfig(text, "/etc/tocsin/oncall.yaml")).toThrow(
      [
        "The on-call configuration has 2 problems:",
        `  /etc/tocsin/oncall.yaml:${lineOf(text, "members:")}:22: teams[0].members[1]: unknown person "zed"; declare it under people`,
        `  /etc/tocsin/oncall.yaml:${lineOf(text, "handoff:")}:18: teams[0].rotations[0].handoff: "25:00" is not a time of day; write HH:MM from 00:00 to 23:59, e.g. "09:00"`,
      ].join("\n"),
    );
  });

  it("an empty file and a missing file", async () => {
    expect(problemsOf("")[0]!.message).toMatch(/the file is empty/);
    const directory = await mkdtemp(path.join(tmpdir(), "tocsin-oncall-"));
    await expect(loadOncallConfig(path.join(directory, "missing.yaml"))).rejects.toThrow(/no such file/);
    await writeFile(path.join(directory, "ok.yaml"), await readFile(EXAMPLE, "utf8"));
    await expect(loadOncallConfig(path.join(directory, "ok.yaml"))).resolves.toBeDefined();
  });
});
