// Phase durations of the post-incident report, read from the status changes on the timeline.
import { describe, expect, it } from "vitest";
import { phaseHistory, type StatusEntry } from "../../../src/incidents/report.ts";

const declared = new Date("2026-03-10T09:00:00Z");
const at = (minutes: number) => new Date(declared.getTime() + minutes * 60_000);
const change = (minutes: number, text: string): StatusEntry => ({ at: at(minutes), kind: "status", text });

describe("phaseHistory", () => {
  it("runs the last open phase to now and has no end while open", () => {
    const history = phaseHistory(declared, [change(5, "status triage → investigating: confirmed")], at(65));
    expect(history.endedAt).toBeUndefined();
    expect(history.phases.map((p) => [p.phase, p.ms / 60_000, p.to])).toEqual([
      ["Triage", 5, at(5)],
      ["Investigating", 60, undefined],
    ]);
  });

  it("orders changes made in the same millisecond by their chain, and ends at the last close", () => {
    // Stored order (and equal times) must not matter: closed → investigating follows → closed.
    const entries = [
      change(30, "status investigating → closed: done again"),
      change(10, "status investigating → closed: done"),
      change(30, "status closed → investigating: reopened"),
      change(0, "status triage → investigating"),
      { at: at(20), kind: "note", text: "status triage → closed is not a status change" },
    ];
    const history = phaseHistory(declared, entries, at(100));
    expect(history.endedAt).toEqual(at(30));
    expect(history.phases.map((p) => [p.phase, p.from, p.to])).toEqual([
      ["Triage", at(0), at(0)],
      ["Investigating", at(0), at(10)],
      ["Closed", at(10), at(30)],
      ["Investigating", at(30), at(30)],
    ]);
    for (const phase of history.phases) expect(phase.ms).toBeGreaterThanOrEqual(0);
  });

  it("a declined incident put back to triage counts its triage again", () => {
    const history = phaseHistory(
      declared,
      [change(5, "status triage → declined: not ours"), change(65, "status declined → triage: reopened")],
      at(70),
    );
    expect(history.phases.map((p) => p.phase)).toEqual(["Triage", "Declined", "Triage"]);
    expect(history.endedAt).toBeUndefined();
  });
});
