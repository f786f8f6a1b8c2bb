// The CISA Known Exploited Vulnerabilities catalog
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog, schema in cisagov/kev-data):
// its entries become advisories of their own, and their due dates are joined to CSAF
// advisories that fix the same CVEs.
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";
import type { Advisory, KnownExploited } from "./advisory.ts";
import { describeIssues } from "./documents.ts";
import { rfc3339Schema } from "./rfc3339.ts";

export const kevEntrySchema = lazySchema(() =>
  z.looseObject({
    cveID: z.string().regex(/^CVE-[0-9]{4}-[0-9]{4,19}$/),
    vendorProject: z.string(),
    product: z.string(),
    vulnerabilityName: z.string(),
    dateAdded: z.iso.date(),
    shortDescription: z.string(),
    requiredAction: z.string(),
    dueDate: z.iso.date(),
    knownRansomwareCampaignUse: z.string().optional(),
    notes: z.string().optional(),
    cwes: z.array(z.string()).optional(),
  }),
);
export type KevEntry = z.infer<ReturnType<typeof kevEntrySchema>>;

export const kevCatalogSchema = lazySchema(() =>
  z.looseObject({
    title: z.string().optional(),
    catalogVersion: z.string(),
    dateReleased: rfc3339Schema,
    // The total in the published catalog; a cut-down copy keeps the header, so it is not checked
    // against the array length.
    count: z.number().int().min(0),
    vulnerabilities: z.array(kevEntrySchema()),
  }),
);
export type KevCatalog = z.infer<ReturnType<typeof kevCatalogSchema>>;

// Entries are validated one by one so that one bad entry costs that entry, not the catalog.
const kevCatalogHeaderSchema = kevCatalogSchema().extend({ vulnerabilities: z.array(z.unknown()) });

export const KEV_PUBLISHER = "CISA";

/** CISA publishes the catalog openly (CC0), so its entries are TLP:CLEAR. */
export function normaliseKevEntry(entry: KevEntry): Advisory {
  const added = new Date(`${entry.dateAdded}T00:00:00Z`);
  const sameName = entry.product.toLowerCase().startsWith(entry.vendorProject.toLowerCase());
  return {
    source: "kev",
    id: entry.cveID,
    title: entry.vulnerabilityName,
    publisher: KEV_PUBLISHER,
    published: added,
    updated: added,
    cves: [entry.cveID],
    vendors: [entry.vendorProject],
    products: [sameName ? entry.product : `${entry.vendorProject} ${entry.product}`],
    moreProducts: 0,
    link: `https://nvd.nist.gov/vuln/detail/${entry.cveID}`,
    tlp: "clear",
    knownExploited: {
      dateAdded: entry.dateAdded,
      dueDate: entry.dueDate,
      ransomwareUse: entry.knownRansomwareCampaignUse?.trim().toLowerCase() === "known" ? "known" : "unknown",
    },
  };
}

export interface KevParseResult {
  ok: true;
  catalogVersion: string;
  advisories: Advisory[];
  /** Entries that failed validation: their position in the array and why. */
  invalidEntries: Array<{ index: number; cve?: string; reason: string }>;
}

export function parseKevCatalog(json: unknown): KevParseResult | { ok: false; reason: string } {
  const header = kevCatalogHeaderSchema.safeParse(json);
  if (!header.success) {
    return { ok: false, reason: `not a valid KEV catalog: ${describeIssues(header.error)}` };
  }
  const advisories: Advisory[] = [];
  const invalidEntries: KevParseResult["invalidEntries"] = [];
  header.data.vulnerabilities.forEach((raw, index) => {
    const entry = kevEntrySchema().safeParse(raw);
    if (entry.success) {
      advisories.push(normaliseKevEntry(entry.data));
    } else {
      const cve = typeof raw === "object" && raw !== null && "cveID" in raw ? String(raw.cveID) : undefined;
      invalidEntries.push({ index, cve, reason: describeIssues(entry.error) });
    }
  });
  return { ok: true, catalogVersion: header.data.catalogVersion, advisories, invalidEntries };
}

/**
 * Joins KEV knowledge to the CSAF advisories by CVE: each CSAF advisory with a catalogued CVE
 * gets the earliest due date, and the KEV entries it covers are dropped so the same
 * vulnerability is not listed twice. Idempotent; order of the rest is kept.
 */
export function mergeKnownExploited(advisories: readonly Advisory[]): Advisory[] {
  const kevByCve = new Map<string, KnownExploited>();
  for (const advisory of advisories) {
    if (advisory.source === "kev" && advisory.knownExploited) {
      for (const cve of advisory.cves) kevByCve.set(cve, advisory.knownExploited);
    }
  }
  const covered = new Set<string>();
  const merged: Advisory[] = [];
  for (const advisory of advisories) {
    if (advisory.source === "kev") {
      merged.push(advisory);
      continue;
    }
    const matches = advisory.cves.flatMap((cve) => {
      const known = kevByCve.get(cve);
      if (!known) return [];
      covered.add(cve);
      return [known];
    });
    const knownExploited = combineKnownExploited([
      ...(advisory.knownExploited ? [advisory.knownExploited] : []),
      ...matches,
    ]);
    merged.push(knownExploited ? { ...advisory, knownExploited } : advisory);
  }
  return merged.filter(
    (advisory) => advisory.source !== "kev" || !advisory.cves.every((cve) => covered.has(cve)),
  );
}

function combineKnownExploited(entries: KnownExploited[]): KnownExploited | undefined {
  if (entries.length === 0) return undefined;
  // YYYY-MM-DD strings sort like the dates they name.
  const earliest = (dates: string[]) => dates.toSorted()[0] as string;
  return {
    dateAdded: earliest(entries.map((entry) => entry.dateAdded)),
    dueDate: earliest(entries.map((entry) => entry.dueDate)),
    ransomwareUse: entries.some((entry) => entry.ransomwareUse === "known") ? "known" : "unknown",
  };
}
