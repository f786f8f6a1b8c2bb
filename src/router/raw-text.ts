// Commands that take their text as typed (a pasted signed bulletin, a note): no tokenising.
import type { IncidentIds } from "../incidents/public-id.ts";
import type { CommandSpec, ParsedArgs } from "./command.ts";

/**
 * Raw text is taken as typed, without tokenising: a pasted signed text or a note may hold an
 * unbalanced quote, and its line breaks must survive. Only a leading incident id is taken off,
 * and the command's `leadingWords` (returned as `leading`, read like `words` by the caller).
 */
export function rawArgs(
  command: CommandSpec,
  rest: string,
  ids: IncidentIds,
): { args: ParsedArgs<Record<string, unknown>>; incidentId?: string; leading: string } {
  let text = rest.trim();
  const first = text.split(/\s/, 1)[0] ?? "";
  const incidentId = command.incident !== "none" && ids.matches(first) ? first.toUpperCase() : undefined;
  if (incidentId) text = text.slice(first.length).trim();
  const leading: string[] = [];
  for (let i = 0; i < (command.leadingWords ?? 0) && text !== ""; i++) {
    const word = text.split(/\s/, 1)[0] ?? "";
    leading.push(word);
    text = text.slice(word.length).trim();
  }
  const words = text.split(/\s+/).filter(Boolean);
  return {
    args: { text, words, options: {}, mentions: [], strangers: [] },
    incidentId,
    leading: leading.join(" "),
  };
}
