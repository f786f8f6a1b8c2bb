import { describe, expect, it } from "vitest";
import {
  directPlan,
  type EscalationPlan,
  nextStep,
  planFromPolicy,
  stepKey,
} from "../../../src/paging/plan.ts";

const plan: EscalationPlan = {
  policyId: "p",
  levels: [
    { target: { kind: "oncall", teamId: "csirt" }, afterMs: 5 },
    { target: { kind: "person", personId: "lead" }, afterMs: 10 },
  ],
  repeat: 1,
  fallbackTeamId: "csirt",
};

describe("escalation plan", () => {
  it("walks the levels, then repeats, then is exhausted", () => {
    const walked: string[] = [];
    let position = { round: 0, level: 0 };
    for (;;) {
      walked.push(`${position.round}.${position.level}`);
      const next = nextStep(plan, position.round, position.level);
      if (next.kind === "exhausted") break;
      position = next;
    }
    expect(walked).toEqual(["0.0", "0.1", "1.0", "1.1"]);
  });

  it("copies the policy with people as Person ids, and refuses an unlinked person", () => {
    const copied = planFromPolicy(
      {
        id: "p",
        levels: [
          { target: { kind: "person", personId: "amelie" }, afterMs: 60_000 },
          { target: { kind: "team", teamId: "csirt" }, afterMs: 60_000 },
        ],
        repeat: 2,
        fallback: { kind: "teamChannel", teamId: "csirt" },
      },
      (id) => (id === "amelie" ? "uuid-amelie" : undefined),
    );
    expect(copied).toEqual({
      policyId: "p",
      levels: [
        { target: { kind: "person", personId: "uuid-amelie" }, afterMs: 60_000 },
        { target: { kind: "team", teamId: "csirt" }, afterMs: 60_000 },
      ],
      repeat: 2,
      fallbackTeamId: "csirt",
    });
    expect(() =>
      planFromPolicy(
        { id: "p", levels: [{ target: { kind: "person", personId: "x" }, afterMs: 1 }], repeat: 0 },
        () => undefined,
      ),
    ).toThrow(/not linked/);
  });

  it("a direct page repeats three times, five minutes apart, without fallback", () => {
    expect(directPlan("bob")).toEqual({
      policyId: null,
      levels: [{ target: { kind: "person", personId: "bob" }, afterMs: 300_000 }],
      repeat: 2,
      fallbackTeamId: null,
    });
  });

  it("keys every step under page:<number>: so one prefix cancels them all", () => {
    expect(stepKey(12, 1, 2)).toBe("page:12:1:2");
    expect(stepKey(1, 0, 0).startsWith("page:1:")).toBe(true);
    expect(stepKey(12, 0, 0).startsWith("page:1:")).toBe(false);
  });
});
