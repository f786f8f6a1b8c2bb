// The platform seam. A ChatPlatform turns its inbound events into Invocations (one command path
// for every platform) and performs the outbound actions the desk needs. Each platform owns its
// own rules: room naming and collisions, rate limits, message size limits, mention syntax.
import type { Message } from "./message.ts";

export type PlatformName = "console" | "slack" | "matrix";

/** Who sent a command, as the platform knows them. The router maps this to a Person. */
export interface PlatformUser {
  /** The platform's stable id: Slack `U123`, Matrix `@alice:example.org`, console `alice`. */
  externalId: string;
  displayName?: string;
  email?: string;
}

/** Where a command was typed. `roomId` is the platform's id; `name` is for people. */
export interface RoomRef {
  roomId: string;
  name?: string;
  /** True for a direct message with the bot. */
  direct?: boolean;
}

export type ReplyVisibility = "ephemeral" | "room";

/** What a command answers to the person who typed it. */
export interface Reply {
  message: Message;
  /** `ephemeral`: only the caller sees it (queries, errors); `room`: everyone in the room. */
  visibility: ReplyVisibility;
  /** Set on the answer to a command that was refused or failed (a piped console exits 1). */
  failed?: "refused" | "error";
}

export interface Invocation {
  platform: PlatformName;
  actor: PlatformUser;
  room: RoomRef;
  /** The command line as typed, with its leading `/` or `!`, e.g. `/inc declare "Phishing wave"`. */
  text: string;
  /**
   * Stable per inbound event (Slack request id, Matrix event id, console line number): an event
   * delivered twice is handled once.
   */
  dedupeKey: string;
  /** Sends the answer back to where the command came from. */
  respond(reply: Reply): Promise<void>;
}

export type InvocationHandler = (invocation: Invocation) => Promise<void>;

export interface IncidentRoomSpec {
  /** `INC-2026-0001` */
  publicId: string;
  title: string;
  topic: string;
  /** Platform user ids to invite (declarer, role holders). */
  invite: string[];
}

export interface CreatedRoom {
  roomId: string;
  name: string;
}

export interface ChatPlatform {
  readonly name: PlatformName;
  start(onInvocation: InvocationHandler): Promise<void>;
  stop(): Promise<void>;

  /**
   * Recognises this platform's mention syntax in one command token (`<@U123>`,
   * `@alice:example.org`, `@alice`) and returns the platform user id, or undefined.
   */
  parseMention(token: string): string | undefined;
  /** Profile of a platform user, or undefined when the platform does not know them. */
  lookupUser(externalId: string): Promise<PlatformUser | undefined>;
  /** How to write a mention of a user in this platform's text. */
  formatMention(externalId: string): string;

  createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom>;
  invite(roomId: string, externalIds: string[]): Promise<void>;
  setTopic(roomId: string, topic: string): Promise<void>;
  /** Posts to a room and returns the platform's message id. */
  post(roomId: string, message: Message): Promise<string>;
  /** Replaces an earlier message (the pinned incident summary). */
  update(roomId: string, messageId: string, message: Message): Promise<void>;
  pin(roomId: string, messageId: string): Promise<void>;
  directMessage(externalId: string, message: Message): Promise<void>;
  /**
   * Archives an incident room some time after the incident closed (TOCSIN_ARCHIVE_AFTER), where
   * the platform has such a thing (Slack). Optional: platforms without it keep their rooms.
   */
  archiveRoom?(roomId: string): Promise<void>;
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

export interface ChatFile {
  /** Shown and offered as the download name, e.g. `bulletin-2026-03-10.txt.asc`. */
  filename: string;
  content: string | Uint8Array;
  /** A caption shown with the file. */
  title?: string;
  /** `text/plain` when omitted. */
  mimeType?: string;
}
