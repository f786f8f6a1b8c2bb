import { UserError } from "../../src/errors.ts";
import { parseTlp, TLP_LABELS, type TlpLabel } from "../../src/incidents/tlp.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "./desk.ts";

/** Unlabelled input is not shareable until labelled (TLP 2.0 bot policy): AMBER by default. */
const DEFAULT_LABEL: TlpLabel = "amber";

export default defineCommand({
  group: "bulletin",
  name: "post",
  summary: `Post a manual advisory in this room, clear-signed with the team key (TLP:${DEFAULT_LABEL.toUpperCase()} unless labelled).`,
  words: "[tlp:<label>] <text>",
  examples: [
    "post tlp:green Patch Exchange servers now: CVE-2026-1234 is exploited in the wild.",
    "post Phishing wave with fake invoices from billing@example.net; block the sender. tlp:clear",
  ],
  permission: "bulletin-editor",
  incident: "none",
  // The text keeps its line breaks and anything that looks like an option (10.0.0.1:443).
  positional: "raw",
  maxLength: 8000,
  async handler(ctx, args) {
    const { label, body } = takeLabel(args.text);
    if (!body) throw new UserError("Write the advisory after the command.");
    const desk = bulletinDesk(ctx);
    const bulletin = desk.manualAdvisory(body, label, ctx.origin.actor.displayName);
    const result = await desk.deliverHere(ctx.origin, bulletin);
    if (!result.posted) {
      throw new UserError(
        `Not posted: ${result.reason} Label it for this room (tlp:green, tlp:clear) or post it elsewhere.`,
      );
    }
    await desk.recordManualPost(ctx.origin, label, body.length);
    return {};
  },
});

/** A `tlp:<label>` word at the start or the end labels the advisory; anywhere else it is text. */
function takeLabel(text: string): { label: TlpLabel; body: string } {
  const leading = /^tlp:(\S+)\s*/i.exec(text);
  const trailing = /\s*\btlp:(\S+)$/i.exec(text);
  const match = leading ?? trailing;
  if (!match) return { label: DEFAULT_LABEL, body: text.trim() };
  const label = parseTlp(match[1] ?? "");
  if (!label) throw new UserError(`"${match[1]}" is not a TLP 2.0 label: ${TLP_LABELS.join(", ")}.`);
  const body = leading ? text.slice(match[0].length) : text.slice(0, match.index);
  return { label, body: body.trim() };
}
