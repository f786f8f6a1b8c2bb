// Commands with sub-commands (`/inc deadlines start nis2`, `/oncall override list`) declare them
// in a table: each names its first word, its usage and how many words follow. The command's
// usage line and its dispatch are both made from that table, so they cannot drift apart.
import { UserError } from "../src/errors.ts";
import type { CommandContext, CommandGroup, CommandResult, ParsedArgs } from "../src/router/command.ts";

export interface Subcommand<O> {
  /** The first word that selects it; undefined for the command's default form. */
  name?: string;
  /** Usage after the command, e.g. `start <preset> [aware:<time>]`. */
  usage: string;
  /** How many words follow the sub-command's name: exactly n, or [min, max]. */
  words: number | readonly [number, number];
  /** Said when the number of words is wrong: "Say <say>." */
  say: string;
  run(ctx: CommandContext, args: ParsedArgs<O>, words: string[]): Promise<CommandResult>;
}

export interface SubcommandTable<O> {
  group: CommandGroup;
  command: string;
  /** What comes before each form in the usage, when more than the command (`deadlines [<id>]`). */
  prefix?: string;
  subcommands: readonly Subcommand<O>[];
}

/** `deadlines [<id>] | deadlines start <preset> | ...`: the command's usage, one form per sub-command. */
export function subcommandUsage<O>(table: SubcommandTable<O>): string {
  return table.subcommands.map((sub) => formUsage(table, sub)).join(" | ");
}

function formUsage<O>(table: SubcommandTable<O>, sub: Subcommand<O>): string {
  return `${table.prefix ?? table.command} ${sub.usage}`.trim();
}

/**
 * Runs the sub-command the first positional word names, else the default form with every word.
 * A wrong number of words, or a first word that names nothing, is refused with the usage.
 */
export async function runSubcommand<O>(
  ctx: CommandContext,
  args: ParsedArgs<O>,
  table: SubcommandTable<O>,
): Promise<CommandResult> {
  const [first, ...rest] = args.words;
  const named =
    first === undefined ? undefined : table.subcommands.find((sub) => sub.name === first.toLowerCase());
  const sub = named ?? table.subcommands.find((candidate) => candidate.name === undefined);
  const words = named ? rest : args.words;
  const fits = sub !== undefined && countFits(sub, words.length);
  if (sub && fits) return sub.run(ctx, args, words);
  const usage = `/${table.group} ${subcommandUsage(table)}`;
  if (!named && first !== undefined) {
    throw new UserError(`"${first}" is not something ${table.command} does.`, { usage });
  }
  throw new UserError(`Say ${sub?.say ?? "what to do"}.`, {
    usage: sub ? `/${table.group} ${formUsage(table, sub)}` : usage,
  });
}

function countFits<O>(sub: Subcommand<O>, count: number): boolean {
  const [min, max] = typeof sub.words === "number" ? [sub.words, sub.words] : sub.words;
  return count >= min && count <= max;
}
