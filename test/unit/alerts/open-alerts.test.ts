// The open alerts a process remembers as it last wrote them (src/alerts/open-alerts.ts) stay
// within their bounds: a count of alerts and a count of group members in all.
import { describe, expect, it } from "vitest";
import { OpenAlertCache, openAlertKey, type RememberedAlert } from "../../../src/alerts/open-alerts.ts";

function alert(dedupKey: string, members = 0): RememberedAlert {
  const at = new Date("2026-11-30T10:00:00Z");
  return {
    id: `id-${dedupKey}`,
    number: 1,
    integrationId: "prometheus",
    dedupKey,
    openKey: dedupKey,
    status: "firing",
    summary: "s",
    source: null,
    severity: 2,
    tlp: "amber",
    rsitType: null,
    teamId: null,
    signalCount: 1,
    firstSignalAt: at,
    lastSignalAt: at,
    ackedAt: null,
    resolvedAt: null,
    incidentId: null,
    members: Object.fromEntries(Array.from({ length: members }, (_, i) => [`m${i}`, "firing" as const])),
    version: "1",
  };
}
const key = (dedupKey: string) => openAlertKey("prometheus", dedupKey);

describe("the remembered open alerts", () => {
  it("forget the least recently written past their count", () => {
    const cache = new OpenAlertCache({ maxEntries: 2 });
    cache.remember(alert("a"));
    cache.remember(alert("b"));
    cache.remember({ ...alert("a"), version: "2" });
    cache.remember(alert("c"));
    expect(cache.get(key("b"))).toBeUndefined();
    expect(cache.get(key("a"))?.version).toBe("2");
    expect(cache.get(key("c"))).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it("forget the least recently written past their members, and never keep a group larger than all", () => {
    const cache = new OpenAlertCache({ maxMembers: 10 });
    cache.remember(alert("a", 6));
    cache.remember(alert("b", 4));
    cache.remember(alert("c", 1));
    expect([cache.get(key("a")), cache.get(key("b")), cache.get(key("c"))].map(Boolean)).toEqual([
      false,
      true,
      true,
    ]);
    cache.remember(alert("huge", 11));
    expect(cache.get(key("huge"))).toBeUndefined();
    cache.forget(key("b"));
    cache.remember(alert("d", 9));
    expect([cache.get(key("c")), cache.get(key("d"))].map(Boolean)).toEqual([true, true]);
  });
});
