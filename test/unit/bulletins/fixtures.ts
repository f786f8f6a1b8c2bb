// Advisories normalised from the real samples, plus made-up KEV entries where a test needs a
// CSAF advisory's CVE to be catalogued (the 30-entry KEV sample shares no CVE with them).
import type { Advisory } from "../../../src/bulletins/advisory.ts";
import { parseCsaf } from "../../../src/bulletins/csaf.ts";
import { type KevEntry, normaliseKevEntry, parseKevCatalog } from "../../../src/bulletins/kev.ts";
import { CSAF_SAMPLES, KEV_SAMPLE, readJson } from "./samples.ts";

export function sampleCsafAdvisories(): Record<keyof typeof CSAF_SAMPLES, Advisory> {
  const parse = (file: string) => {
    const result = parseCsaf(readJson(file));
    if (!result.ok) throw new Error(result.reason);
    return result.advisory;
  };
  return {
    bsi: parse(CSAF_SAMPLES.bsi),
    cisco: parse(CSAF_SAMPLES.cisco),
    rhsa5186: parse(CSAF_SAMPLES.rhsa5186),
    rhsa0011: parse(CSAF_SAMPLES.rhsa0011),
  };
}

export function sampleKevAdvisories(): Advisory[] {
  const result = parseKevCatalog(readJson(KEV_SAMPLE));
  if (!result.ok) throw new Error(result.reason);
  return result.advisories;
}

export function madeUpKevEntry(overrides: Partial<KevEntry>): Advisory {
  return normaliseKevEntry({
    cveID: "CVE-2000-0001",
    vendorProject: "Vendor",
    product: "Product",
    vulnerabilityName: "Made-up vulnerability",
    dateAdded: "2025-08-01",
    shortDescription: "made up for a test",
    requiredAction: "Apply updates per vendor instructions.",
    dueDate: "2025-08-22",
    knownRansomwareCampaignUse: "Unknown",
    ...overrides,
  });
}
