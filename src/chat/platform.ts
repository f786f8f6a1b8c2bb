// The platform seam. A ChatPlatform turns its inbound events into Invocations (one command path
// for every platform) and performs the outbound actions the desk needs. Each platform owns its
// own rules: room naming and collisions, rate limits, message size limits, mention syntax.
//
// Only the outbox (src/outbox/) and the composition root may import this module: everything
// that leaves tocsin passes the outbox's TLP and visibility rules (npm run lint enforces it).
import type { InvocationHandler, PlatformName, PlatformUser, Reply, ReplyTarget } from "./invocation.ts";
import type { ChatFile, Message } from "./message.ts";

export type { ChatFile };

export interface IncidentRoomSpec {
  /** `INC-2026-0001` */
  publicId: string;
  /** Empty for a restricted incident: its room is named by the id alone. */
  title: string;
  topic: string;
  /** Platform user ids to invite (declarer, role holders). */
  invite: string[];
}

/**
 * What a platform keeps across restarts (Matrix: its sync token, the direct chat room per
 * person), as string values under string keys of its own. The composition root hands each
 * platform a store scoped to it (PlatformState rows over Prisma), so platforms import no database.
 */
export interface PlatformStateStore {
  get(key: string): Promise<string | undefined>;
  /** Creates or replaces the key's value. */
  set(key: string, value: string): Promise<void>;
  /** Removes the key; with `value`, only while the key still holds that value. */
  delete(key: string, value?: string): Promise<void>;
  /** Every entry whose key starts with `prefix` (`""` for all). */
  list(prefix: string): Promise<Array<{ key: string; value: string }>>;
}

/** How an outbound message travels. */
export interface SendOptions {
  /**
   * A page (its DM, its line in a room): it goes ahead of housekeeping waiting for the same room
   * (summary edits, topics, bulletins), and over a connection of its own where the platform
   * queues requests (Slack), so chat housekeeping can never delay a page.
   */
  urgent?: boolean;
}

export interface CreatedRoom {
  roomId: string;
  name: string;
}

/** A direct message as sent: its conversation (a Slack IM channel, a Matrix direct room) and id. */
export interface SentDirectMessage {
  roomId: string;
  messageId: string;
}

export interface ChatPlatform {
  readonly name: PlatformName;
  start(onInvocation: InvocationHandler): Promise<void>;
  stop(): Promise<void>;

  /** Answers an invocation this platform made (its `replyTarget`). */
  reply(target: ReplyTarget, reply: Reply): Promise<void>;
  /** Whether `ephemeral` replies are seen by the caller alone (Slack, console); Matrix has none. */
  readonly ephemeralReplies: boolean;
  /**
   * True when the room is a direct chat between the bot and this person and nobody else (Slack
   * IM channels; Matrix rooms whose joined and invited members are exactly the two).
   */
  isDirectWith(roomId: string, externalId: string): Promise<boolean>;
  /** True when the person belongs to another organisation (another homeserver or workspace). */
  isExternalUser(externalId: string): boolean;

  /**
   * Recognises this platform's mention syntax in one command token (`<@U123>`,
   * `@alice:example.org`, `@alice`) and returns the platform user id, or undefined.
   */
  parseMention(token: string): string | undefined;
  /** Profile of a platform user, or undefined when the platform does not know them. */
  lookupUser(externalId: string): Promise<PlatformUser | undefined>;

  createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom>;
  invite(roomId: string, externalIds: string[]): Promise<void>;
  setTopic(roomId: string, topic: string): Promise<void>;
  /** Posts to a room and returns the platform's message id. */
  post(roomId: string, message: Message, options?: SendOptions): Promise<string>;
  /** Replaces an earlier message (the pinned incident summary). */
  update(roomId: string, messageId: string, message: Message): Promise<void>;
  pin(roomId: string, messageId: string): Promise<void>;
  /**
   * Sends a direct message; where it went (its conversation and message id) when the platform
   * can edit it later (a page's DM follows the page's state), undefined where it cannot.
   */
  directMessage(
    externalId: string,
    message: Message,
    options?: SendOptions,
  ): Promise<SentDirectMessage | undefined>;
  /**
   * Archives an incident room some time after the incident closed (TOCSIN_ARCHIVE_AFTER), where
   * the platform has such a thing (Slack). Optional: platforms without it keep their rooms.
   */
  archiveRoom?(roomId: string): Promise<void>;
  /**
   * How long the platform asked to wait (its Retry-After) when `error`, a failure of one of its
   * calls, is a rate limit it still answered after its own bounded waits; undefined otherwise. A
   * durable retry of a room's refresh is not made sooner.
   */
  retryAfterMs?(error: unknown): number | undefined;
  /**
   * True when the room is shared outside the organisation (Slack Connect, Matrix members from
   * other homeservers): the TLP gate then lets at most TLP:GREEN in. Platforms without shared
   * rooms (the console) leave it out.
   */
  isExternal?(roomId: string): Promise<boolean>;
  /**
   * Gives people moderator rights in a room (the incident commander): on Matrix, power level 50,
   * so they can kick, redact and change the topic without the bot. The room's creator (the bot)
   * keeps its own level. Optional: Slack has no per-channel roles, the console no rights at all.
   */
  setModerators?(roomId: string, externalIds: string[]): Promise<void>;
  /**
   * Posts a file to a room (Slack file upload, Matrix m.file, a printed file in the console).
   * Signed bulletins and reports travel as files because chat formatting (Markdown rewriting,
   * smart quotes, wrapped lines) would break their signature, and charts are images. Optional:
   * without it the text goes into the message as a code block.
   */
  postFile?(roomId: string, file: ChatFile): Promise<void>;
}
