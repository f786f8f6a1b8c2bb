// The alert a command acts on: `12` or `#12`.
import { UserError } from "../../src/errors.ts";

export function alertNumber(word: string | undefined): number {
  const match = /^#?(\d{1,9})$/.exec(word ?? "");
  if (!match) {
    throw new UserError(
      word ? `"${word}" is not an alert number such as 12.` : "Which alert? Give its number, e.g. 12.",
    );
  }
  return Number(match[1]);
}
