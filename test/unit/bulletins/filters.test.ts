import { describe, expect, it } from "vitest";
import type { Advisory } from "../../../src/bulletins/advisory.ts";
import { advisoryFilterSchema, filterAdvisories } from "../../../src/bulletins/filters.ts";
import { mergeKnownExploited } from "../../../src/bulletins/kev.ts";
import { madeUpKevEntry, sampleCsafAdvisories, sampleKevAdvisories } from "./fixtures.ts";

const csaf = sampleCsafAdvisories();
const all: Advisory[] = mergeKnownExploited([
  ...Object.values(csaf),
  ...sampleKevAdvisories(),
  madeUpKevEntry({ cveID: "CVE-2018-0171", dateAdded: "2021-11-03", dueDate: "2022-05-03" }),
]);
const idsOf = (advisories: Advisory[]) => advisories.map((a) => a.id);

describe("advisory filters", () => {
  it("passes everything with no criteria", () => {
    expect(filterAdvisories(all, {})).toHaveLength(all.length);
    // 4 CSAF advisories and the 30 KEV entries; the made-up one was joined to Cisco's advisory.
    expect(all).toHaveLength(34);
  });

  it("matches vendor and product keywords case-insensitively at the start of a word", () => {
    // Case-insensitive: Cisco IOS, and Apple iOS from the KEV catalog.
    expect(idsOf(filterAdvisories(all, { keywords: ["ios"] }))).toEqual([
      "cisco-sa-20180328-smi2",
      "CVE-2025-43300",
    ]);
    expect(idsOf(filterAdvisories(all, { keywords: ["IOS XE"] }))).toEqual(["cisco-sa-20180328-smi2"]);
    expect(idsOf(filterAdvisories(all, { keywords: ["TELNET"] }))).toEqual(["RHSA-2022:0011"]);
    // "red hat" is in the publisher, vendor and products of both RHSAs.
    expect(idsOf(filterAdvisories(all, { keywords: ["red hat"] }))).toEqual([
      "RHSA-2021:5186",
      "RHSA-2022:0011",
    ]);
    // KEV vendorProject and product.
    expect(idsOf(filterAdvisories(all, { keywords: ["citrix"] }))).toEqual([
      "CVE-2024-8068",
      "CVE-2024-8069",
      "CVE-2025-5777",
    ]);
    // Any keyword may match.
    expect(filterAdvisories(all, { keywords: ["winrar", "csaf tools"] }).map((a) => a.id)).toEqual([
      "BSI-2022-0001",
      "CVE-2025-8088",
    ]);
  });

  it("does not match a keyword inside a longer word", () => {
    const bios = madeUpKevEntry({
      vendorProject: "Acme",
      product: "BIOS",
      vulnerabilityName: "Acme BIOS flaw",
    });
    expect(filterAdvisories([bios], { keywords: ["ios"] })).toEqual([]);
    expect(filterAdvisories([bios], { keywords: ["bio"] })).toEqual([bios]);
  });

  it("keeps advisories scored at least the minimum CVSS, and drops unscored ones when told to", () => {
    const excluding = { unscored: "exclude" } as const;
    expect(idsOf(filterAdvisories(all, { minCvss: 6.1, ...excluding }))).toEqual([
      "BSI-2022-0001",
      "cisco-sa-20180328-smi2",
    ]);
    expect(idsOf(filterAdvisories(all, { minCvss: 7, ...excluding }))).toEqual(["cisco-sa-20180328-smi2"]);
  });

  it("lets unscored advisories, KEV entries among them, pass a minimum CVSS by default", () => {
    const unscored = all.filter((advisory) => !advisory.cvss);
    // Every KEV entry and both Red Hat advisories (one of them Critical) carry no CVSS score.
    expect(unscored.filter((advisory) => advisory.source === "kev")).toHaveLength(30);
    expect(idsOf(unscored.filter((advisory) => advisory.source === "csaf"))).toEqual([
      "RHSA-2021:5186",
      "RHSA-2022:0011",
    ]);
    for (const minCvss of [0, 7, 10]) {
      const kept = filterAdvisories(all, { minCvss });
      expect(idsOf(kept.filter((advisory) => !advisory.cvss))).toEqual(idsOf(unscored));
    }
    // A scored advisory below the minimum is still dropped.
    expect(idsOf(filterAdvisories(all, { minCvss: 7 }))).not.toContain("BSI-2022-0001");
    expect(idsOf(filterAdvisories(all, { minCvss: 0, unscored: "include" }))).toEqual(idsOf(all));
  });

  it("keeps only known exploited vulnerabilities, including CSAF advisories joined to KEV", () => {
    const exploited = filterAdvisories(all, { kevOnly: true });
    expect(exploited).toHaveLength(31);
    expect(exploited.filter((a) => a.source === "csaf").map((a) => a.id)).toEqual(["cisco-sa-20180328-smi2"]);
  });

  it("keeps advisories at least as severe as the minimum, dropping unrated ones", () => {
    expect(idsOf(filterAdvisories(all, { minSeverity: "high" }))).toEqual([
      "cisco-sa-20180328-smi2",
      "RHSA-2021:5186",
      "RHSA-2022:0011",
    ]);
    expect(idsOf(filterAdvisories(all, { minSeverity: "critical" }))).toEqual([
      "cisco-sa-20180328-smi2",
      "RHSA-2021:5186",
    ]);
  });

  it("keeps advisories published in the period, since inclusive and until exclusive", () => {
    const inAugust = filterAdvisories(all, { since: "2025-08-12", until: new Date("2025-08-25T00:00:00Z") });
    expect(inAugust.map((a) => a.published.toISOString().slice(0, 10))).toEqual([
      "2025-08-21",
      "2025-08-18",
      "2025-08-13",
      "2025-08-13",
      "2025-08-12",
      "2025-08-12",
      "2025-08-12",
    ]);
    expect(
      idsOf(filterAdvisories(all, { since: new Date("2022-01-01T00:00:00Z"), until: "2023-01-01" })),
    ).toEqual(["BSI-2022-0001", "RHSA-2022:0011"]);
  });

  it("drops what a destination is not cleared for, and unlabelled advisories everywhere", () => {
    const amber = { ...csaf.bsi, id: "AMBER-1", tlp: "amber" as const };
    const candidates = [csaf.bsi, csaf.cisco, amber];
    expect(idsOf(filterAdvisories(candidates, { clearance: "clear" }))).toEqual(["BSI-2022-0001"]);
    expect(idsOf(filterAdvisories(candidates, { clearance: "red" }))).toEqual(["BSI-2022-0001", "AMBER-1"]);
  });

  it("combines criteria", () => {
    expect(
      idsOf(
        filterAdvisories(all, {
          keywords: ["cisco", "red hat"],
          minCvss: 9,
          unscored: "exclude",
          kevOnly: true,
        }),
      ),
    ).toEqual(["cisco-sa-20180328-smi2"]);
    // Unscored Cisco KEV entries pass the minimum score unless excluded.
    const withUnscored = filterAdvisories(all, { keywords: ["cisco"], minCvss: 9, kevOnly: true });
    expect(withUnscored.map((advisory) => advisory.source)).toContain("kev");
    expect(withUnscored.every((advisory) => !advisory.cvss || advisory.cvss.baseScore >= 9)).toBe(true);
  });

  it("validates filters written in configuration", () => {
    expect(advisoryFilterSchema.safeParse({ minCvss: 11 }).success).toBe(false);
    expect(advisoryFilterSchema.safeParse({ minSeverity: "important" }).success).toBe(false);
    expect(advisoryFilterSchema.safeParse({ unscored: "drop" }).success).toBe(false);
    expect(advisoryFilterSchema.safeParse({ keywords: [" "] }).success).toBe(false);
    expect(advisoryFilterSchema.parse({ since: "2025-08-01" }).since).toEqual(
      new Date("2025-08-01T00:00:00Z"),
    );
  });
});
