// FIRST Traffic Light Protocol 2.0 labels (https://www.first.org/tlp/).
import { UserError } from "../errors.ts";

export const TLP_LABELS = ["clear", "green", "amber", "amber+strict", "red"] as const;
export type TlpLabel = (typeof TLP_LABELS)[number];

export const DEFAULT_INCIDENT_TLP: TlpLabel = "amber";

const RANK: Record<TlpLabel, number> = { clear: 0, green: 1, amber: 2, "amber+strict": 3, red: 4 };

/** Who may receive content with this label, in the standard's words. */
export const TLP_AUDIENCE: Record<TlpLabel, string> = {
  clear: "anyone (public)",
  green: "the community: peers and partners, not public channels",
  amber: "own organisation and its clients, need-to-know",
  "amber+strict": "own organisation only, need-to-know",
  red: "named recipients only (the incident room)",
};

/**
 * Parses a TLP label as people type it: `amber`, `TLP:AMBER`, `amber-strict`, `AMBER+STRICT`.
 * TLP 1.0 `white` maps to `clear`, as TLP 2.0 says.
 */
export function parseTlp(input: string): TlpLabel | undefined {
  const normalised = input
    .trim()
    .toLowerCase()
    .replace(/^tlp:/, "")
    .replace(/[-_ ]strict$/, "+strict");
  if (normalised === "white") return "clear";
  return (TLP_LABELS as readonly string[]).includes(normalised) ? (normalised as TlpLabel) : undefined;
}

/**
 * The label stored on a row, checked: the column stays text, since a database enum cannot spell
 * `amber+strict`. A value outside TLP 2.0 there is corrupt data, not a typo to answer.
 */
export function storedTlp(value: string): TlpLabel {
  if (!(TLP_LABELS as readonly string[]).includes(value)) {
    throw new Error(`stored TLP label "${value}" is not a TLP 2.0 label`);
  }
  return value as TlpLabel;
}

export function requireTlp(input: string): TlpLabel {
  const label = parseTlp(input);
  if (!label) {
    throw new UserError(`"${input}" is not a TLP 2.0 label. Use one of: ${TLP_LABELS.join(", ")}.`, {
      code: "tlp.unknown",
    });
  }
  return label;
}

/** `TLP:AMBER+STRICT`: labels are written in capitals and never translated. */
export function formatTlp(label: TlpLabel): string {
  return `TLP:${label.toUpperCase()}`;
}

/** True when content labelled `content` may go to a destination cleared up to `clearance`. */
export function tlpAllows(clearance: TlpLabel, content: TlpLabel): boolean {
  return RANK[content] <= RANK[clearance];
}

export function stricterTlp(a: TlpLabel, b: TlpLabel): TlpLabel {
  return RANK[a] >= RANK[b] ? a : b;
}
