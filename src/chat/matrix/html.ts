// Renders the neutral message model as a Matrix `m.notice`: HTML in `formatted_body`
// (org.matrix.custom.html, only tags the spec lists) and the plain-text rendering in `body` for
// clients and notifications without HTML. Every piece of text is escaped: incident titles, notes
// and names come from people and must never become markup.
//
// Matrix has no buttons, so an action is shown as the command to type, written with `!` (Element
// keeps `/` for its own commands).
import { formatTlp, type TlpLabel } from "../../incidents/tlp.ts";
import { commandLine } from "../button-command.ts";
import { type Block, MENTION_PATTERN, type Message } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";

export const ACK_REACTION_FIELD = "org.tocsin.ack_reaction";

export interface NoticeContent {
  msgtype: "m.notice";
  body: string;
  format?: "org.matrix.custom.html";
  formatted_body?: string;
  /**
   * The command a ✅ reaction runs (the action marked `onAckReaction`), kept in the event itself
   * so a reaction works even after a restart: its command line, read back through the router
   * like a typed one (events posted before a deploy keep working).
   */
  [ACK_REACTION_FIELD]?: string;
}

/**
 * A Matrix event is at most 65536 bytes including its envelope (signatures, ids, hashes); the
 * content gets what is left with a safe margin.
 */
export const MAX_CONTENT_BYTES = 60_000;

/** TLP 2.0 colours (FIRST), shown on black as the standard asks. */
const TLP_COLOURS: Record<TlpLabel, string> = {
  red: "#FF2B2B",
  "amber+strict": "#FFC000",
  amber: "#FFC000",
  green: "#33FF00",
  clear: "#FFFFFF",
};

const TRUNCATED = "\n… (cut: too long for one Matrix message)";

/** The notice for a message, fitted to `maxBytes` (HTML is dropped first, then the text is cut). */
export function noticeContent(message: Message, maxBytes = MAX_CONTENT_BYTES): NoticeContent {
  const body = renderPlainText(message, { commandSigil: "!" });
  const onAckCommand = message.blocks
    .flatMap((b) => (b.kind === "actions" ? b.actions : []))
    .find((a) => a.onAckReaction)?.command;
  const onAck = onAckCommand && commandLine(onAckCommand);
  const full: NoticeContent = {
    msgtype: "m.notice",
    body,
    format: "org.matrix.custom.html",
    formatted_body: renderMatrixHtml(message),
    ...(onAck ? { [ACK_REACTION_FIELD]: onAck } : {}),
  };
  if (jsonBytes(full) <= maxBytes) return full;
  return {
    msgtype: "m.notice",
    body: cutToBytes(body, maxBytes - jsonBytes({ msgtype: "m.notice", body: "" })),
  };
}

export function renderMatrixHtml(message: Message): string {
  const parts = message.blocks.map(renderBlock).filter((part) => part.length > 0);
  if (message.tlp) parts.unshift(`<p>${tlpLabel(message.tlp)}</p>`);
  // The bot's own mentions become pills; anything people typed was escaped above and stays text.
  return parts
    .join("")
    .replace(
      MENTION_PATTERN,
      (_, id: string) => `<a href="https://matrix.to/#/${encodeURIComponent(id)}">${escapeHtml(id)}</a>`,
    );
}

function tlpLabel(tlp: TlpLabel): string {
  return `<strong><span data-mx-color="${TLP_COLOURS[tlp]}" data-mx-bg-color="#000000">${escapeHtml(formatTlp(tlp))}</span></strong>`;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h4>${inline(block.text)}</h4>`;
    case "text":
      return block.text ? `<p>${inline(block.text)}</p>` : "";
    case "context":
      return `<p><em>${inline(block.text)}</em></p>`;
    case "fields":
      return `<p>${block.fields.map((f) => `<strong>${escapeHtml(f.label)}:</strong> ${inline(f.value)}`).join("<br>")}</p>`;
    case "list": {
      const tag = block.ordered ? "ol" : "ul";
      return `<${tag}>${block.items.map((item) => `<li>${inline(item)}</li>`).join("")}</${tag}>`;
    }
    case "table": {
      const head = block.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
      const rows = block.rows
        .map(
          (row) =>
            `<tr>${block.columns.map((_c, i) => `<td>${escapeHtml(row[i] ?? "")}</td>`).join("")}</tr>`,
        )
        .join("");
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    case "code":
      return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
    case "actions":
      return `<p>${block.actions
        .map((a) => `${escapeHtml(a.label)}: <code>${escapeHtml(commandLine(a.command, "!"))}</code>`)
        .join(" · ")}</p>`;
  }
}

/** Escaped text with line breaks kept and `code spans` shown as code. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/\n/g, "<br>");
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** Cuts `text` so that its JSON string form fits in `maxBytes`, marking the cut. */
function cutToBytes(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const budget = maxBytes - jsonBytes(TRUNCATED);
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes(text.slice(0, mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  // Never split a surrogate pair.
  let end = low;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${TRUNCATED}`;
}
