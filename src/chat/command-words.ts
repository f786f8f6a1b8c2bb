// The words that start a command, as the platforms need them (Slack's slash commands, Matrix's
// `!` prefixes, the hint a direct message gets), kept below the router so a platform never
// imports the command declarations. The declarations stay the source: a test checks that these
// words are exactly the ones `COMMANDS` declares (test/unit/router/command-words.test.ts).

export interface CommandWords {
  /** Groups in declaration order: `["inc", "oncall", "bulletin", "alert"]`. */
  readonly groups: readonly string[];
  /** Every first word with its sigil: `["!inc", "!oncall", "!bulletin", "!ack"]`. */
  prefixes(sigil: "/" | "!"): string[];
  /** `/inc help, /oncall help or /bulletin help`, for texts that point people at help. */
  readonly helpHint: string;
}

const GROUPS = ["inc", "oncall", "bulletin", "alert"] as const;
/** First words standing for a group and a command (`ack` is `oncall ack`). */
const SHORTHANDS = ["ack"] as const;

export const COMMAND_WORDS: CommandWords = {
  groups: GROUPS,
  prefixes: (sigil) => [...GROUPS, ...SHORTHANDS].map((word) => `${sigil}${word}`),
  helpHint: "/inc help, /oncall help, /bulletin help or /alert help",
};
