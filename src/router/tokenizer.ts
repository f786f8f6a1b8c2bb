// Splits a command line into tokens the way responders type them:
//   declare "Phishing wave" sev:2 tlp:amber summary:"Mass mail to finance" @alice
// Double, single and typographic quotes group words; a backslash escapes the next character
// inside quotes. Unquoted words shaped like an option (`key:value`, `key=value`, `key:`) are
// only marked: the router decides, from the command's declaration, whether one is an option, a
// mistake to refuse, or a plain word. A key is letters (and - _), so `09:00` and `sha256:ab`
// are never option-shaped; `https://x` is marked and the router keeps it as a word.
import { inertText } from "../chat/inert-text.ts";

export interface Token {
  /** The token's value with quotes removed and escapes resolved. */
  value: string;
  /** The token exactly as typed. */
  raw: string;
  /** Offset of the token in the input, so commands can take the rest of the line verbatim. */
  start: number;
  quoted: boolean;
  /**
   * Present for an unquoted word shaped like an option: `key:value`, `key=value`, or a bare
   * `key:` (the value may itself be quoted: `summary:"two words"`). The key is lowercased.
   */
  option?: { key: string; separator: ":" | "="; value: string };
}

const OPENING_QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "‘": "’" };
/** An option's key and separator at the start of a word (sticky: tested where the word starts). */
const OPTION_KEY = /([a-z][a-z_-]*)([:=])/iy;

export class TokenizeError extends Error {}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i] ?? "")) i++;
    if (i >= input.length) break;
    const start = i;
    let value = "";
    let quoted = false;
    let optionKey: { key: string; separator: ":" | "=" } | undefined;
    OPTION_KEY.lastIndex = i;
    const keyMatch = OPTION_KEY.exec(input);
    if (keyMatch?.[1] && OPENING_QUOTES[input[i + keyMatch[0].length] ?? ""] !== undefined) {
      // key:"quoted value"
      optionKey = { key: keyMatch[1], separator: keyMatch[2] as ":" | "=" };
      i += keyMatch[0].length;
    }
    while (i < input.length && !/\s/.test(input[i] ?? "")) {
      const ch = input[i] ?? "";
      const closing = OPENING_QUOTES[ch];
      if (closing !== undefined && (value === "" || optionKey !== undefined)) {
        quoted = true;
        i++;
        let closed = false;
        while (i < input.length) {
          const c = input[i] ?? "";
          if (c === "\\" && i + 1 < input.length) {
            value += input[i + 1];
            i += 2;
            continue;
          }
          if (c === closing || (closing === "“" && c === "”")) {
            closed = true;
            i++;
            break;
          }
          value += c;
          i++;
        }
        if (!closed) {
          const fragment = input.slice(start, start + 30);
          throw new TokenizeError(
            `A quote is never closed: ${fragment}${input.length > start + 30 ? "…" : ""}`,
          );
        }
        continue;
      }
      value += ch;
      i++;
    }
    const raw = input.slice(start, i);
    const token: Token = { value, raw, start, quoted };
    if (optionKey !== undefined) {
      token.option = { key: optionKey.key.toLowerCase(), separator: optionKey.separator, value };
    } else if (!quoted && keyMatch?.[1]) {
      // The word starts with `key:` or `key=` (the match above was made where the word starts).
      token.option = {
        key: keyMatch[1].toLowerCase(),
        separator: keyMatch[2] as ":" | "=",
        value: value.slice(keyMatch[0].length),
      };
    }
    tokens.push(token);
  }
  return tokens;
}

export const MAX_COMMAND_LENGTH = 4000;

/**
 * Normalises a raw command line: NFC, no control or bidi-override characters (they can disguise
 * what a line says), tabs and newlines kept as spaces only where the platform sent them.
 */
export function sanitizeCommandLine(input: string): string {
  return inertText(input.normalize("NFC")).replace(/\t/g, " ").trim();
}
