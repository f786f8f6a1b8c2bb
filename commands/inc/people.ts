// "@person or me": the one person a role command is about.
import { UserError } from "../../src/errors.ts";
import type { Person } from "../../src/generated/prisma/client.ts";
import type { CommandContext, ParsedArgs } from "../../src/router/command.ts";

export function personFrom(ctx: CommandContext, args: ParsedArgs<unknown>, words: string[]): Person {
  const meant = words.filter((w) => w.toLowerCase() !== "me");
  const me = words.length !== meant.length;
  if (meant.length > 0)
    throw new UserError(`"${meant[0]}" is not a person I know: mention them, e.g. @alice.`);
  const people = [...args.mentions, ...(me ? [ctx.origin.actor] : [])];
  if (people.length !== 1) throw new UserError("Name exactly one person: a mention like @alice, or me.");
  return people[0]!;
}
