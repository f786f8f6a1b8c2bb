// What a platform hands the router: who typed what, where, and where to answer. These types are
// shared by every layer; the ChatPlatform itself (src/chat/platform.ts) is not: only the outbox
// holds platforms, so an answer can only leave through it.
import type { Message } from "./message.ts";

/**
 * A platform's name: one registered in src/chat/platforms.ts (`slack`, `matrix`, `console`, or
 * one a test registers). A string, so that adding a platform changes no type here.
 */
export type PlatformName = string;

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
  /** The platform calls it a direct chat. A claim, not a fact: the outbox verifies it. */
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

/**
 * Where to answer an invocation. Made by the platform the command came from, and usable only by
 * it (`ChatPlatform.reply`), which only the outbox can reach. Platforms extend it with what they
 * need (Slack's response_url, Matrix's event to thread under).
 */
export interface ReplyTarget {
  readonly platform: PlatformName;
  readonly roomId: string;
  /** The caller's platform id. */
  readonly callerId: string;
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
  replyTarget: ReplyTarget;
}

/**
 * What became of an invocation: answered by this process, or left to another replica on the same
 * chat account that claimed the event first (that one answers; this one says nothing, not even a
 * platform's "handled" mark such as Matrix's ✅).
 */
export type InvocationOutcome = "answered here" | "left to another replica";

export type InvocationHandler = (invocation: Invocation) => Promise<InvocationOutcome>;
