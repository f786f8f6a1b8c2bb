// Folding signals in memory: the rules of receive without a database.
import { describe, expect, it } from "vitest";
import { foldSignals, MAX_CLAIMED_AGE_MS, MAX_MEMBERS } from "../../../src/alerts/fold.ts";
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

  it("keeps a member whose fingerprint is an Object.prototype name, so its group does not resolve while it fires", () => {
    const firing = foldSignals(
      [],
      [
        s({
          members: [
            { id: "__proto__", status: "firing" },
            { id: "m1", status: "firing" },
          ],
        }),
      ],
      now,
      newId,
    );
    expect(Object.keys(firing.alerts[0]?.members ?? {})).toEqual(["__proto__", "m1"]);
    const oneResolved = foldSignals(
      [],
      [
        s({
          members: [
            { id: "__proto__", status: "firing" },
            { id: "m1", status: "firing" },
          ],
        }),
        s({ members: [{ id: "m1", status: "resolved" }] }),
      ],
      now,
      newId,
    );
    expect(oneResolved.alerts[0]?.status).toBe("firing");
  });

  it("tracks at most MAX_MEMBERS members of a group", () => {
    const members = Array.from({ length: MAX_MEMBERS + 10 }, (_, i) => ({
      id: `m${i}`,
      status: "firing" as const,
    }));
    const folded = foldSignals([], [s({ members })], now, newId);
    expect(Object.keys(folded.alerts[0]?.members ?? {})).toHaveLength(MAX_MEMBERS);
  });

  it("reports members unchanged when a signal repeats what is stored, and leaves content it did not replace", () => {
    const stored = {
      id: "a1",
      number: 1,
      integrationId: "am",
      dedupKey: "k",
      openKey: "k",
      status: "firing" as const,
      summary: "x",
      source: null,
      severity: 3,
      tlp: "amber",
      rsitType: null,
      teamId: null,
      signalCount: 1,
      firstSignalAt: now,
      lastSignalAt: now,
      ackedAt: null,
      resolvedAt: null,
      incidentId: null,
      members: { m1: "firing" as const, m2: "firing" as const },
    };
    const repeat = foldSignals([stored], [s({ members: [{ id: "m1", status: "firing" }] })], now, newId);
    expect(repeat.alerts[0]).toMatchObject({ membersChanged: false, signalCount: 2 });
    expect(repeat.alerts[0]?.members).toBe(stored.members);
    const ack = foldSignals([stored], [s({ action: "acknowledge" })], now, newId);
    expect(ack.alerts[0]).toMatchObject({ status: "acked", membersChanged: false });
    expect(ack.alerts[0]?.labels).toBeUndefined();
    expect(ack.alerts[0]?.details).toBeUndefined();
    const changed = foldSignals([stored], [s({ members: [{ id: "m2", status: "resolved" }] })], now, newId);
    expect(changed.alerts[0]).toMatchObject({
      membersChanged: true,
      members: { m1: "firing", m2: "resolved" },
      labels: {},
    });
    expect(stored.members).toEqual({ m1: "firing", m2: "firing" });
  });
});

describe("the sender's claimed start", () => {
  const startOf = (occurredAt: Date) =>
    foldSignals([], [s({ dedupKey: occurredAt.toISOString(), occurredAt })], now, newId).alerts[0]
      ?.firstSignalAt;

  it("is kept when it lies between the bound and the receipt", () => {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    expect(startOf(hourAgo)).toEqual(hourAgo);
    expect(startOf(now)).toEqual(now);
  });

  it("is never after the receipt: a claim from the future is the time of receipt", () => {
    expect(startOf(new Date("2099-01-01T00:00:00Z"))).toEqual(now);
    expect(startOf(new Date(now.getTime() + 1000))).toEqual(now);
  });

  it("is never further back than MAX_CLAIMED_AGE_MS", () => {
    expect(startOf(new Date("1971-01-02T00:00:00Z"))).toEqual(new Date(now.getTime() - MAX_CLAIMED_AGE_MS));
  });

  it("leaves what orders and windows alerts at the time of receipt", () => {
    const [alert] = foldSignals([], [s({ occurredAt: new Date("2099-01-01T00:00:00Z") })], now, newId).alerts;
    expect(alert?.lastSignalAt).toEqual(now);
  });
});
