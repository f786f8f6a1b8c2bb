// Renders the neutral message model as plain text: the console platform's output, Matrix's
// `body` and Slack's notification fallback.
import { formatTlp } from "../incidents/tlp.ts";
import { commandLine } from "./button-command.ts";
import { type Block, MENTION_PATTERN, type Message } from "./message.ts";

export interface PlainTextLayout {
  /**
   * Columns available (the console's terminal width minus its label). Fields then keep their
   * values beside a label column of at most 40 % of it, wrapped and indented, instead of
   * aligning every value after the longest label.
   */
  width?: number;
  /** How a button's command is written: `/inc ...` (the default) or Matrix's `!inc ...`. */
  commandSigil?: "/" | "!";
  /** Also word-wrap paragraphs (text, context, list items); code and tables are never wrapped. */
  wrapText?: boolean;
}

export function renderPlainText(msg: Message, layout: PlainTextLayout = {}): string {
  const parts = msg.blocks.map((block) => renderBlock(block, layout)).filter((part) => part.length > 0);
  if (msg.tlp) parts.unshift(formatTlp(msg.tlp));
  return plainMentions(parts.join("\n"));
}

/** The bot's own mentions as plain text: `@alice`, `@U123`, `@alice:example.org`. */
export function plainMentions(text: string): string {
  return text.replace(MENTION_PATTERN, (_, id: string) => (id.startsWith("@") ? id : `@${id}`));
}

function renderBlock(block: Block, layout: PlainTextLayout): string {
  const { width, wrapText } = layout;
  if (width !== undefined) {
    if (block.kind === "fields") return layoutFields(block.fields, width);
    if (wrapText && (block.kind === "text" || block.kind === "heading")) {
      return wrapWords(renderBlock(block, {}), width, 0).join("\n");
    }
    if (wrapText && block.kind === "actions") {
      return packLines(
        block.actions.map((a) => `[${a.label}: ${commandLine(a.command, layout.commandSigil)}]`),
        width,
      ).join("\n");
    }
    if (wrapText && block.kind === "context") return wrapWords(`  (${block.text})`, width, 3).join("\n");
    if (wrapText && block.kind === "list") {
      return renderBlock(block, {})
        .split("\n")
        .flatMap((item) => wrapWords(item, width, 2))
        .join("\n");
    }
  }
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
      return block.actions
        .map((a) => `[${a.label}: ${commandLine(a.command, layout.commandSigil)}]`)
        .join("  ");
  }
}

/** Fields within `width` columns: a bounded label column, values wrapped beside it. */
function layoutFields(fields: Array<{ label: string; value: string }>, width: number): string {
  const longest = Math.max(0, ...fields.map((f) => f.label.length + 2));
  const column = Math.min(longest, Math.floor(width * 0.4));
  const valueWidth = Math.max(20, width - column);
  return fields
    .flatMap(({ label, value }) => {
      const head = label ? `${label}:` : "";
      const values = wrapWords(value, valueWidth, 0);
      const indent = " ".repeat(column);
      const rest = values.slice(1).map((line) => `${indent}${line}`);
      // A label longer than the column gets a line of its own; the value goes under it.
      if (head.length + 1 > column) {
        return [...wrapWords(head, width, 2), ...values.map((line) => `${indent}${line}`)];
      }
      return [`${head.padEnd(column)}${values[0] ?? ""}`.trimEnd(), ...rest];
    })
    .join("\n");
}

/**
 * Greedy word wrap of each line of `text` to `width` columns; continuation lines are indented
 * by `indent` spaces. A word longer than the width (a URL) stays whole on its own line.
 */
export function wrapWords(text: string, width: number, indent: number): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const lead = /^ */.exec(line)?.[0] ?? "";
    let current = lead;
    let empty = true;
    for (const word of line.slice(lead.length).split(/ +/)) {
      if (empty) {
        current += word;
        empty = false;
      } else if (`${current} ${word}`.length > width) {
        out.push(current);
        current = `${" ".repeat(indent)}${word}`;
      } else current += ` ${word}`;
    }
    out.push(current);
  }
  return out;
}

/** Buttons side by side, as many as fit on a line; a button is never cut. */
function packLines(items: string[], width: number): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const last = lines.at(-1);
    if (last !== undefined && `${last}  ${item}`.length <= width)
      lines[lines.length - 1] = `${last}  ${item}`;
    else lines.push(item);
  }
  return lines;
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
