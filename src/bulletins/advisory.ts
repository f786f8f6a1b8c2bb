// The normalised advisory: what every source (CSAF documents, the CISA KEV catalog) is turned
// into, so that filters, digests and the "seen" bookkeeping never look at a source's format.
import { z } from "zod";
import { TLP_LABELS } from "../incidents/tlp.ts";
import { lazySchema } from "../lazy-schema.ts";

/** Most severe first; the order digests are grouped in. Unknown severity is `undefined`. */
export const SEVERITIES = ["critical", "high", "medium", "low", "none"] as const;
export const severitySchema = lazySchema(() => z.enum(SEVERITIES));
export type Severity = z.infer<ReturnType<typeof severitySchema>>;

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** A calendar date as the KEV catalog writes it (`2025-09-15`): no time, no zone. */
const calendarDateSchema = lazySchema(() => z.iso.date());

export const knownExploitedSchema = lazySchema(() =>
  z.object({
    /** Earliest date one of the advisory's CVEs was added to the KEV catalog. */
    dateAdded: calendarDateSchema(),
    /** Earliest remediation due date (US federal agencies' deadline, a useful yardstick for all). */
    dueDate: calendarDateSchema(),
    ransomwareUse: z.enum(["known", "unknown"]),
  }),
);
export type KnownExploited = z.infer<ReturnType<typeof knownExploitedSchema>>;

export const cvssSchema = lazySchema(() =>
  z.object({
    /** Computed from the vector when it is a complete CVSS vector, else as the publisher stated it. */
    baseScore: z.number().min(0).max(10),
    version: z.string(),
    vectorString: z.string().optional(),
    /** The publisher's stated base score, set only when it contradicts the vector's. */
    statedBaseScore: z.number().min(0).max(10).optional(),
  }),
);
export type CvssSummary = z.infer<ReturnType<typeof cvssSchema>>;

export const advisorySchema = lazySchema(() =>
  z.object({
    source: z.enum(["csaf", "kev"]),
    /** CSAF `tracking.id` or the KEV entry's CVE id; unique within a source. */
    id: z.string().min(1),
    title: z.string(),
    publisher: z.string(),
    /** First publication (CSAF initial_release_date, KEV dateAdded). */
    published: z.date(),
    /** Latest revision (CSAF current_release_date). */
    updated: z.date(),
    cves: z.array(z.string()),
    /** The highest base score over the advisory's vulnerabilities, when any was scored. */
    cvss: cvssSchema().optional(),
    /** Undefined when neither the publisher nor a score says how severe it is. */
    severity: severitySchema().optional(),
    vendors: z.array(z.string()),
    /** Short product names (product lines, not every version), at most MAX_LISTED_PRODUCTS. */
    products: z.array(z.string()),
    /** How many further product names were left out of `products`. */
    moreProducts: z.number().int().min(0),
    link: z.string().optional(),
    /**
     * TLP 2.0 label. Undefined means the publisher did not label it, and an unlabelled advisory is
     * treated as not shareable until someone labels it (TLP 2.0's reading of unlabelled content).
     */
    tlp: z.enum(TLP_LABELS).optional(),
    /** Set when one of its CVEs is in the KEV catalog (always for KEV entries themselves). */
    knownExploited: knownExploitedSchema().optional(),
  }),
);
export type Advisory = z.infer<ReturnType<typeof advisorySchema>>;

export const MAX_LISTED_PRODUCTS = 25;

/** Keeps the first occurrence of each name, then caps the list at MAX_LISTED_PRODUCTS. */
export function capProductList(names: Iterable<string>): Pick<Advisory, "products" | "moreProducts"> {
  const distinct = [...new Set(names)];
  return {
    products: distinct.slice(0, MAX_LISTED_PRODUCTS),
    moreProducts: Math.max(0, distinct.length - MAX_LISTED_PRODUCTS),
  };
}

/**
 * Maps the free-text severities publishers use (CSAF aggregate_severity, Red Hat's threat
 * impacts, CVSS baseSeverity, German CERT wording) onto one scale.
 */
export function severityFromText(text: string | undefined): Severity | undefined {
  switch (text?.trim().toLowerCase()) {
    case "critical":
    case "kritisch":
      return "critical";
    case "high":
    case "important":
    case "hoch":
      return "high";
    case "medium":
    case "moderate":
    case "mittel":
      return "medium";
    case "low":
    case "niedrig":
      return "low";
    case "none":
    case "keine":
      return "none";
    default:
      return undefined;
  }
}

/** The CVSS v3 qualitative rating scale; v2 has no "critical" band. */
export function severityFromCvss(cvss: CvssSummary): Severity {
  const score = cvss.baseScore;
  const isV2 = cvss.version.startsWith("2");
  if (score === 0) return "none";
  if (score < 4) return "low";
  if (score < 7) return "medium";
  if (score < 9 || isV2) return "high";
  return "critical";
}

export function mostSevere(severities: Iterable<Severity | undefined>): Severity | undefined {
  let worst: Severity | undefined;
  for (const severity of severities) {
    if (severity && (!worst || severityRank(severity) > severityRank(worst))) worst = severity;
  }
  return worst;
}
