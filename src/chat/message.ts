// The neutral message model. Commands and domain code build these; each platform renders them
// (Block Kit, Matrix HTML + plain body, terminal text). Nothing here knows a platform.
import type { TlpLabel } from "../incidents/tlp.ts";
import type { ButtonCommand } from "./button-command.ts";

export type Block =
  | { kind: "heading"; text: string }
  /** A paragraph of plain text (line breaks kept). */
  | { kind: "text"; text: string }
  | { kind: "fields"; fields: Array<{ label: string; value: string }> }
  | { kind: "list"; items: string[]; ordered?: boolean }
  | { kind: "table"; columns: string[]; rows: string[][] }
  /** Preformatted text (logs, signed bulletins, keys). */
  | { kind: "code"; text: string }
  /** Small print under a message: timestamps, who did it, hints. */
  | { kind: "context"; text: string }
  | { kind: "actions"; actions: Action[] };

/**
 * A button. Clicking it runs `command` as if the clicker had typed it, so a click takes the
 * same path (permissions, validation, audit) as a typed command. The command is data of the
 * command vocabulary (src/chat/button-command.ts); each platform writes it as it needs.
 */
export interface Action {
  label: string;
  command: ButtonCommand;
  style?: "primary" | "danger";
  /** On platforms with reactions, a ✅ on the message runs this action (a page's Ack). */
  onAckReaction?: boolean;
}

export interface Message {
  blocks: Block[];
  /** TLP label of the content; shown before it and checked against the destination. */
  tlp?: TlpLabel;
}

export interface ChatFile {
  /** Shown and offered as the download name, e.g. `bulletin-2026-03-10.txt.asc`. */
  filename: string;
  content: string | Uint8Array;
  /** A caption shown with the file. */
  title?: string;
  /** `text/plain` when omitted. */
  mimeType?: string;
}

/**
 * A live mention of a platform user, written by the bot (never by people: typed text cannot
 * produce these private-use characters, the command sanitiser strips them). Renderers turn it
 * into the platform's mention (`<@U123>`, a Matrix pill); everything else people typed is inert.
 */
export function mentionOf(externalId: string): string {
  return `${MENTION_OPEN}${externalId.replace(MENTION_MARKERS, "")}${MENTION_CLOSE}`;
}

const MENTION_OPEN = "\uE000";
const MENTION_CLOSE = "\uE001";
const MENTION_MARKERS = /[\uE000\uE001]/g;
/** Finds the bot's own mentions in rendered text: group 1 is the platform user id. */
export const MENTION_PATTERN = /\uE000([^\uE000\uE001]{1,255})\uE001/g;

/** The platform users the bot mentions in a message (its own mentions only). */
export function mentionedUsers(msg: Message): string[] {
  const found = new Set<string>();
  const scan = (value: string) => {
    for (const match of value.matchAll(MENTION_PATTERN)) found.add(match[1] as string);
  };
  for (const block of msg.blocks) {
    if ("text" in block) scan(block.text);
    if (block.kind === "fields") for (const field of block.fields) scan(field.value);
    if (block.kind === "list") for (const item of block.items) scan(item);
  }
  return [...found];
}

export const message = (...blocks: Block[]): Message => ({ blocks });
export const heading = (text: string): Block => ({ kind: "heading", text });
export const text = (value: string): Block => ({ kind: "text", text: value });
export const context = (value: string): Block => ({ kind: "context", text: value });
export const fields = (entries: Array<[label: string, value: string]>): Block => ({
  kind: "fields",
  fields: entries.map(([label, value]) => ({ label, value })),
});
export const list = (items: string[], ordered = false): Block => ({ kind: "list", items, ordered });
export const table = (columns: string[], rows: string[][]): Block => ({ kind: "table", columns, rows });
export const code = (value: string): Block => ({ kind: "code", text: value });
export const actions = (...items: Action[]): Block => ({ kind: "actions", actions: items });
