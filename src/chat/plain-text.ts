// Renders the neutral message model as plain text: the console platform's output, Matrix's
// `body` and Slack's notification fallback.
import { formatTlp } from "../incidents/tlp.ts";
import { type Block, MENTION_PATTERN, type Message } from "./message.ts";

export function renderPlainText(msg: Message): string {
  const parts = msg.blocks.map(renderBlock).filter((part) => part.length > 0);
  if (msg.tlp) parts.unshift(formatTlp(msg.tlp));
  return plainMentions(parts.join("\n"));
}

/** The bot's own mentions as plain text: `@alice`, `@U123`, `@alice:example.org`. */
export function plainMentions(text: string): string {
  return text.replace(MENTION_PATTERN, (_, id: string) => (id.startsWith("@") ? id : `@${id}`));
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `== ${block.text} ==`;
    case "text":
      return block.text;
    case "context":
      return `  (${block.text})`;
    case "fields":
      return alignFields(block.fields);
    case "list":
      return block.items.map((item, i) => (block.ordered ? `${i + 1}. ${item}` : `• ${item}`)).join("\n");
    case "table":
      return renderTable(block.columns, block.rows);
    case "code":
      return block.text;
    case "actions":
      return block.actions.map((a) => `[${a.label}: ${a.command}]`).join("  ");
  }
}

function alignFields(fields: Array<{ label: string; value: string }>): string {
  const width = Math.max(0, ...fields.map((f) => f.label.length));
  return fields.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`).join("\n");
}

export function renderTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
