// The neutral message model. Commands and domain code build these; each platform renders them
// (Block Kit, Matrix HTML + plain body, terminal text). Nothing here knows a platform.
import type { TlpLabel } from "../incidents/tlp.ts";

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
 * same path (permissions, validation, audit) as a typed command.
 */
export interface Action {
  label: string;
  command: string;
  style?: "primary" | "danger";
  /** On platforms with reactions, a ✅ on the message runs this action (a page's Ack). */
  onAckReaction?: boolean;
}

export interface Message {
  blocks: Block[];
  /** TLP label of the content; shown before it and checked against the destination. */
  tlp?: TlpLabel;
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
