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
  // Checked before any parsing: a homeserver (or a federated one) may relay oversized events.
  if (content.body.length > MAX_EVENT_TEXT || (html?.length ?? 0) > MAX_EVENT_TEXT) return undefined;
  const body = normalise(stripReplyFallback(content.body));
  let text = body;
  if (html !== undefined) {
    const read = readHtml(html);
    const shown = normalise(read.text);
    // What people see is the HTML. With pills the HTML is the command (it carries the user ids);
    // without, the body is (it keeps what was typed), but only when the HTML says the same:
    // HTML reading "good morning" over a body `!inc sev 1` is not a command.
    if (read.userLinks) text = shown;
    else if (comparable(shown) !== comparable(body)) return undefined;
  }
  const prefix = prefixes.find((p) => startsWithWord(text, p));
  if (!prefix) return undefined;
  return text;
}

/** Longer than any command the router takes (a pasted signed bulletin), shorter than abuse. */
export const MAX_EVENT_TEXT = 128 * 1024;

function normalise(text: string): string {
  return text.replace(/\u00a0/g, " ").trim();
}

/**
 * Text reduced to what survives a clients' Markdown rendering either way: no whitespace, no
 * emphasis or code marks, no escapes (`*bold*` in the body is `<em>bold</em>` in the HTML).
 */
function comparable(text: string): string {
  return text.replace(/[\s*_~`\\]+/g, "");
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

/** Tags that end a line of text; the others (`em`, `code`, `span`, `a`) are inline. */
const BLOCK_TAGS = new Set([
  "p",
  "div",
  "li",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "tr",
  "ul",
  "ol",
  "table",
  "br",
]);

/** Plain text of Matrix HTML, with links to users replaced by their user ids. */
export function htmlToText(html: string): string {
  return readHtml(html).text;
}

/**
 * One pass over the HTML, so its cost is linear in its length whatever it holds (unclosed tags,
 * runs of `<`, quotes): a regular expression with a lazy `[\s\S]*?` is quadratic on those, and
 * this runs on every message of every room before anyone's permission is checked.
 *
 * A tag runs from `<` to the next `>` (no `>` left: the rest is text). `<mx-reply>` to its
 * `</mx-reply>` is dropped (a reply fallback); a link to a user becomes the user id, its label
 * dropped; an unclosed one keeps its label.
 */
function readHtml(html: string): { text: string; userLinks: boolean } {
  const out: string[] = [];
  let reply: number | undefined;
  let link: { start: number; userId: string } | undefined;
  let userLinks = false;
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf("<", i);
    if (open < 0) {
      out.push(decodeEntities(html.slice(i)));
      break;
    }
    const close = html.indexOf(">", open + 1);
    if (close < 0) {
      out.push(decodeEntities(html.slice(i)));
      break;
    }
    if (open > i) out.push(decodeEntities(html.slice(i, open)));
    const tag = parseTag(html.slice(open + 1, close));
    i = close + 1;
    if (tag.name === "mx-reply") {
      if (!tag.closing && reply === undefined) reply = out.length;
      else if (tag.closing && reply !== undefined) {
        out.length = reply;
        reply = undefined;
      }
      continue;
    }
    if (tag.name === "a") {
      if (!tag.closing) {
        const userId = tag.href === undefined ? undefined : userIdFromPermalink(decodeEntities(tag.href));
        link = userId ? { start: out.length, userId } : undefined;
      } else if (link) {
        out.length = link.start;
        out.push(link.userId);
        userLinks = true;
        link = undefined;
      }
      continue;
    }
    if (BLOCK_TAGS.has(tag.name)) out.push("\n");
  }
  return { text: out.join(""), userLinks };
}

/** Name (lower case), whether it closes, and `href` of a tag's inside (`a href="..."`). */
function parseTag(inside: string): { name: string; closing: boolean; href?: string } {
  const closing = inside.startsWith("/");
  const name = /^\/?\s*([a-zA-Z][a-zA-Z0-9-]*)/.exec(inside.slice(0, 64))?.[1]?.toLowerCase() ?? "";
  if (closing || name !== "a") return { name, closing };
  // Anchored at a space before `href`, so each start position fails or matches in constant work.
  const href = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(inside);
  return { name, closing, href: href?.[1] ?? href?.[2] ?? href?.[3] };
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
