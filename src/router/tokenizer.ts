// Splits a command line into tokens the way responders type them:
//   declare "Phishing wave" sev:2 tlp:amber summary:"Mass mail to finance" @alice
// Double, single and typographic quotes group words; a backslash escapes the next character
// inside quotes. `key:value` tokens are only candidates for options: the router decides, from
// the command's declaration, whether `http://x` or `09:00` is an option or a plain word.

export interface Token {
  /** The token's value with quotes removed and escapes resolved. */
  value: string;
  /** The token exactly as typed. */
  raw: string;
  /** Offset of the token in the input, so commands can take the rest of the line verbatim. */
  start: number;
  quoted: boolean;
  /** Present for `key:value` (the value may itself be quoted: `summary:"two words"`). */
  option?: { key: string; value: string };
}

const OPENING_QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "‘": "’" };
const OPTION_KEY = /^([a-z][a-z0-9-]*):/i;

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
    let optionKey: string | undefined;
    const keyMatch = OPTION_KEY.exec(input.slice(i));
    if (keyMatch && OPENING_QUOTES[input[i + keyMatch[0].length] ?? ""] !== undefined) {
      // key:"quoted value"
      optionKey = keyMatch[1];
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
      token.option = { key: optionKey.toLowerCase(), value };
    } else if (!quoted) {
      const match = OPTION_KEY.exec(value);
      if (match?.[1] && value.length > match[0].length) {
        token.option = { key: match[1].toLowerCase(), value: value.slice(match[0].length) };
      }
    }
    tokens.push(token);
  }
  return tokens;
}

// Control characters, invisible and bidi controls (a title must read as it renders), and the
// private-use characters the bot marks its own live mentions with (src/chat/message.ts mentionOf).
const CONTROL_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ue000\ue001]/g;
export const MAX_COMMAND_LENGTH = 4000;

/**
 * Normalises a raw command line: NFC, no control or bidi-override characters (they can disguise
 * what a line says), tabs and newlines kept as spaces only where the platform sent them.
 */
export function sanitizeCommandLine(input: string): string {
  return input.normalize("NFC").replace(CONTROL_CHARACTERS, "").replace(/\t/g, " ").trim();
}
