// What a command module declares (the types are in declaration.ts) and `defineCommand`, which
// turns a declaration into a `CommandSpec` with its generated usage and sub-command dispatch.
import type { z } from "zod";
import type {
  CommandContext,
  CommandDeclaration,
  CommandHandling,
  CommandSpec,
  IncidentScope,
  ParsedArgs,
} from "./declaration.ts";
import { runSubcommand } from "./subcommands.ts";
import { commandUsage } from "./usage.ts";

export type {
  CommandContext,
  CommandDeclaration,
  CommandGroup,
  CommandHandling,
  CommandResult,
  CommandServices,
  CommandSpec,
  IncidentScope,
  ParsedArgs,
  PositionalMode,
  ScopedIncident,
  Subcommand,
} from "./declaration.ts";

/** Declares a command with its option types inferred from the zod schema. */
export function defineCommand<S extends z.ZodObject<z.ZodRawShape>, Scope extends IncidentScope>(
  spec: CommandDeclaration<Scope> & { options: S } & CommandHandling<z.infer<S>, Scope>,
): CommandSpec;
export function defineCommand<Scope extends IncidentScope>(
  spec: CommandDeclaration<Scope> & { options?: undefined } & CommandHandling<Record<string, never>, Scope>,
): CommandSpec;
export function defineCommand(
  spec: CommandDeclaration<IncidentScope> & CommandHandling<Record<string, unknown>, IncidentScope>,
): CommandSpec {
  const { subcommands } = spec;
  const handler = subcommands
    ? (ctx: CommandContext, args: ParsedArgs<Record<string, unknown>>) => runSubcommand(ctx, args, declared)
    : spec.handler;
  const declared: CommandSpec = { ...spec, usage: commandUsage(spec), handler } as CommandSpec;
  return declared;
}
