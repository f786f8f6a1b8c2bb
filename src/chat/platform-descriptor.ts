// What tocsin knows about a chat platform without running it: its name, how configuration files
// name its people and rooms, how people mention each other on it, how long a message may be.
// Each platform folder has one (src/chat/<platform>/descriptor.ts), listed in the one registry
// (src/chat/platforms.ts); config schemas, access grants, bulletin destinations, the mirror
// command and digest splitting are built from the registry, not from a list of names.

import type { Logger } from "pino";
import type { z } from "zod";
import type { HttpServer } from "../http/server.ts";
import type { CommandWords } from "./command-words.ts";
import type { ChatPlatform, PlatformStateStore } from "./platform.ts";

/**
 * Who belongs to the organisation, from configuration only (src/access/organisation.ts makes it):
 * what a descriptor's `belongsTo` decides from.
 */
export interface Organisation {
  /** Matrix server names whose users are the organisation's, lowercase. */
  matrixHomeservers: ReadonlySet<string>;
}

export interface MessageLimits {
  /** Maximum characters of one message's text (the renderer may still split it in blocks). */
  maxChars: number;
  /** Maximum blocks of one message, when the platform counts them. */
  maxBlocks?: number;
}

/** A platform's configuration from the environment (one `variable()` per setting). */
export interface PlatformEnvironment<Settings = unknown> {
  readonly variables: Record<string, z.ZodType>;
  /**
   * The settings from the parsed variables, undefined when the platform is not configured; or
   * one sentence per problem (variables that only work together).
   */
  read(env: Record<string, unknown>): { settings?: Settings; problems: string[] };
  /**
   * Imports the platform's code and SDK and returns what makes the platform from its settings
   * (main.ts, for each configured platform, while the database starts). Only then: Bolt and
   * matrix-js-sdk weigh a lot of memory and start-up time in a process that uses neither.
   * Given the settings, so that a platform can begin what its start will need meanwhile (Slack
   * over HTTP spawns its ack thread, whose code then loads while PostgreSQL starts).
   */
  load(settings: Settings): Promise<PlatformMaker<Settings>>;
}

export type PlatformMaker<Settings = unknown> = (settings: Settings, deps: PlatformDeps) => ChatPlatform;

/** What the composition root gives a platform it makes. */
export interface PlatformDeps {
  http: HttpServer;
  log: Logger;
  /** What the platform keeps across restarts (its own keys), over the database. */
  state: PlatformStateStore;
  /** The words that start a command, from the command declarations. */
  vocabulary: CommandWords;
}

export interface PlatformDescriptor {
  /** The name in configuration and in the database (`slack`, `matrix`, `console`). */
  readonly name: string;
  /** How people call it: `Slack`. */
  readonly title: string;
  /** A person's id as configuration files write it (on-call `identities:`, access grants). */
  readonly userId: {
    /** Validates a configured id, saying what one looks like when it is wrong. */
    readonly schema: z.ZodType<string, string>;
    /** An id for hints: `U024BE7LH`. */
    readonly example: string;
    /** The id as the platform reports it (console handles lose `@` and case). */
    normalise(id: string): string;
  };
  /** A room's id as configuration files write it (team channels, bulletin destinations). */
  readonly roomId: {
    readonly schema: z.ZodType<string, string>;
    /** How a destination hint writes it: `"#soc"`, `<channel id>`. */
    readonly example: string;
  };
  /** The id of the person a typed token mentions (`<@U123|alice>`, `@alice`), else undefined. */
  parseMention(token: string): string | undefined;
  /**
   * Whether a user of this platform is one of the organisation's people (decided from
   * configuration only, never from anything a user controls; see src/access/organisation.ts).
   */
  belongsTo(externalId: string, organisation: Organisation): boolean;
  /** Limits of one message: bulletin digests are split to fit them. */
  readonly limits: MessageLimits;
  /** The platform's environment variables and its settings from them; none: always available. */
  // biome-ignore lint/suspicious/noExplicitAny: each platform's own settings type, read and used by it alone
  readonly environment?: PlatformEnvironment<any>;
  /** Offered as a mirror for incidents (usage of `/inc mirror`, TOCSIN_MIRROR_NEW_INCIDENTS). */
  readonly mirrorable: boolean;
}
