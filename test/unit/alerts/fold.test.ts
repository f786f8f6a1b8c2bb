// Folding signals in memory: the rules of receive without a database.
import { describe, expect, it } from "vitest";
import { foldSignals, MAX_MEMBERS } from "../../../src/alerts/fold.ts";
import type { AlertSignal } from "../../../src/alerts/signal.ts";

const now = new Date("2026-03-10T09:00:00Z");
let n = 0;
const newId = () => `id-${++n}`;

function s(overrides: Partial<AlertSignal> = {}): AlertSignal {
  return {
    integrationId: "am",
    action: "trigger",
    dedupKey: "k",
    summary: "x",
    severity: 3,
    tlp: "amber",
    labels: {},
    links: [],
    details: {},
    occurredAt: now,
    ...overrides,
  };
}

describe("folding signals", () => {
  it("makes one alert of a storm, counting every signal", () => {
    const folded = foldSignals(
      [],
      Array.from({ length: 1000 }, (_, i) => s({ summary: `x${i}` })),
      now,
      newId,
    );
    expect(folded.alerts).toHaveLength(1);
    expect(folded.alerts[0]).toMatchObject({
      signalCount: 1000,
      summary: "x999",
      status: "firing",
      openKey: "k",
    });
  });

  it("resolves, frees the key, and opens a new alert for a later trigger of the same key", () => {
    const folded = foldSignals([], [s(), s({ action: "resolve" }), s({ summary: "again" })], now, newId);
    expect(folded.alerts.map((a) => [a.status, a.openKey, a.summary])).toEqual([
      ["resolved", null, "x"],
      ["firing", "k", "again"],
    ]);
  });

  it("ignores acknowledge and resolve for keys with no open alert; keeps the first team and declare", () => {
    const folded = foldSignals(
      [],
      [
        s({ dedupKey: "nope", action: "acknowledge" }),
        s({ teamId: "csirt", declare: { severity: 2 } }),
        s({ teamId: "soc", declare: { severity: 1 } }),
        s({ action: "acknowledge" }),
      ],
      now,
      newId,
    );
    expect(folded.ignored).toBe(1);
    expect(folded.alerts[0]).toMatchObject({ teamId: "csirt", declare: 2, status: "acked" });
  });

  it("tracks at most MAX_MEMBERS members of a group", () => {
    const members = Array.from({ length: MAX_MEMBERS + 10 }, (_, i) => ({
      id: `m${i}`,
      status: "firing" as const,
    }));
    const folded = foldSignals([], [s({ members })], now, newId);
    expect(Object.keys(folded.alerts[0]?.members ?? {})).toHaveLength(MAX_MEMBERS);
  });
});
