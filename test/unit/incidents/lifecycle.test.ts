import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.ts";
import {
  allowedNext,
  assertTransition,
  canTransition,
  formatSeverity,
  parseSeverity,
  STATUSES,
  type Status,
} from "../../../src/incidents/lifecycle.ts";

// The full transition table, written out independently of the implementation: every pair not
// listed here must be refused.
const ALLOWED: Record<Status, Status[]> = {
  triage: ["investigating", "contained", "closed", "declined", "merged"],
  investigating: ["contained", "eradicated", "recovered", "closed", "declined", "merged"],
  contained: ["investigating", "eradicated", "recovered", "closed", "merged"],
  eradicated: ["contained", "recovered", "closed"],
  recovered: ["investigating", "closed"],
  closed: ["investigating"],
  declined: ["triage"],
  merged: [],
};

describe("incident state machine", () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const allowed = ALLOWED[from].includes(to);
      it(`${allowed ? "allows" : "refuses"} ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
        if (allowed) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(UserError);
      });
    }
  }

  it("explains the allowed next steps when refusing", () => {
    expect(() => assertTransition("triage", "recovered")).toThrow(
      "Can't move an incident from triage to recovered. From triage it can go to: investigating, contained, closed, declined, merged.",
    );
  });

  it("says a merged incident is final", () => {
    expect(() => assertTransition("merged", "triage")).toThrow(/merged is final/);
    expect(allowedNext("merged")).toEqual([]);
  });
});

describe("severity", () => {
  it("parses numbers, SEV prefixes and names", () => {
    expect(parseSeverity("1")).toBe(1);
    expect(parseSeverity("SEV2")).toBe(2);
    expect(parseSeverity("medium")).toBe(3);
    expect(parseSeverity("Low")).toBe(4);
  });

  it("rejects anything else", () => {
    for (const bad of ["0", "5", "1.5", "", "urgent", "-1"]) expect(parseSeverity(bad)).toBeUndefined();
  });

  it("formats with the name", () => {
    expect(formatSeverity(1)).toBe("SEV1 (critical)");
  });
});
