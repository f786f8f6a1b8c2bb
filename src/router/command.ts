// What a command module declares. The router reads these declarations to tokenise, find the
// command, check permission, parse arguments and generate help; the handler only does the work.
import type { z } from "zod";
import type { Origin } from "../activity/origin.ts";
import type { Reply } from "../chat/invocation.ts";
import type { Message } from "../chat/message.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { Content, Subject } from "../outbox/outbox.ts";
import type { Services } from "../services.ts";

export type CommandGroup = "inc" | "oncall" | "bulletin";

/**
 * What a command may require: a role, or `incident-roles` (taking or handing out an incident's
 * roles). Who holds which is decided by the permission policy.
 */
export type Permission =
  | "viewer"
  | "responder"
  | "commander"
  | "incident-roles"
  | "team-lead"
  | "bulletin-editor"
  | "admin";

/**
 * How the words after the command are read:
 * - `none`: no positional words allowed;
 * - `words`: positional words (and mentions) with `key:value` options;
 * - `raw`: everything after the command (and an incident id) verbatim, no options parsed:
 *   for free text such as notes, where `10.0.0.1:443` must stay text.
 */
export type PositionalMode = "none" | "words" | "raw";

/** Where a command acts: on no incident, on one (from an explicit id or the room), or either. */
export type IncidentScope = "none" | "required" | "optional";

export interface ParsedArgs<O> {
  /** Positional words joined by single spaces (quoted words keep their inner spaces). */
  text: string;
  words: string[];
  options: O;
  /** People mentioned, in order, resolved to Persons. */
  mentions: Person[];
}

export interface CommandContext {
  origin: Origin;
  services: Services;
  /** Set when the command's incident scope found one. */
  incident?: Incident;
  /** Renders a mention of a person for the platform the command came from. */
  mention(person: Person): string;
}

export interface CommandResult {
  /** Answer to the caller. Omitted when the announcement already reaches the caller's room. */
  reply?: Reply;
  /** Posted to every room bound to the incident (and the pinned summary refreshed). */
  announce?: {
    incidentId: string;
    message: Message;
    refreshSummary?: boolean;
    /** The change's timeline entry, marked announced once the rooms have it. */
    timelineEntryId?: string;
  };
  /** The incident the reply is about, when not the one the command acted on. */
  incidentId?: string;
  /**
   * What the reply is about, when it is not simply the command's incident: a list of incidents,
   * a page list. Without it the outbox is told the command's incident, else the message's label,
   * else that it is the bot's own words.
   */
  about?: Subject;
  /** The reply rendered per audience (a list leaves out what its reader may not see). */
  content?: Content;
}

export interface CommandSpec<O extends Record<string, unknown> = Record<string, unknown>> {
  group: CommandGroup;
  name: string;
  aliases?: string[];
  summary: string;
  /** Usage after the group, e.g. `declare <title> [sev:1-4] [tlp:<label>]`. */
  usage: string;
  /** Lines after the group; `{id}` and `{id2}` stand for incident ids (shown with the prefix). */
  examples?: string[];
  permission: Permission;
  incident: IncidentScope;
  positional: PositionalMode;
  /**
   * Longest command line accepted, when more than the usual MAX_COMMAND_LENGTH: for commands
   * that take a pasted document (a clear-signed bulletin to verify).
   */
  maxLength?: number;
  /** zod object over the `key:value` options; its keys are the declared option names. */
  options?: z.ZodObject<z.ZodRawShape>;
  handler(ctx: CommandContext, args: ParsedArgs<O>): Promise<CommandResult>;
}

/** Declares a command with its option types inferred from the zod schema. */
export function defineCommand<S extends z.ZodObject<z.ZodRawShape>>(
  spec: Omit<CommandSpec<z.infer<S>>, "options"> & { options: S },
): CommandSpec;
export function defineCommand(spec: Omit<CommandSpec<Record<string, never>>, "options">): CommandSpec;
export function defineCommand(spec: CommandSpec<never>): CommandSpec {
  return spec as unknown as CommandSpec;
}
