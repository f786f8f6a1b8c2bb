// ATTACK: a rule's `set.tlp` replaced the label the sender put on its alert. A SIEM marking one
// finding TLP:RED (generic endpoint, `tlp: red`) had it shown as TLP:GREEN when an integration
// rule matching its labels said `tlp: green`: a recipient declassified the originator's label.
// The sender's label may only make the outcome stricter, whatever set the rest.
import { describe, expect, it } from "vitest";
import { toSignal } from "../../src/alerts/intake/draft.ts";
import { parseOncallConfig } from "../../src/oncall/config.ts";

const config = parseOncallConfig(
  `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
escalationPolicies:
  - id: default
    levels:
      - target: { team: csirt }
        after: 5m
integrations:
  - id: siem
    kind: generic
    team: csirt
    key: ${"k".repeat(40)}
    tlp: amber
    rules:
      - match: { service: web }
        set: { tlp: green }
`,
  "oncall.yaml",
);
const siem = config.integrations[0]!;
const draft = {
  action: "trigger" as const,
  dedupKey: "g",
  summary: "Exfiltration by a named employee",
  labels: { service: "web" },
  links: [],
  details: {},
  occurredAt: new Date(0),
};

describe("a rule's TLP and the sender's", () => {
  it("the sender's TLP:RED survives a rule that sets TLP:GREEN", () => {
    expect(toSignal(siem, { ...draft, tlp: "red" }).tlp).toBe("red");
  });
  it("the rule still sets the label when the sender gives none or a weaker one", () => {
    expect(toSignal(siem, draft).tlp).toBe("green");
    expect(toSignal(siem, { ...draft, tlp: "clear" }).tlp).toBe("green");
  });
});
