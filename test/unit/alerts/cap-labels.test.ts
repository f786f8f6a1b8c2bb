// capLabels (src/alerts/intake/draft.ts) in one pass gives what the filter/map/sort/slice chain
// it replaced gave: string values only, names cut, sorted by name, the first MAX_LABELS; and,
// since 2026-12-01, no name that is an array index (V8 sizes such keys' store by the index).
import { describe, expect, it } from "vitest";
import {
  capLabels,
  cut,
  isArrayIndex,
  MAX_LABEL_NAME,
  MAX_LABELS,
} from "../../../src/alerts/intake/draft.ts";
import { MAX_LABEL_VALUE } from "../../../src/alerts/integrations.ts";

/** The chain as it was. */
function chained(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === "string" && entry[0] !== "" && !isArrayIndex(entry[0]),
      )
      .map(([name, v]): [string, string] => [cut(name, MAX_LABEL_NAME), cut(v, MAX_LABEL_VALUE)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, MAX_LABELS),
  );
}

describe("capLabels", () => {
  it("keeps sorted string labels, drops other values and empty names", () => {
    const labels = { alertname: "DiskFull", "": "x", instance: "host:9100", n: 3, severity: "critical" };
    expect(capLabels(labels)).toEqual({ alertname: "DiskFull", instance: "host:9100", severity: "critical" });
    expect(Object.keys(capLabels(labels))).toEqual(["alertname", "instance", "severity"]);
  });

  it("sorts unsorted names, cuts long ones (the later of two equal cut names wins) and keeps the first 64", () => {
    const long = "n".repeat(MAX_LABEL_NAME + 5);
    const labels: Record<string, unknown> = {
      zeta: "1",
      [`${long}a`]: "first",
      alpha: "2",
      [`${long}b`]: "second",
      "10": "int",
    };
    for (let i = 0; i < 80; i++) labels[`k${String(80 - i).padStart(3, "0")}`] = `v${i}`;
    const capped = capLabels(labels);
    expect(capped).toEqual(chained(labels));
    expect(Object.keys(capped)).toHaveLength(MAX_LABELS);
    expect(Object.keys(capped)).toEqual(Object.keys(capped).toSorted());
    expect(Object.hasOwn(capped, "10")).toBe(false);
  });

  it("is empty for anything but an object", () => {
    expect([capLabels(null), capLabels("a"), capLabels(["a"]), capLabels(undefined)]).toEqual([
      {},
      {},
      {},
      {},
    ]);
  });
});
