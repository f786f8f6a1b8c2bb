// Usage lines are generated from what a command declares (its positional words, incident scope,
// options and sub-commands), so help and error hints cannot drift from what the router parses.
import { z } from "zod";
import type { CommandDeclaration, IncidentScope, Subcommand } from "./declaration.ts";

/** What usage shows for an incident id the command may be given. */
export const INCIDENT_ID_USAGE = "[<id>]";

type Declared = Pick<CommandDeclaration<IncidentScope>, "name" | "incident" | "words" | "options"> & {
  subcommands?: readonly Pick<Subcommand<never>, "usage">[];
};

/** Usage after the group: `declare <title> [sev:1-4] ...`, or `override <form> | override list [team]`. */
export function commandUsage(command: Declared): string {
  const head = [command.name, command.incident === "none" ? "" : INCIDENT_ID_USAGE];
  if (command.subcommands) {
    return command.subcommands.map((sub) => formUsage(command, sub)).join(" | ");
  }
  return join([...head, command.words ?? "", ...optionUsages(command.options)]);
}

/** One sub-command's form: `deadlines [<id>] start <preset> [aware:<time>]`. */
export function formUsage(command: Declared, sub: Pick<Subcommand<never>, "usage">): string {
  return join([command.name, command.incident === "none" ? "" : INCIDENT_ID_USAGE, sub.usage]);
}

/**
 * `[sev:1-4]` for an optional option, `due:<date>` for a required one. The hint after `key:` is
 * the option's `.meta({ usage })`, else `<key>`; `.meta({ usage, or: "until" })` shows two
 * options that exclude each other as one choice (`[for:4h|until:18:00]`).
 */
function optionUsages(options: z.ZodObject<z.ZodRawShape> | undefined): string[] {
  if (!options) return [];
  const entries = Object.entries(options.shape);
  const joined = new Set<string>();
  const usages: string[] = [];
  for (const [key, schema] of entries) {
    if (joined.has(key)) continue;
    const hint = optionHint(schema);
    const parts = [`${key}:${hint.usage ?? `<${key}>`}`];
    let optional = z.safeParse(schema, undefined).success;
    if (hint.or) {
      const other = options.shape[hint.or];
      if (other) {
        joined.add(hint.or);
        parts.push(`${hint.or}:${optionHint(other).usage ?? `<${hint.or}>`}`);
        optional &&= z.safeParse(other, undefined).success;
      }
    }
    const text = parts.join("|");
    usages.push(optional ? `[${text}]` : text);
  }
  return usages;
}

interface OptionHint {
  usage?: string;
  or?: string;
}

/** The usage metadata of an option, looked up through `.optional()` and the like. */
export function optionHint(schema: unknown): OptionHint {
  let current: unknown = schema;
  for (let depth = 0; depth < 4 && current; depth++) {
    const meta = (current as z.ZodType).meta?.() as OptionHint | undefined;
    if (meta?.usage !== undefined) return meta;
    const unwrap = (current as { unwrap?: () => unknown }).unwrap;
    current = typeof unwrap === "function" ? unwrap.call(current) : undefined;
  }
  return {};
}

function join(parts: string[]): string {
  return parts.filter((part) => part !== "").join(" ");
}
