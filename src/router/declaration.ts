// What a command module declares, as types only: the router reads these declarations to tokenise,
// find the command, check permission, parse arguments and generate help; the handler only does
// the work. Types only, so that usage and sub-command dispatch (which `defineCommand` in
// command.ts uses) can name them without an import cycle.
import type { z } from "zod";
import type { Permission, PermissionPolicy } from "../access/permissions.ts";
import type { Origin } from "../activity/origin.ts";
import type { Alerts } from "../alerts/alerts.ts";
import type { Bulletins } from "../bulletins/service.ts";
import type { PlatformName, Reply } from "../chat/invocation.ts";
import type { Message } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { IncidentRooms } from "../incidents/incident-rooms.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { OncallServices } from "../oncall/oncall-services.ts";
import type { Content, Subject } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";

export type CommandGroup = "inc" | "oncall" | "bulletin" | "alert";

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
  /**
   * Mentions, as typed, of people tocsin has never seen on this platform, for a command that
   * declares `knownMentionsOnly` (otherwise they are Persons made from the platform's profile).
   */
  strangers: string[];
}

/**
 * What a handler may use: the domain services and the clock, never a platform, the database
 * client, HTTP or metrics. Mentions arrive resolved (`ParsedArgs.mentions`); answers leave as the
 * handler's result, through the router and the outbox.
 */
export interface CommandServices {
  clock: Clock;
  /** IANA zone used to show times in messages. */
  timeZone: string;
  incidents: Incidents;
  /** The incident's rooms on every platform: open, announce, refresh, invite, archive. */
  rooms: IncidentRooms;
  people: Pick<People, "identities" | "displayNames">;
  oncall: OncallServices;
  /** The alert desk: list, show, acknowledge, resolve, silence, declare from and link alerts. */
  alerts: Pick<Alerts, "actions" | "declarer">;
  /** Bulletin subscriptions, schedules and signing; undefined when bulletins are off. */
  bulletins?: Bulletins;
  /** Finer decisions than the command's own permission (who may hand out a role, ...). */
  permissions: PermissionPolicy;
  platforms: {
    /** Whether the platform runs in this process (a room can be opened on it). */
    runs(platform: string): platform is PlatformName;
    /** Every new incident also gets a room on this platform (TOCSIN_MIRROR_NEW_INCIDENTS). */
    mirrorNewIncidentsTo?: PlatformName;
  };
}

/** The incident a command acts on: always there when its scope is `required`. */
export type ScopedIncident<Scope extends IncidentScope> = Scope extends "required"
  ? Incident
  : Scope extends "none"
    ? undefined
    : Incident | undefined;

export interface CommandContext<Scope extends IncidentScope = IncidentScope> {
  origin: Origin;
  services: CommandServices;
  /** The incident the command's scope found (see `IncidentScope`). */
  incident: ScopedIncident<Scope>;
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

/** What a command module declares; `defineCommand` turns it into a `CommandSpec`. */
export interface CommandDeclaration<Scope extends IncidentScope> {
  group: CommandGroup;
  name: string;
  aliases?: string[];
  /** A first word that runs this command without its group: `ack` for `/oncall ack` (`/ack`). */
  shorthand?: string;
  summary: string;
  /**
   * The positional words as usage shows them, e.g. `<status> [note]`. The usage line is made
   * from this, the incident scope and the options, so it cannot drift from what is parsed.
   */
  words?: string;
  /** Lines after the group; `{id}` and `{id2}` stand for incident ids (shown with the prefix). */
  examples?: string[];
  permission: Permission;
  incident: Scope;
  positional: PositionalMode;
  /**
   * Longest command line accepted, when more than the usual MAX_COMMAND_LENGTH: for commands
   * that take a pasted document (a clear-signed bulletin to verify).
   */
  maxLength?: number;
  /**
   * In `raw` mode, how many words before the raw text are read like `words` (a mention among
   * them is resolved into `mentions`); they are `args.words`, the rest is `args.text`.
   */
  leadingWords?: number;
  /**
   * Mentions must name people tocsin knows (configured, or seen on the platform): a stranger is
   * not made a Person from the platform's profile but left in `args.strangers`. For commands
   * that must reach someone real: the console accepts any name.
   */
  knownMentionsOnly?: boolean;
  /**
   * zod object over the `key:value` options; its keys are the declared option names, and an
   * option's `.meta({ usage })` is what usage shows after `key:` (see `optionHint`).
   */
  options?: z.ZodObject<z.ZodRawShape>;
}

/** A command with sub-commands (`/oncall override list`): each form declared, dispatched by the router. */
export type CommandHandling<O, Scope extends IncidentScope> =
  | { handler(ctx: CommandContext<Scope>, args: ParsedArgs<O>): Promise<CommandResult>; subcommands?: never }
  | { subcommands: readonly Subcommand<O, Scope>[]; handler?: never };

export interface Subcommand<O = Record<string, unknown>, Scope extends IncidentScope = IncidentScope> {
  /** The first word that selects it; undefined for the command's default form. */
  name?: string;
  /** Usage after the command, e.g. `start <preset> [aware:<time>]`. */
  usage: string;
  /** How many words follow the sub-command's name: exactly n, or [min, max]. */
  words: number | readonly [number, number];
  /** Said when the number of words is wrong: "Say <say>." */
  say: string;
  run(ctx: CommandContext<Scope>, args: ParsedArgs<O>, words: string[]): Promise<CommandResult>;
}

export interface CommandSpec<O = Record<string, unknown>> extends CommandDeclaration<IncidentScope> {
  /** Usage after the group, e.g. `declare <title> [sev:1-4] [tlp:<label>]`: generated, never written. */
  readonly usage: string;
  readonly subcommands?: readonly Subcommand<O>[];
  handler(ctx: CommandContext, args: ParsedArgs<O>): Promise<CommandResult>;
}
