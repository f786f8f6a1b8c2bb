// Finds the command in an `m.room.message`: `!inc declare Phishing wave sev:2`.
//
// Element writes a pill as the person's display name in `body` and as a matrix.to link in
// `formatted_body`, so a message with pills is read from its HTML (links to users become their
// user ids, everything else becomes its text); a message without pills is read from `body`, which
// keeps what was typed verbatim (markdown like `*x*` would be lost in the HTML). Reply fallbacks
// (the quoted message older clients put in front of a reply) are dropped, and edits are not
// commands: an edited command is not run a second time.
import { userIdFromPermalink } from "./mentions.ts";

export interface MessageContent {
  msgtype?: unknown;
  body?: unknown;
  format?: unknown;
  formatted_body?: unknown;
  "m.relates_to"?: unknown;
}

/**
 * The command line as typed (`!inc ...`: the router takes `!` like `/`, and answers in the
 * caller's syntax) when the message is a command of one of the `prefixes`, else undefined.
 */
export function commandFromMessage(content: MessageContent, prefixes: readonly string[]): string | undefined {
  if (content.msgtype !== "m.text" || typeof content.body !== "string") return undefined;
  const relation = content["m.relates_to"] as { rel_type?: unknown } | undefined;
  if (relation?.rel_type === "m.replace") return undefined;
  const html =
    content.format === "org.matrix.custom.html" && typeof content.formatted_body === "string"
      ? content.formatted_body
      : undefined;
  const text = (html !== undefined && hasUserLink(html) ? htmlToText(html) : stripReplyFallback(content.body))
    .replace(/\u00a0/g, " ")
    .trim();
  const prefix = prefixes.find((p) => startsWithWord(text, p));
  if (!prefix) return undefined;
  return text;
}

function startsWithWord(text: string, prefix: string): boolean {
  if (text.length < prefix.length || text.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase())
    return false;
  const next = text[prefix.length];
  return next === undefined || /\s/.test(next);
}

/** Drops the `> <@alice:example.org> quoted` lines a reply fallback puts before the reply. */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith("> ")) return body;
  const lines = body.split("\n");
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith(">")) i++;
  if (lines[i] === "") i++;
  return lines.slice(i).join("\n");
}

const ANCHOR = /<a\s[^>]*?href\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi;

function hasUserLink(html: string): boolean {
  for (const match of html.matchAll(ANCHOR)) {
    if (userIdFromPermalink(decodeEntities(match[2] ?? match[3] ?? ""))) return true;
  }
  return false;
}

/** Plain text of Matrix HTML, with links to users replaced by their user ids. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<mx-reply>[\s\S]*?<\/mx-reply>/gi, "")
      .replace(
        ANCHOR,
        (_all, _quoted, double: string | undefined, single: string | undefined, label: string) => {
          const userId = userIdFromPermalink(decodeEntities(double ?? single ?? ""));
          // An id is entity-free; the label is left encoded for the one decoding pass below.
          return userId ?? label;
        },
      )
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<\/?(p|div|li|h[1-6]|blockquote|pre|tr|ul|ol|table)(\s[^>]*)?>/gi, "\n")
      .replace(/<[^>]*>/g, ""),
  );
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith("#")) {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? all;
  });
}
