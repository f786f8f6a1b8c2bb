// The words that start a command, as the platforms need them (Slack's slash commands, Matrix's
// `!` prefixes, the hint a direct message gets), kept below the router so a platform never
// imports the command declarations, and the table of commands buttons are typed from. The
// declarations stay the source: a test checks that these words and this table are exactly what
// `COMMANDS` declares (test/unit/router/command-words.test.ts).

export interface CommandWords {
  /** Groups in declaration order: `["inc", "oncall", "bulletin", "alert"]`. */
  readonly groups: readonly string[];
  /** Every first word with its sigil: `["!inc", "!oncall", "!bulletin", "!ack"]`. */
  prefixes(sigil: "/" | "!"): string[];
  /** `/inc help, /oncall help, /bulletin help or /alert help`, for texts that point people at help. */
  readonly helpHint: string;
}

/**
 * Every command by group, each with the names of its sub-commands: what a button may run
 * (src/chat/button-command.ts types a button's command from it). A test keeps it equal to the
 * declarations in `COMMANDS` (test/unit/router/command-words.test.ts).
 */
export const COMMAND_TABLE = {
  inc: {
    declare: [],
    status: [],
    sev: [],
    class: [],
    tlp: [],
    title: [],
    role: [],
    lead: [],
    invite: [],
    join: [],
    note: [],
    update: [],
    timeline: [],
    task: [],
    tasks: [],
    done: [],
    list: [],
    show: [],
    close: [],
    reopen: [],
    report: [],
    classes: [],
    audit: [],
    mirror: [],
    page: [],
    deadlines: ["presets", "start", "done", "request", "stop"],
  },
  oncall: {
    who: [],
    schedule: [],
    teams: [],
    page: [],
    ack: [],
    resolve: [],
    pages: [],
    cover: [],
    override: ["list", "remove"],
    feeds: [],
    reload: [],
  },
  bulletin: {
    preview: [],
    publish: [],
    schedules: [],
    sources: [],
    post: [],
    stats: [],
    key: [],
    verify: [],
  },
  alert: {
    list: [],
    show: [],
    ack: [],
    resolve: [],
    silence: [],
    declare: [],
    link: [],
  },
} as const satisfies Record<string, Record<string, readonly string[]>>;

const GROUPS = Object.keys(COMMAND_TABLE) as (keyof typeof COMMAND_TABLE)[];
/** First words standing for a group and a command (`ack` is `oncall ack`). */
const SHORTHANDS = ["ack"] as const;

export const COMMAND_WORDS: CommandWords = {
  groups: GROUPS,
  prefixes: (sigil) => [...GROUPS, ...SHORTHANDS].map((word) => `${sigil}${word}`),
  helpHint: "/inc help, /oncall help, /bulletin help or /alert help",
};
