// The words that start a command, read from the command declarations: the groups (`inc`,
// `oncall`, `bulletin`) and shorthands (`ack` for `oncall ack`). Platforms use it to know which
// messages are commands (Matrix `!inc`, Slack's slash commands), the router to find them.
import type { CommandWords } from "../chat/command-words.ts";
import type { CommandSpec } from "./command.ts";

export interface CommandVocabulary extends CommandWords {
  /** First words that stand for a group and a command: `ack` -> `oncall ack`. */
  readonly shorthands: ReadonlyMap<string, { group: string; name: string }>;
  /** Every first word with its sigil: `["!inc", "!oncall", "!bulletin", "!ack"]`. */
  prefixes(sigil: "/" | "!"): string[];
  /** `/inc help, /oncall help, /bulletin help or /alert help`, for texts that point people at help. */
  readonly helpHint: string;
  /** The text with each `/group` of the bot's own texts written `!group` (Matrix syntax). */
  inBangSyntax(text: string): string;
}

export function commandVocabulary(commands: readonly CommandSpec[]): CommandVocabulary {
  const groups = [...new Set(commands.map((c) => c.group))];
  const shorthands = new Map(
    commands.flatMap((c) => (c.shorthand ? [[c.shorthand, { group: c.group, name: c.name }] as const] : [])),
  );
  const firstWords = [...groups, ...shorthands.keys()];
  // Group names are plain words (checked by the declaration's type); escaping keeps it exact.
  const slashed = new RegExp(`(^|[\\s\`(])\\/(${groups.map(escapeRegExp).join("|")})\\b`, "g");
  const hints = groups.map((g) => `/${g} help`);
  return {
    groups,
    shorthands,
    prefixes: (sigil) => firstWords.map((word) => `${sigil}${word}`),
    helpHint: hints.length > 1 ? `${hints.slice(0, -1).join(", ")} or ${hints.at(-1)}` : (hints[0] ?? ""),
    inBangSyntax: (text) => text.replace(slashed, "$1!$2"),
  };
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
