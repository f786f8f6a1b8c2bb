// Option value schemas shared by the /inc commands: each turns what a responder typed into a
// domain value, or explains what is expected.
import { z } from "zod";
import { parseSeverity, type Severity } from "../../src/incidents/lifecycle.ts";
import { parseRsitType, unknownRsitTypeMessage } from "../../src/incidents/taxonomy.ts";
import { parseTlp, TLP_LABELS, type TlpLabel } from "../../src/incidents/tlp.ts";

export const severityValue = z.string().transform((value, ctx): Severity => {
  const severity = parseSeverity(value);
  if (severity === undefined) {
    ctx.addIssue({ code: "custom", message: "Severity is 1 (critical), 2 (high), 3 (medium) or 4 (low)." });
    return z.NEVER;
  }
  return severity;
});

export const tlpValue = z.string().transform((value, ctx): TlpLabel => {
  const label = parseTlp(value);
  if (!label) {
    ctx.addIssue({ code: "custom", message: `TLP 2.0 labels are ${TLP_LABELS.join(", ")}.` });
    return z.NEVER;
  }
  return label;
});

export const rsitTypeValue = z.string().transform((value, ctx): string => {
  const type = parseRsitType(value);
  if (!type) {
    // The same answer as `/inc class`: the type RSIT means for an old mkVI type, else the closest.
    ctx.addIssue({ code: "custom", message: unknownRsitTypeMessage(value) });
    return z.NEVER;
  }
  return type.id;
});

export const yesNoValue = z.string().transform((value, ctx): boolean => {
  const answer = value.trim().toLowerCase();
  if (["yes", "y", "true", "on"].includes(answer)) return true;
  if (["no", "n", "false", "off"].includes(answer)) return false;
  ctx.addIssue({ code: "custom", message: "Answer yes or no." });
  return z.NEVER;
});
