// Commands with sub-commands (`/inc deadlines start nis2`, `/oncall override list`) declare them
// as a table: each form names its first word, its usage and how many words follow. The command's
// usage line (src/router/usage.ts) and its dispatch here are both made from that table.
import { UserError } from "../errors.ts";
import type { CommandContext, CommandResult, CommandSpec, ParsedArgs, Subcommand } from "./declaration.ts";
import { formUsage } from "./usage.ts";

/**
 * Runs the sub-command the first positional word names, else the default form with every word.
 * A wrong number of words, or a first word that names nothing, is refused with the usage.
 */
export async function runSubcommand<O>(
  ctx: CommandContext,
  args: ParsedArgs<O>,
  command: CommandSpec<O>,
): Promise<CommandResult> {
  const table = command.subcommands ?? [];
  const [first, ...rest] = args.words;
  const named = first === undefined ? undefined : table.find((sub) => sub.name === first.toLowerCase());
  const sub = named ?? table.find((candidate) => candidate.name === undefined);
  const words = named ? rest : args.words;
  const fits = sub !== undefined && countFits(sub, words.length);
  if (sub && fits) return sub.run(ctx, args, words);
  const usage = `/${command.group} ${command.usage}`;
  if (!named && first !== undefined) {
    throw new UserError(`"${first}" is not something ${command.name} does.`, {
      code: "subcommand.unknown",
      usage,
    });
  }
  throw new UserError(`Say ${sub?.say ?? "what to do"}.`, {
    code: "subcommand.incomplete",
    usage: sub ? `/${command.group} ${formUsage(command, sub)}` : usage,
  });
}

function countFits<O>(sub: Subcommand<O>, count: number): boolean {
  const [min, max] = typeof sub.words === "number" ? [sub.words, sub.words] : sub.words;
  return count >= min && count <= max;
}
