// What an option-shaped word means in a command that declares options. A near miss (`tlp=red`,
// `tlp: red`, `severity:2`, `prio:1`) must never end up in a title, so anything shaped like an
// option that is not exactly a declared `key:value` is refused with the right spelling. Quoting
// keeps such a word literal. Free-text commands (`positional: "raw"`) never get here.
import { closest, distance } from "fastest-levenshtein";
import type { Token } from "./tokenizer.ts";

/** Names people reach for instead of the declared option; used only when the command declares it. */
const OPTION_ALIASES: Readonly<Record<string, string>> = {
  severity: "sev",
  prio: "sev",
  priority: "sev",
  classification: "class",
  category: "class",
  type: "class",
  label: "tlp",
};

export type OptionWord =
  | { kind: "option"; key: string; value: string }
  | { kind: "text" }
  | { kind: "refused"; message: string };

/**
 * Reads one option-shaped token (`token.option` is set). `next` is the token after it, for the
 * bare `tlp:` followed by `red`.
 */
export function readOptionWord(
  token: Token,
  next: Token | undefined,
  declared: readonly string[],
): OptionWord {
  const option = token.option;
  if (!option || declared.length === 0) return { kind: "text" };
  const { key, separator, value } = option;
  // `https://x`, `mailto://...`: addresses are text.
  if (!token.quoted && value.startsWith("//")) return { kind: "text" };
  const known = declared.includes(key) ? key : declared.find((d) => d === OPTION_ALIASES[key]);
  if (known === key && separator === ":" && (value !== "" || token.quoted)) {
    return { kind: "option", key, value };
  }
  if (value === "" && !token.quoted) {
    // `Breach: HR data` is a title; only a declared option (or its alias) asks for its value.
    if (!known) return { kind: "text" };
    const given = next && !next.option ? next.value : undefined;
    return {
      kind: "refused",
      message: given
        ? `"${token.raw} ${next?.raw}" looks like an option: did you mean \`${spell(known, given)}\`? (no space after the colon)`
        : `The option ${known}: has no value: write \`${known}:<value>\`, with no space after the colon.`,
    };
  }
  if (known) {
    return {
      kind: "refused",
      message: `"${token.raw}" looks like an option: did you mean \`${spell(known, value)}\`? To keep it as text, put it in quotes.`,
    };
  }
  const nearest = closest(key, [...declared]);
  const hint =
    distance(key, nearest) <= 2
      ? `did you mean \`${spell(nearest, value)}\`?`
      : `this command takes ${declared.map((d) => `${d}:`).join(", ")}.`;
  return {
    kind: "refused",
    message: `"${token.raw}" is not an option here: ${hint} To keep it as text, put it in quotes.`,
  };
}

function spell(key: string, value: string): string {
  return /[\s"]/.test(value) || value === "" ? `${key}:"${value.replace(/"/g, '\\"')}"` : `${key}:${value}`;
}
