// OASIS CSAF 2.0 advisories (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html):
// schemas of the fields tocsin reads, and the mapping onto the normalised Advisory. Unknown
// fields are let through: publishers add their own, and the base profile allows any category.
import { z } from "zod";
import { parseTlp } from "../incidents/tlp.ts";
import { lazySchema } from "../lazy-schema.ts";
import {
  type Advisory,
  type CvssSummary,
  capProductList,
  mostSevere,
  type Severity,
  severityFromCvss,
  severityFromText,
} from "./advisory.ts";
import { baseScoreFromVector, sameScore } from "./cvss.ts";
import { describeIssues } from "./documents.ts";
import { parseRfc3339, rfc3339Schema } from "./rfc3339.ts";

const fullProductNameSchema = lazySchema(() =>
  z.looseObject({
    name: z.string(),
    product_id: z.string(),
  }),
);

export const csafBranchSchema = lazySchema(() =>
  z.looseObject({
    category: z.string(),
    name: z.string(),
    product: fullProductNameSchema().optional(),
    get branches() {
      return z.array(csafBranchSchema()).optional();
    },
  }),
);
export type CsafBranch = z.infer<ReturnType<typeof csafBranchSchema>>;

const relationshipSchema = lazySchema(() =>
  z.looseObject({
    category: z.string(),
    full_product_name: fullProductNameSchema(),
    product_reference: z.string(),
    relates_to_product_reference: z.string(),
  }),
);

const productTreeSchema = lazySchema(() =>
  z.looseObject({
    branches: z.array(csafBranchSchema()).optional(),
    full_product_names: z.array(fullProductNameSchema()).optional(),
    relationships: z.array(relationshipSchema()).optional(),
  }),
);

const referenceSchema = lazySchema(() =>
  z.looseObject({
    category: z.enum(["external", "self"]).default("external"),
    summary: z.string(),
    url: z.string(),
  }),
);

const cvssV3Schema = lazySchema(() =>
  z.looseObject({
    version: z.string(),
    vectorString: z.string(),
    baseScore: z.number().min(0).max(10),
    baseSeverity: z.string(),
  }),
);

const cvssV2Schema = lazySchema(() =>
  z.looseObject({
    version: z.string(),
    vectorString: z.string(),
    baseScore: z.number().min(0).max(10),
  }),
);

const scoreSchema = lazySchema(() =>
  z.looseObject({
    products: z.array(z.string()),
    cvss_v3: cvssV3Schema().optional(),
    cvss_v2: cvssV2Schema().optional(),
  }),
);

const threatSchema = lazySchema(() =>
  z.looseObject({
    category: z.string(),
    details: z.string(),
    product_ids: z.array(z.string()).optional(),
  }),
);

const productIdList = lazySchema(() => z.array(z.string()).optional());
const productStatusSchema = lazySchema(() =>
  z.looseObject({
    first_affected: productIdList(),
    first_fixed: productIdList(),
    fixed: productIdList(),
    known_affected: productIdList(),
    known_not_affected: productIdList(),
    last_affected: productIdList(),
    recommended: productIdList(),
    under_investigation: productIdList(),
  }),
);

const vulnerabilitySchema = lazySchema(() =>
  z.looseObject({
    cve: z
      .string()
      .regex(/^CVE-[0-9]{4}-[0-9]{4,}$/)
      .optional(),
    title: z.string().optional(),
    scores: z.array(scoreSchema()).optional(),
    threats: z.array(threatSchema()).optional(),
    product_status: productStatusSchema().optional(),
  }),
);

export const csafDocumentSchema = lazySchema(() =>
  z.looseObject({
    document: z.looseObject({
      // Any category is valid: unknown ones (Cisco's "Cisco Security Advisory") are CSAF Base.
      category: z.string().min(1),
      // 2.1 moved scores into `metrics`; reading it as 2.0 would silently lose them.
      csaf_version: z.literal("2.0"),
      title: z.string(),
      publisher: z.looseObject({
        category: z.string(),
        name: z.string(),
        namespace: z.string(),
      }),
      tracking: z.looseObject({
        id: z.string().min(1),
        current_release_date: rfc3339Schema,
        initial_release_date: rfc3339Schema,
        status: z.enum(["draft", "final", "interim"]),
        version: z.string(),
      }),
      aggregate_severity: z.looseObject({ text: z.string(), namespace: z.string().optional() }).optional(),
      distribution: z
        .looseObject({
          text: z.string().optional(),
          tlp: z
            .looseObject({
              label: z.string().refine((label) => parseTlp(label) !== undefined, "not a TLP label"),
              url: z.string().optional(),
            })
            .optional(),
        })
        .optional(),
      references: z.array(referenceSchema()).optional(),
    }),
    product_tree: productTreeSchema().optional(),
    vulnerabilities: z.array(vulnerabilitySchema()).optional(),
  }),
);
export type CsafDocument = z.infer<ReturnType<typeof csafDocumentSchema>>;

interface ProductEntry {
  /** The line a reader recognises: "Cisco IOS", "Red Hat Enterprise Linux Server AUS (v. 7.6)". */
  shortName: string;
  vendor?: string;
}

/**
 * Product ids resolved to short names. Branch products are named after their vendor and
 * product-name branch rather than every version; a relationship ("X as a component of Y") is
 * named after the platform Y, since that is what a constituent runs.
 */
function indexProducts(tree: CsafDocument["product_tree"]): Map<string, ProductEntry> {
  const index = new Map<string, ProductEntry>();
  const walk = (branches: CsafBranch[], vendor: string | undefined, line: string | undefined) => {
    for (const branch of branches) {
      const branchVendor = branch.category === "vendor" ? branch.name : vendor;
      const branchLine = branch.category === "product_name" ? productLine(branchVendor, branch.name) : line;
      if (branch.product) {
        index.set(branch.product.product_id, {
          shortName: branchLine ?? branch.product.name,
          vendor: branchVendor,
        });
      }
      if (branch.branches) walk(branch.branches, branchVendor, branchLine);
    }
  };
  walk(tree?.branches ?? [], undefined, undefined);
  for (const product of tree?.full_product_names ?? []) {
    if (!index.has(product.product_id)) index.set(product.product_id, { shortName: product.name });
  }
  for (const relation of tree?.relationships ?? []) {
    const platform = index.get(relation.relates_to_product_reference);
    index.set(
      relation.full_product_name.product_id,
      platform ?? { shortName: relation.full_product_name.name },
    );
  }
  return index;
}

function productLine(vendor: string | undefined, name: string): string {
  if (!vendor || name.toLowerCase().startsWith(vendor.toLowerCase())) return name;
  return `${vendor} ${name}`;
}

const AFFECTED_STATUSES = [
  "known_affected",
  "first_affected",
  "last_affected",
  "under_investigation",
] as const;
// Vendors such as Red Hat list only what the update fixes; those products are the affected ones.
const FIXED_STATUSES = ["fixed", "first_fixed"] as const;
type AffectedStatus = (typeof AFFECTED_STATUSES)[number];
type FixedStatus = (typeof FIXED_STATUSES)[number];

function affectedProductIds(vulnerabilities: CsafDocument["vulnerabilities"]): string[] {
  const collect = (statuses: readonly (AffectedStatus | FixedStatus)[]) =>
    (vulnerabilities ?? []).flatMap((vulnerability) =>
      statuses.flatMap((status) => vulnerability.product_status?.[status] ?? []),
    );
  const affected = collect(AFFECTED_STATUSES);
  return affected.length > 0 ? affected : collect(FIXED_STATUSES);
}

function highestCvss(vulnerabilities: CsafDocument["vulnerabilities"]): CvssSummary | undefined {
  const scores = (vulnerabilities ?? []).flatMap((vulnerability) => vulnerability.scores ?? []);
  // A v3 score wins over any v2 score: the scales differ and v3 is what readers compare against.
  const v3 = scores.flatMap((score) => (score.cvss_v3 ? [score.cvss_v3] : []));
  const candidates = v3.length > 0 ? v3 : scores.flatMap((score) => (score.cvss_v2 ? [score.cvss_v2] : []));
  let best: CvssSummary | undefined;
  for (const cvss of candidates.map(checkedScore)) {
    if (!best || cvss.baseScore > best.baseScore) best = cvss;
  }
  return best;
}

/** The score its vector gives; the stated one is kept aside when the two disagree. */
function checkedScore(cvss: { baseScore: number; version: string; vectorString: string }): CvssSummary {
  const computed = baseScoreFromVector(cvss.vectorString);
  if (!computed) return { baseScore: cvss.baseScore, version: cvss.version, vectorString: cvss.vectorString };
  return {
    baseScore: computed.baseScore,
    version: computed.version,
    vectorString: cvss.vectorString,
    ...(sameScore(computed.baseScore, cvss.baseScore) ? {} : { statedBaseScore: cvss.baseScore }),
  };
}

/**
 * The publisher's own verdict first (aggregate_severity), then the worst per-vulnerability
 * impact (Red Hat's `threats[category=impact]`), then the CVSS rating.
 */
function advisorySeverity(document: CsafDocument, cvss: CvssSummary | undefined): Severity | undefined {
  const aggregate = severityFromText(document.document.aggregate_severity?.text);
  if (aggregate) return aggregate;
  const impacts = (document.vulnerabilities ?? []).flatMap((vulnerability) =>
    (vulnerability.threats ?? [])
      .filter((threat) => threat.category === "impact")
      .map((threat) => severityFromText(threat.details)),
  );
  const worstImpact = mostSevere(impacts);
  if (worstImpact) return worstImpact;
  return cvss ? severityFromCvss(cvss) : undefined;
}

/**
 * The advisory's own page: a `self` reference (the first, which is the human-readable one at
 * Red Hat), else a reference whose URL names the tracking id (Cisco leaves out categories).
 */
function advisoryLink(document: CsafDocument): string | undefined {
  const references = document.document.references ?? [];
  const self = references.find((reference) => reference.category === "self");
  if (self) return self.url;
  const id = document.document.tracking.id.toLowerCase();
  return references.find((reference) => reference.url.toLowerCase().includes(id))?.url;
}

export function normaliseCsaf(document: CsafDocument): Advisory {
  const { tracking, publisher, distribution } = document.document;
  const products = indexProducts(document.product_tree);
  const affected = affectedProductIds(document.vulnerabilities).flatMap((id) => {
    const entry = products.get(id);
    return entry ? [entry] : [];
  });
  const vendors = [...new Set(affected.flatMap((entry) => (entry.vendor ? [entry.vendor] : [])))];
  if (vendors.length === 0 && publisher.category === "vendor") vendors.push(publisher.name);
  const cvss = highestCvss(document.vulnerabilities);
  const cves = [
    ...new Set((document.vulnerabilities ?? []).flatMap((vulnerability) => vulnerability.cve ?? [])),
  ];
  const tlpLabel = distribution?.tlp?.label;
  return {
    source: "csaf",
    id: tracking.id,
    title: document.document.title,
    publisher: publisher.name,
    // Validated by the schema, so both parse.
    published: parseRfc3339(tracking.initial_release_date) as Date,
    updated: parseRfc3339(tracking.current_release_date) as Date,
    cves,
    cvss,
    severity: advisorySeverity(document, cvss),
    vendors,
    ...capProductList(affected.map((entry) => entry.shortName)),
    link: advisoryLink(document),
    tlp: tlpLabel === undefined ? undefined : parseTlp(tlpLabel),
  };
}

export type CsafParseResult = { ok: true; advisory: Advisory } | { ok: false; reason: string };

/** Validates parsed JSON as a CSAF 2.0 document and normalises it. */
export function parseCsaf(json: unknown): CsafParseResult {
  const parsed = csafDocumentSchema().safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: `not a valid CSAF 2.0 document: ${describeIssues(parsed.error)}` };
  return { ok: true, advisory: normaliseCsaf(parsed.data) };
}
