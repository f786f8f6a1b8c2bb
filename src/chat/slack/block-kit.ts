// Renders the neutral message model as Block Kit, within Slack's limits: a message larger than
// Slack accepts is split into more sections and, past 50 blocks, truncated with a pointer to the
// full content instead of being rejected (`invalid_blocks`) and lost.
import type { types } from "@slack/bolt";
import { formatTlp } from "../../incidents/tlp.ts";
import { commandLine } from "../button-command.ts";
import { type Action, type Block, MENTION_PATTERN, type Message } from "../message.ts";
import { renderPlainText, renderTable } from "../plain-text.ts";
import { formatSlackMention } from "./mentions.ts";

type SlackBlock = types.KnownBlock;

/** Slack's documented Block Kit limits for messages. */
export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fieldsPerSection: 10,
  contextText: 3000,
  buttonsPerActions: 25,
  buttonText: 75,
  buttonValue: 2000,
} as const;

/** Notification text is only a fallback beside the blocks; keep it short. */
const FALLBACK_TEXT_LIMIT = 3000;

/** Button action ids start with this, so the adapter can route clicks back to commands. */
export const COMMAND_ACTION_ID_PREFIX = "tocsin-command-";

export interface SlackMessagePayload {
  /** Notification and accessibility fallback (mrkdwn-escaped plain text). */
  text: string;
  blocks: SlackBlock[];
}

export interface RenderOptions {
  /** Where the full content can be seen when a message has to be truncated. */
  truncationHint?: string;
}

const DEFAULT_TRUNCATION_HINT = "see /inc show";

export function renderBlockKit(msg: Message, options: RenderOptions = {}): SlackMessagePayload {
  const actionIds = { next: 0 };
  const blocks: SlackBlock[] = [];
  if (msg.tlp) blocks.push(contextBlock(`*${formatTlp(msg.tlp)}*`));
  for (const block of msg.blocks) blocks.push(...renderBlock(block, actionIds));
  return {
    text: truncateEscaped(escapeMrkdwn(renderPlainText(msg)), FALLBACK_TEXT_LIMIT),
    blocks: limitBlockCount(blocks, options.truncationHint ?? DEFAULT_TRUNCATION_HINT),
  };
}

/**
 * Escapes `&`, `<`, `>` as Slack's mrkdwn requires, so nothing people typed becomes a live
 * mention, link or broadcast (`<@U123>`, `<!channel>` typed in a title stay text); the bot's own
 * mentions (src/chat/message.ts mentionOf) become `<@U123>`.
 */
export function escapeMrkdwn(text: string): string {
  return escapeEntities(text).replace(MENTION_PATTERN, (_, id: string) => formatSlackMention(id));
}

function escapeEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function renderBlock(block: Block, actionIds: { next: number }): SlackBlock[] {
  switch (block.kind) {
    case "heading":
      return block.text.trim() ? [headerBlock(block.text)] : [];
    case "text":
      return sectionsFor(escapeMrkdwn(block.text));
    case "list":
      return sectionsFor(
        block.items.map((item, i) => `${block.ordered ? `${i + 1}.` : "•"} ${escapeMrkdwn(item)}`).join("\n"),
      );
    case "code":
      return codeSections(block.text);
    case "table":
      return codeSections(renderTable(block.columns, block.rows));
    case "fields":
      return fieldSections(block.fields);
    case "context":
      return block.text.trim() ? [contextBlock(escapeMrkdwn(block.text))] : [];
    case "actions":
      return actionBlocks(block.actions, actionIds);
  }
}

function headerBlock(text: string): SlackBlock {
  return {
    type: "header",
    text: { type: "plain_text", text: truncatePlainText(text, BLOCK_KIT_LIMITS.headerText), emoji: true },
  };
}

function contextBlock(mrkdwn: string): SlackBlock {
  return {
    type: "context",
    elements: [{ type: "mrkdwn", text: truncateEscaped(mrkdwn, BLOCK_KIT_LIMITS.contextText) }],
  };
}

function sectionsFor(mrkdwn: string): SlackBlock[] {
  if (!mrkdwn.trim()) return [];
  return nonBlank(splitEscaped(mrkdwn, BLOCK_KIT_LIMITS.sectionText)).map(
    (chunk): SlackBlock => ({ type: "section", text: { type: "mrkdwn", text: chunk } }),
  );
}

const FENCE = "```";

function codeSections(raw: string): SlackBlock[] {
  if (!raw.trim()) return [];
  const room = BLOCK_KIT_LIMITS.sectionText - 2 * FENCE.length - 2;
  return nonBlank(splitEscaped(escapeEntities(raw), room)).map(
    (chunk): SlackBlock => ({
      type: "section",
      text: { type: "mrkdwn", text: `${FENCE}\n${chunk}\n${FENCE}` },
    }),
  );
}

function fieldSections(entries: Array<{ label: string; value: string }>): SlackBlock[] {
  const sections: SlackBlock[] = [];
  for (let start = 0; start < entries.length; start += BLOCK_KIT_LIMITS.fieldsPerSection) {
    const group = entries.slice(start, start + BLOCK_KIT_LIMITS.fieldsPerSection);
    sections.push({
      type: "section",
      fields: group.map((entry) => ({
        type: "mrkdwn" as const,
        text: truncateEscaped(
          `*${escapeMrkdwn(entry.label)}*\n${escapeMrkdwn(entry.value) || "—"}`,
          BLOCK_KIT_LIMITS.fieldText,
        ),
      })),
    });
  }
  return sections;
}

function actionBlocks(items: Action[], actionIds: { next: number }): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  const buttons: types.Button[] = [];
  for (const item of items) {
    // The value carries the command line: the click handler hands it to the router like a typed
    // one, so a forged value gets no further than typing it would.
    const line = commandLine(item.command);
    if (line.length > BLOCK_KIT_LIMITS.buttonValue) {
      // A cut command would run something else than the button says: offer it as text instead.
      blocks.push(contextBlock(`${escapeMrkdwn(item.label)}: \`${escapeMrkdwn(line)}\``));
      continue;
    }
    const button: types.Button = {
      type: "button",
      action_id: `${COMMAND_ACTION_ID_PREFIX}${actionIds.next++}`,
      text: {
        type: "plain_text",
        text: truncatePlainText(item.label, BLOCK_KIT_LIMITS.buttonText),
        emoji: true,
      },
      value: line,
    };
    if (item.style) button.style = item.style;
    buttons.push(button);
  }
  for (let start = 0; start < buttons.length; start += BLOCK_KIT_LIMITS.buttonsPerActions) {
    blocks.push({
      type: "actions",
      elements: buttons.slice(start, start + BLOCK_KIT_LIMITS.buttonsPerActions),
    });
  }
  return blocks;
}

/**
 * Keeps a message within 50 blocks: the overflow is replaced by one context line that says how
 * much was left out and where to see it. Trailing buttons stay, since they are how people act.
 */
function limitBlockCount(blocks: SlackBlock[], hint: string): SlackBlock[] {
  const max = BLOCK_KIT_LIMITS.blocksPerMessage;
  if (blocks.length <= max) return blocks;
  let trailingActions = 0;
  while (trailingActions < blocks.length && blocks[blocks.length - 1 - trailingActions]?.type === "actions") {
    trailingActions++;
  }
  trailingActions = Math.min(trailingActions, max - 2);
  const kept = blocks.slice(0, max - 1 - trailingActions);
  const dropped = blocks.slice(kept.length, blocks.length - trailingActions);
  const lines = dropped.reduce((sum, block) => sum + linesIn(block), 0);
  const pointer = contextBlock(`… truncated: ${lines} more ${lines === 1 ? "line" : "lines"}, ${hint}`);
  return [...kept, pointer, ...blocks.slice(blocks.length - trailingActions)];
}

function linesIn(block: SlackBlock): number {
  switch (block.type) {
    case "section": {
      const text = block.text?.text.replaceAll(FENCE, "").trim() ?? "";
      return (text ? text.split("\n").length : 0) + (block.fields?.length ?? 0);
    }
    case "actions":
      return block.elements.length;
    default:
      return 1;
  }
}

/**
 * Splits escaped mrkdwn into chunks of at most `limit` characters, preferring line breaks, then
 * spaces, and never cutting inside an entity (`&amp;`) or a mention (`<@U123>`).
 */
export function splitEscaped(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = window.lastIndexOf("\n");
    if (cut <= 0) cut = window.lastIndexOf(" ");
    if (cut <= 0) cut = safeHardCut(rest, limit);
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, "");
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

function nonBlank(chunks: string[]): string[] {
  return chunks.filter((chunk) => chunk.trim().length > 0);
}

/** Largest cut position <= limit that does not split an entity or a `<...>` reference. */
function safeHardCut(text: string, limit: number): number {
  const head = text.slice(0, limit);
  const openReference = head.lastIndexOf("<");
  if (openReference > 0 && head.indexOf(">", openReference) === -1) return openReference;
  const openEntity = head.lastIndexOf("&");
  if (openEntity > 0 && head.indexOf(";", openEntity) === -1) return openEntity;
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

function truncateEscaped(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, safeHardCut(text, limit - 1))}…`;
}

/** Cuts plain text (headers, button labels, topics) without splitting an emoji's surrogate pair. */
export function truncatePlainText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = isHighSurrogate(text.charCodeAt(limit - 2)) ? limit - 2 : limit - 1;
  return `${text.slice(0, cut)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
