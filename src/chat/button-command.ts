// What a button runs, as data: a command of the vocabulary (group, command, sub-command), the
// incident it acts on and its words. Domain code builds these; each platform writes them the way
// it needs (Slack carries the command line in the button's value, Matrix and the console show
// it as text to type). A click comes back as a command line and takes the typed path: the router
// tokenises it, finds the command, checks the clicker's permission and parses the arguments, so
// a forged button value is refused or allowed exactly like the same line typed by the clicker.
import type { COMMAND_TABLE } from "./command-words.ts";

type Table = typeof COMMAND_TABLE;
type Group = keyof Table;

interface CommandOf<G extends Group, N extends keyof Table[G]> {
  group: G;
  name: N;
  /** Only a sub-command the command declares (`done` of `/inc deadlines`). */
  subcommand?: Table[G][N] extends readonly string[] ? Table[G][N][number] : never;
  /** The incident it acts on, written after the command as a typed one would be. */
  incident?: string;
  /** The words that follow, each one word of the line (quoted when it needs to be). */
  args?: readonly (string | number)[];
}

/** A command a button runs; naming a command or sub-command that does not exist does not compile. */
export type ButtonCommand = {
  [G in Group]: { [N in keyof Table[G]]: CommandOf<G, N> }[keyof Table[G]];
}[Group];

/**
 * The command as a line the router reads: `/inc status INC-2026-0001 contained`. A word that
 * would not stay one word (spaces, quotes, empty) is quoted with escapes, so the line reads back
 * as the same command and words.
 */
export function commandLine(command: ButtonCommand, sigil: "/" | "!" = "/"): string {
  const words = [
    `${sigil}${command.group}`,
    String(command.name),
    ...(command.incident === undefined ? [] : [command.incident]),
    ...(command.subcommand === undefined ? [] : [command.subcommand]),
    ...(command.args ?? []).map(String),
  ];
  return words.map(asWord).join(" ");
}

/** Anything that could split, open a quote or vanish is quoted; the tokenizer undoes it. */
const NEEDS_QUOTES = /^$|[\s"'“”„«»‘’\\]/;

function asWord(word: string): string {
  return NEEDS_QUOTES.test(word) ? `"${word.replace(/[\\"]/g, "\\$&")}"` : word;
}
