// The Reference Security Incident Taxonomy (RSIT 1.3, machinev1 from the ENISA/TF-CSIRT
// repository, CC0), bundled unchanged as rsit-machinev1.json. Incidents store the type id
// (`phishing`); the class (`fraud`) is derived from the taxonomy so the two never disagree.
import { closest } from "fastest-levenshtein";
import { z } from "zod";
import { UserError } from "../errors.ts";
import { legacyTypeAdvice } from "./legacy-types.ts";
import machinev1 from "./rsit-machinev1.json" with { type: "json" };

const machineTagSchema = z.object({
  version: z.number(),
  predicates: z.array(z.object({ value: z.string(), expanded: z.string() })),
  values: z.array(
    z.object({
      predicate: z.string(),
      entry: z.array(z.object({ value: z.string(), expanded: z.string(), description: z.string() })),
    }),
  ),
});

export interface RsitType {
  /** Type id, e.g. `phishing`. */
  id: string;
  name: string;
  description: string;
  classId: string;
  className: string;
}

const taxonomy = machineTagSchema.parse(machinev1);

export const RSIT_VERSION = taxonomy.version;

export const RSIT_TYPES: ReadonlyMap<string, RsitType> = new Map(
  taxonomy.values.flatMap(({ predicate, entry }) => {
    const className = taxonomy.predicates.find((p) => p.value === predicate)?.expanded ?? predicate;
    return entry.map((e): [string, RsitType] => [
      e.value,
      { id: e.value, name: e.expanded, description: e.description, classId: predicate, className },
    ]);
  }),
);

export const RSIT_CLASSES: ReadonlyArray<{ id: string; name: string }> = taxonomy.predicates.map((p) => ({
  id: p.value,
  name: p.expanded,
}));

/**
 * Accepts the forms responders and tools use: `phishing`, `fraud/phishing`, `fraud:phishing`,
 * and the MISP machine tag `rsit:fraud="phishing"`. A class given with the type must match it.
 */
export function parseRsitType(input: string): RsitType | undefined {
  const normalised = input
    .trim()
    .toLowerCase()
    .replace(/^rsit:/, "")
    .replaceAll('"', "");
  const [first, second] = normalised.split(/[/:=]/, 2);
  const typeId = second ?? first ?? "";
  const type = RSIT_TYPES.get(typeId);
  if (!type || (second !== undefined && first !== type.classId)) return undefined;
  return type;
}

export function requireRsitType(input: string): RsitType {
  const type = parseRsitType(input);
  if (type) return type;
  throw new UserError(unknownRsitTypeMessage(input), { code: "rsit.unknown" });
}

/**
 * Why `input` is not an RSIT type and what to use instead: for an eCSIRT.net mkVI type RSIT
 * dropped, the type RSIT means (legacy-types.ts); otherwise the closest spelling. Every command
 * taking a type (`/inc class`, `/inc declare class:`) answers with this.
 */
export function unknownRsitTypeMessage(input: string): string {
  const legacy = legacyTypeAdvice(input);
  if (legacy) {
    const also = legacy.also ? `, or ${typeAdvice(legacy.also.use, legacy.also.for)}` : "";
    return (
      `"${input}" is an eCSIRT.net mkVI type that RSIT ${formatVersion(RSIT_VERSION)} dropped. ` +
      `Use ${typeAdvice(legacy.use, legacy.for)}${also}. \`/inc classes\` lists every class and type.`
    );
  }
  const suggestion = closest(input.toLowerCase(), [...RSIT_TYPES.keys()]);
  return (
    `"${input}" is not an RSIT incident type. Did you mean "${suggestion}"? ` +
    "`/inc classes` lists every class and type."
  );
}

function typeAdvice(typeId: string, purpose: string | undefined): string {
  const type = RSIT_TYPES.get(typeId);
  if (!type) throw new Error(`legacy type advice names ${typeId}, which is not in RSIT`);
  return `${type.id} (${type.className} / ${type.name})${purpose ? ` for ${purpose}` : ""}`;
}

/** 1003 → 1.3 */
function formatVersion(version: number): string {
  return `${Math.floor(version / 1000)}.${version % 1000}`;
}

/** `Fraud / Phishing (fraud/phishing)` */
export function describeRsitType(typeId: string | null | undefined): string {
  if (!typeId) return "unclassified";
  const type = RSIT_TYPES.get(typeId);
  return type ? `${type.className} / ${type.name} (${type.classId}/${type.id})` : typeId;
}
