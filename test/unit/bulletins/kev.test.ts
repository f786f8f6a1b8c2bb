import { describe, expect, it } from "vitest";
import type { Advisory } from "../../../src/bulletins/advisory.ts";
import { parseCsaf } from "../../../src/bulletins/csaf.ts";
import { mergeKnownExploited, parseKevCatalog } from "../../../src/bulletins/kev.ts";
import { madeUpKevEntry } from "./fixtures.ts";
import { CSAF_SAMPLES, KEV_SAMPLE, readJson, sampleCopy } from "./samples.ts";

function loadSample() {
  const result = parseKevCatalog(readJson(KEV_SAMPLE));
  if (!result.ok) throw new Error(result.reason);
  return result;
}

function csafAdvisory(file: string): Advisory {
  const result = parseCsaf(readJson(file));
  if (!result.ok) throw new Error(result.reason);
  return result.advisory;
}

describe("the KEV catalog sample (first 30 entries of 2025.08.25)", () => {
  it("reads all 30 entries although the header still counts 1404", () => {
    const catalog = loadSample();
    expect((readJson(KEV_SAMPLE) as { count: number }).count).toBe(1404);
    expect(catalog.catalogVersion).toBe("2025.08.25");
    expect(catalog.advisories).toHaveLength(30);
    expect(catalog.invalidEntries).toEqual([]);
  });

  it("normalises the newest entry, CVE-2025-48384 in Git", () => {
    const [first] = loadSample().advisories;
    expect(first).toMatchObject({
      source: "kev",
      id: "CVE-2025-48384",
      title: "Git Link Following Vulnerability",
      publisher: "CISA",
      cves: ["CVE-2025-48384"],
      vendors: ["Git"],
      products: ["Git"],
      link: "https://nvd.nist.gov/vuln/detail/CVE-2025-48384",
      tlp: "clear",
      knownExploited: { dateAdded: "2025-08-25", dueDate: "2025-09-15", ransomwareUse: "unknown" },
    });
    expect(first?.published.toISOString()).toBe("2025-08-25T00:00:00.000Z");
    expect(first?.cvss).toBeUndefined();
    expect(first?.severity).toBeUndefined();
  });

  it("keeps the late addition of an old CVE (CVE-2014-3931, added 2025-07-07) last", () => {
    const last = loadSample().advisories.at(-1);
    expect(last?.id).toBe("CVE-2014-3931");
    expect(last?.knownExploited?.dateAdded).toBe("2025-07-07");
  });

  it("marks the four entries known to be used by ransomware, and prefixes products with the vendor", () => {
    const advisories = loadSample().advisories;
    expect(advisories.filter((a) => a.knownExploited?.ransomwareUse === "known")).toHaveLength(4);
    expect(advisories.find((a) => a.id === "CVE-2024-8068")?.products).toEqual(["Citrix Session Recording"]);
  });

  it("skips one malformed entry and keeps the rest of the catalog", () => {
    const catalog = sampleCopy(KEV_SAMPLE);
    catalog.vulnerabilities[2].dueDate = "soon";
    delete catalog.vulnerabilities[5].vulnerabilityName;
    const result = parseKevCatalog(catalog);
    if (!result.ok) throw new Error(result.reason);
    expect(result.advisories).toHaveLength(28);
    expect(result.invalidEntries).toEqual([
      { index: 2, cve: catalog.vulnerabilities[2].cveID, reason: expect.stringContaining("dueDate") },
      {
        index: 5,
        cve: catalog.vulnerabilities[5].cveID,
        reason: expect.stringContaining("vulnerabilityName"),
      },
    ]);
  });

  it("rejects a document without the catalog header", () => {
    const catalog = sampleCopy(KEV_SAMPLE);
    delete catalog.dateReleased;
    const result = parseKevCatalog(catalog);
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^not a valid KEV catalog: dateReleased/),
    });
  });
});

describe("joining KEV entries to CSAF advisories by CVE", () => {
  it("gives the CSAF advisory the due date and drops the KEV entry it covers", () => {
    const cisco = csafAdvisory(CSAF_SAMPLES.cisco);
    const catalogued = madeUpKevEntry({
      cveID: "CVE-2018-0171",
      dateAdded: "2021-11-03",
      dueDate: "2022-05-03",
    });
    const unrelated = madeUpKevEntry({ cveID: "CVE-2025-48384" });
    const merged = mergeKnownExploited([catalogued, cisco, unrelated]);
    expect(merged.map((a) => a.id)).toEqual(["cisco-sa-20180328-smi2", "CVE-2025-48384"]);
    expect(merged[0]?.knownExploited).toEqual({
      dateAdded: "2021-11-03",
      dueDate: "2022-05-03",
      ransomwareUse: "unknown",
    });
  });

  it("takes the earliest due date and any ransomware use when several CVEs are catalogued", () => {
    const rhsa = csafAdvisory(CSAF_SAMPLES.rhsa5186);
    const merged = mergeKnownExploited([
      rhsa,
      madeUpKevEntry({ cveID: "CVE-2021-4104", dateAdded: "2025-01-10", dueDate: "2025-01-31" }),
      madeUpKevEntry({
        cveID: "CVE-2021-4125",
        dateAdded: "2025-01-03",
        dueDate: "2025-02-07",
        knownRansomwareCampaignUse: "Known",
      }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.knownExploited).toEqual({
      dateAdded: "2025-01-03",
      dueDate: "2025-01-31",
      ransomwareUse: "known",
    });
  });

  it("is idempotent and leaves advisories without catalogued CVEs alone", () => {
    const bsi = csafAdvisory(CSAF_SAMPLES.bsi);
    const once = mergeKnownExploited([
      bsi,
      madeUpKevEntry({ cveID: "CVE-2018-0171" }),
      csafAdvisory(CSAF_SAMPLES.cisco),
    ]);
    expect(mergeKnownExploited(once)).toEqual(once);
    expect(once[0]).toBe(bsi);
  });
});
