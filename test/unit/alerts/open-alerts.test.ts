// The open alerts a process remembers as it last wrote them (src/alerts/open-alerts.ts) stay
// within their bounds: a count of alerts and a count of group members in all.
import { describe, expect, it } from "vitest";
import { OpenAlertCache, openAlertKey, type RememberedAlert } from "../../../src/alerts/open-alerts.ts";

function alert(dedupKey: string, members = 0, integrationId = "prometheus"): RememberedAlert {
  const at = new Date("2026-11-30T10:00:00Z");
  return {
    id: `id-${dedupKey}`,
    number: 1,
    integrationId,
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

  it("are forgotten fairly per integration: one integration's flood of keys evicts its own, not another's", () => {
    const cache = new OpenAlertCache({ maxEntries: 4 });
    cache.remember(alert("quiet-1", 0, "grafana"));
    cache.remember(alert("quiet-2", 0, "grafana"));
    for (let i = 0; i < 50; i++) cache.remember(alert(`flood-${i}`, 0, "prometheus"));
    expect(cache.get(openAlertKey("grafana", "quiet-1"))).toBeDefined();
    expect(cache.get(openAlertKey("grafana", "quiet-2"))).toBeDefined();
    expect(cache.get(key("flood-49"))).toBeDefined();
    expect(cache.get(key("flood-48"))).toBeDefined();
    expect(cache.get(key("flood-47"))).toBeUndefined();
    expect(cache.size).toBe(4);
    // Shares are even now: grafana's third alert evicts grafana's oldest, not prometheus's.
    cache.remember(alert("quiet-3", 0, "grafana"));
    expect(cache.get(openAlertKey("grafana", "quiet-1"))).toBeUndefined();
    expect(cache.get(openAlertKey("grafana", "quiet-3"))).toBeDefined();
    expect(cache.get(key("flood-48"))).toBeDefined();
    expect(cache.size).toBe(4);
    // A third integration's newcomer is taken from a largest share (of two tied, the first held).
    cache.remember(alert("new", 0, "loki"));
    expect(cache.get(openAlertKey("loki", "new"))).toBeDefined();
    expect(cache.get(openAlertKey("grafana", "quiet-2"))).toBeUndefined();
    expect(cache.get(key("flood-48"))).toBeDefined();
    expect(cache.size).toBe(4);
  });

  it("are forgotten fairly per integration by members too: a flood of large groups evicts its own", () => {
    const cache = new OpenAlertCache({ maxMembers: 10 });
    cache.remember(alert("quiet", 3, "grafana"));
    for (let i = 0; i < 20; i++) cache.remember(alert(`flood-${i}`, 3, "prometheus"));
    expect(cache.get(openAlertKey("grafana", "quiet"))).toBeDefined();
    expect(cache.get(key("flood-19"))).toBeDefined();
    expect(cache.get(key("flood-18"))).toBeDefined();
    expect(cache.get(key("flood-17"))).toBeUndefined();
  });
});
