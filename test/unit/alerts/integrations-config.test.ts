// `integrations:` in the on-call configuration: keys (literal, file, environment), rules
// validated at start with file:line:col, first match wins, no regular expressions.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { toSignal } from "../../../src/alerts/intake/draft.ts";
import { firstMatchingRule, keyDigest } from "../../../src/alerts/integrations.ts";
import { type ConfigProblem, OncallConfigError, parseOncallConfig } from "../../../src/oncall/config.ts";

const KEY = "k".repeat(40);

const BASE = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
  - { id: netops, name: NetOps, members: [alice], escalationPolicy: default }
escalationPolicies:
  - id: default
    levels:
      - target: { team: csirt }
        after: 5m
`;

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseOncallConfig(text, "oncall.yaml");
  } catch (error) {
    if (error instanceof OncallConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

function lineOf(text: string, fragment: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(fragment));
  if (index < 0) throw new Error(`no line contains ${fragment}`);
  return index + 1;
}

describe("integrations in the on-call configuration", () => {
  it("parses an integration with rules and heartbeats, keeping only the key's digest", () => {
    const config = parseOncallConfig(
      `${BASE}integrations:
  - id: prom
    kind: alertmanager
    team: csirt
    key: ${KEY}
    rules:
      - match: { severity: critical, job: { oneOf: [ids, edr] } }
        set: { severity: 1, class: system-compromise, tlp: red }
        declare: { severity: 2 }
      - match: { instance: { prefix: "router-" } }
        set: { team: netops }
    heartbeats:
      - { id: nightly-backup, every: 1d, grace: 2h }
`,
      "oncall.yaml",
    );
    const [prom] = config.integrations;
    expect(prom).toMatchObject({
      id: "prom",
      kind: "alertmanager",
      team: "csirt",
      tlp: "amber",
      severity: 3,
    });
    expect(prom?.keyDigest).toBe(keyDigest(KEY));
    expect(JSON.stringify(config)).not.toContain(KEY);
    expect(prom?.heartbeats[0]).toMatchObject({ id: "nightly-backup", every: 86_400_000, grace: 7_200_000 });
    expect(prom?.rules[0]?.set).toEqual({ severity: 1, class: "system-compromise", tlp: "red" });
  });

  it("reads the key from a file or from the environment", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tocsin-keys-"));
    const file = path.join(dir, "am.key");
    await writeFile(file, `${"f".repeat(48)}\n`);
    process.env.TOCSIN_TEST_GRAFANA_KEY = "e".repeat(33);
    const config = parseOncallConfig(
      `${BASE}integrations:
  - { id: am, kind: alertmanager, team: csirt, keyFile: ${file} }
  - { id: graf, kind: grafana, team: csirt, keyEnv: TOCSIN_TEST_GRAFANA_KEY }
`,
      "oncall.yaml",
    );
    expect(config.integrations.map((i) => i.keyDigest)).toEqual([
      keyDigest("f".repeat(48)),
      keyDigest("e".repeat(33)),
    ]);
  });

  it("reports every problem with file, line and column", () => {
    const text = `${BASE}integrations:
  - id: prom
    kind: nagios
    team: secops
    key: short
    tlp: beige
    rules:
      - match: { alertname: { regex: "(a+)+$" } }
        set: { severity: 5 }
      - match: { x: y }
        set: { class: not-a-class, team: nobody }
  - id: prom
    kind: generic
    team: csirt
`;
    const problems = problemsOf(text);
    const found = problems.map((p) => [p.path, p.line]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["integrations[0].kind", lineOf(text, "kind: nagios")],
        ["integrations[0].tlp", lineOf(text, "tlp: beige")],
        ["integrations[0].rules[0].match.alertname", lineOf(text, "regex")],
        ["integrations[0].rules[0].set.severity", lineOf(text, "severity: 5")],
        ["integrations[0].rules[1].set.class", lineOf(text, "not-a-class")],
        ["integrations[1]", lineOf(text, "kind: generic") - 1],
      ]),
    );
    for (const problem of problems) expect(problem.column).toBeGreaterThan(0);
    expect(problems.find((p) => p.path === "integrations[1]")?.message).toMatch(/exactly one of keyFile/);
    const regex = problems.find((p) => p.path.endsWith("match.alertname"));
    expect(regex?.message).toMatch(/regular expressions are not offered/);
  });

  it("refuses unknown teams, short keys, duplicate ids and shared keys once the file parses", () => {
    const text = `${BASE}integrations:
  - { id: a, kind: generic, team: csrit, key: ${KEY} }
  - { id: a, kind: generic, team: csirt, key: ${KEY} }
  - id: d
    kind: generic
    team: csirt
    key: ${"d".repeat(32)}
    rules:
      - { match: {}, set: { team: nobody } }
`;
    const problems = problemsOf(text);
    const messages = problems.map((p) => `${p.path} @${p.line}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^integrations\[0\]\.team @\d+: unknown team "csrit"; did you mean "csirt"\?/),
        expect.stringMatching(/^integrations\[1\]\.id @\d+: duplicate integration id "a"/),
        expect.stringMatching(/^integrations\[1\] @\d+: uses the same key as integration "a"/),
        expect.stringMatching(/^integrations\[2\]\.rules\[0\]\.set\.team @\d+: unknown team "nobody"/),
      ]),
    );
    expect(problems.find((p) => p.path === "integrations[0].team")?.line).toBe(lineOf(text, "csrit"));
  });

  it("refuses a key shorter than 32 characters", () => {
    const text = `${BASE}integrations:\n  - { id: c, kind: generic, team: csirt, key: "too short" }\n`;
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ path: "integrations[0].key", line: lineOf(text, "too short") }),
    ]);
  });
});

describe("rules", () => {
  const config = parseOncallConfig(
    `${BASE}integrations:
  - id: prom
    kind: alertmanager
    team: csirt
    key: ${KEY}
    tlp: green
    rules:
      - match: { severity: critical, env: prod }
        set: { severity: 1, summary: "{{ alertname }} on {{instance}}" }
        declare: { severity: 2 }
      - match: { severity: critical }
        set: { severity: 2, tlp: amber+strict }
      - match: { instance: { prefix: "router-" } }
        set: { team: netops, class: ddos }
`,
    "oncall.yaml",
  );
  const prom = config.integrations[0]!;
  const draft = (labels: Record<string, string>) => ({
    action: "trigger" as const,
    dedupKey: "g",
    summary: "original",
    labels,
    links: [],
    details: {},
    occurredAt: new Date(0),
  });

  it("applies the first matching rule only", () => {
    const both = toSignal(
      prom,
      draft({ severity: "critical", env: "prod", alertname: "X", instance: "router-1" }),
    );
    expect(both).toMatchObject({
      severity: 1,
      summary: "X on router-1",
      declare: { severity: 2 },
      tlp: "green",
      teamId: "csirt",
    });
    expect(both.rsitType).toBeUndefined();
    expect(toSignal(prom, draft({ severity: "critical" }))).toMatchObject({
      severity: 2,
      tlp: "amber+strict",
    });
    expect(toSignal(prom, draft({ instance: "router-7" }))).toMatchObject({
      teamId: "netops",
      rsitType: "ddos",
      severity: 3,
    });
    expect(toSignal(prom, draft({ instance: "switch-1" }))).toMatchObject({
      teamId: "csirt",
      tlp: "green",
      summary: "original",
    });
  });

  it("matches own labels only: a label named like an Object method does not match by inheritance", () => {
    const rules = [{ match: { constructor: { kind: "prefix" as const, value: "f" } }, set: { severity: 1 } }];
    expect(firstMatchingRule(rules, {})).toBeUndefined();
    expect(firstMatchingRule(rules, { constructor: "foo" })).toBe(rules[0]);
  });

  it("a sender's TLP can only make the integration's stricter", () => {
    expect(toSignal(prom, { ...draft({}), tlp: "red" }).tlp).toBe("red");
    expect(toSignal(prom, { ...draft({}), tlp: "clear" }).tlp).toBe("green");
  });

  it("matching stays fast on hostile label values (no regex engine involved)", () => {
    const hostile = `${"a".repeat(1024)}!`;
    const started = performance.now();
    for (let i = 0; i < 1000; i++)
      toSignal(prom, draft({ instance: hostile, severity: hostile, env: hostile }));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
