// Which advisories a subscription wants: pure predicates over normalised advisories, described
// by a zod schema so subscriptions in the YAML configuration are validated by the same rules.
import { z } from "zod";
import { TLP_LABELS, tlpAllows } from "../incidents/tlp.ts";
import { type Advisory, severityRank, severitySchema } from "./advisory.ts";

export const advisoryFilterSchema = z.object({
  /**
   * Vendor or product words; an advisory passes when any of them starts a word in its title,
   * vendors, products or publisher (case-insensitive). "ios" matches "Cisco IOS XE", not "BIOS".
   */
  keywords: z.array(z.string().trim().min(1)).default([]),
  /**
   * Advisories scored below this are dropped. Advisories without any CVSS score (every KEV entry,
   * many vendor advisories that rate severity in words) pass, unless `unscored` is `exclude`:
   * a missing score says nothing about how bad an advisory is, and actively exploited
   * vulnerabilities must not vanish from a digest because nobody scored them.
   */
  minCvss: z.number().min(0).max(10).optional(),
  /** Whether advisories without a CVSS score pass `minCvss` (`include`, the default) or not. */
  unscored: z.enum(["include", "exclude"]).default("include"),
  /** Only advisories with a CVE in the KEV catalog (merge KEV entries in first). */
  kevOnly: z.boolean().default(false),
  /** Advisories whose severity is unknown do not pass a minimum severity. */
  minSeverity: severitySchema().optional(),
  /** Published at or after this instant. */
  since: z.coerce.date().optional(),
  /** Published before this instant. */
  until: z.coerce.date().optional(),
  /**
   * The destination's TLP clearance: advisories labelled above it are dropped, and so are
   * unlabelled ones, which are not shareable until someone labels them.
   */
  clearance: z.enum(TLP_LABELS).optional(),
});
export type AdvisoryFilter = z.input<typeof advisoryFilterSchema>;

export function filterAdvisories(advisories: readonly Advisory[], filter: AdvisoryFilter): Advisory[] {
  const criteria = advisoryFilterSchema.parse(filter);
  const keywordPatterns = criteria.keywords.map(wordStartPattern);
  return advisories.filter((advisory) => {
    if (keywordPatterns.length > 0 && !matchesAnyKeyword(advisory, keywordPatterns)) return false;
    if (criteria.minCvss !== undefined && !passesMinCvss(advisory, criteria.minCvss, criteria.unscored)) {
      return false;
    }
    if (criteria.kevOnly && !advisory.knownExploited) return false;
    if (
      criteria.minSeverity &&
      !(advisory.severity && severityRank(advisory.severity) >= severityRank(criteria.minSeverity))
    ) {
      return false;
    }
    if (criteria.since && advisory.published < criteria.since) return false;
    if (criteria.until && advisory.published >= criteria.until) return false;
    if (criteria.clearance && !(advisory.tlp && tlpAllows(criteria.clearance, advisory.tlp))) return false;
    return true;
  });
}

function passesMinCvss(advisory: Advisory, minCvss: number, unscored: "include" | "exclude"): boolean {
  if (!advisory.cvss) return unscored === "include";
  return advisory.cvss.baseScore >= minCvss;
}

function matchesAnyKeyword(advisory: Advisory, patterns: RegExp[]): boolean {
  const haystacks = [advisory.title, advisory.publisher, ...advisory.vendors, ...advisory.products];
  return patterns.some((pattern) => haystacks.some((haystack) => pattern.test(haystack)));
}

function wordStartPattern(keyword: string): RegExp {
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${escaped}`, "iu");
}
