// Everything the Matrix platform sends: incident rooms (create, invite, topic, pin, moderators),
// notices and their edits, files, direct messages, threaded replies to commands and the ✅ on a
// handled command.
//
// Sends go through MatrixCalls (429s and transient failures retried for every call, per-room
// lanes keep the order) with our own transaction ids, not through the SDK's sendEvent: its local
// echo and scheduler would retry messages on their own (twice the policy) and queue every room's
// messages behind one rate-limited send. A message that cannot be delivered is logged, never
// dropped silently.
import { createHash, randomBytes } from "node:crypto";
import { EventType, type IPowerLevelsContent, Method, Preset, Visibility } from "matrix-js-sdk";
import type { Logger } from "pino";
import type { Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile } from "../message.ts";
import { type Message, mentionedUsers, message, text } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";
import type { CreatedRoom, IncidentRoomSpec, SendOptions, SentDirectMessage } from "../platform.ts";
import { slugForChannelName } from "../room-name.ts";
import type { DirectRooms } from "./direct-rooms.ts";
import { MAX_CONTENT_BYTES, type NoticeContent, noticeContent } from "./html.ts";
import { CallsStopped, type MatrixCalls, matrixErrcode } from "./matrix-calls.ts";
import type { ClientSlot } from "./matrix-client.ts";
import { serverNameOf } from "./mentions.ts";
import type { RoomKnowledge } from "./room-knowledge.ts";
import type { RawEvent } from "./sync-batch.ts";

export const PLATFORM = "matrix" as const;
const ACK_REACTION = "✅";
/** Power level of moderators in Element's default power levels. */
const MODERATOR_POWER = 50;
/** `inc-2026-0001`, `inc-2026-0001-2`, ... before creating the room gives up. */
const MAX_ALIAS_ATTEMPTS = 20;
const MAX_ROOM_NAME_LENGTH = 120;

/** Where a Matrix answer goes: threaded under the command (or the reacted page), numbered per command. */
interface MatrixReplyTarget extends ReplyTarget {
  command: RawEvent;
  replies: number;
}

export function replyTargetOf(roomId: string, sender: string, command: RawEvent): ReplyTarget {
  const target: MatrixReplyTarget = { platform: PLATFORM, roomId, callerId: sender, command, replies: 0 };
  return target;
}

export interface OutboundParts {
  slot: ClientSlot;
  calls: MatrixCalls;
  log: Logger;
  userId: string;
  directRooms: DirectRooms;
  rooms: RoomKnowledge;
}

export class MatrixOutbound {
  readonly #slot: ClientSlot;
  readonly #calls: MatrixCalls;
  readonly #log: Logger;
  readonly #userId: string;
  readonly #directRooms: DirectRooms;
  readonly #rooms: RoomKnowledge;

  constructor(parts: OutboundParts) {
    this.#slot = parts.slot;
    this.#calls = parts.calls;
    this.#log = parts.log;
    this.#userId = parts.userId;
    this.#directRooms = parts.directRooms;
    this.#rooms = parts.rooms;
  }

  // ---- rooms ------------------------------------------------------------------------------------

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    const client = this.#slot.require();
    const localpart = slugForChannelName(spec.publicId) || "incident";
    // A restricted incident's room comes without a title: named by its id alone, no trailing space.
    const name = truncate(
      spec.title ? `${spec.publicId} ${spec.title}` : spec.publicId,
      MAX_ROOM_NAME_LENGTH,
    );
    for (let attempt = 1; attempt <= MAX_ALIAS_ATTEMPTS; attempt++) {
      const aliasLocalpart = attempt === 1 ? localpart : `${localpart}-${attempt}`;
      let roomId: string;
      try {
        // Rooms are created unencrypted in this version. End-to-end encryption plugs in here:
        // `initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm:
        // "m.megolm.v1.aes-sha2" } }]`, once the client runs a crypto backend
        // (client.initRustCrypto) with a persistent crypto store and a verified device; every send
        // then has to go through the SDK's encrypting path instead of the raw PUT in #send.
        const created = await this.#calls.run(
          "createRoom",
          () =>
            client.createRoom({
              preset: Preset.PrivateChat,
              visibility: Visibility.Private,
              name,
              topic: spec.topic,
              room_alias_name: aliasLocalpart,
              // Only the bot and moderators (the commander) invite: everyone else asks the desk
              // with `!inc invite`, which records the participant in the incident's audit trail.
              power_level_content_override: { invite: MODERATOR_POWER },
            }),
          // The room may exist even when the answer was lost: never create it twice.
          { repeatable: false },
        );
        roomId = created.room_id;
      } catch (error) {
        if (matrixErrcode(error) === "M_ROOM_IN_USE") continue;
        throw error;
      }
      await this.invite(roomId, spec.invite);
      return { roomId, name: `#${aliasLocalpart}:${serverNameOf(this.#userId)}` };
    }
    throw new Error(`no free room alias for ${spec.publicId} after ${MAX_ALIAS_ATTEMPTS} attempts`);
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    const client = this.#slot.require();
    const room = client.getRoom(roomId);
    const invitees = [...new Set(externalIds)].filter((id) => {
      if (id === this.#userId) return false;
      const membership = room?.getMember(id)?.membership;
      return membership !== "join" && membership !== "invite";
    });
    // One call per person: a refused invite (unknown user, banned) must not stop the others.
    for (const userId of invitees) {
      try {
        await this.#calls.run("invite", () => client.invite(roomId, userId), { repeatable: true });
      } catch (error) {
        const status = (error as { httpStatus?: number }).httpStatus;
        if (matrixErrcode(error) && status !== undefined && status >= 400 && status < 500 && status !== 429) {
          // Already in the room, unknown on their server, banned: the room is still usable.
          this.#log.warn({ roomId, user: userId, err: error }, "could not invite a person to the room");
          continue;
        }
        throw error;
      }
    }
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    const client = this.#slot.require();
    // Always sent: the outbox leaves out a topic the room shows already, by the record replicas
    // share (src/outbox/fingerprint.ts). This process's memory of what it set, or its synced state,
    // may be older than another replica's topic (a GREEN one, where this sets the withheld topic
    // of a raise to RED), and skipping on it left that topic in the room.
    await this.#calls.inLane(roomId, async () => {
      await this.#calls.run(
        "set topic",
        () => client.sendStateEvent(roomId, EventType.RoomTopic, { topic }, ""),
        { repeatable: true },
      );
    });
  }

  async pin(roomId: string, messageId: string): Promise<void> {
    const client = this.#slot.require();
    // Read, append, write: in the room's lane so two pins do not overwrite each other.
    await this.#calls.inLane(roomId, async () => {
      const current = await this.#rooms.readState(roomId, "m.room.pinned_events");
      const pinned = Array.isArray(current?.pinned)
        ? current.pinned.filter((id): id is string => typeof id === "string")
        : [];
      if (pinned.includes(messageId)) return;
      await this.#calls.run(
        "pin",
        () =>
          client.sendStateEvent(roomId, EventType.RoomPinnedEvents, { pinned: [...pinned, messageId] }, ""),
        { repeatable: true },
      );
    });
  }

  /** Gives people moderator power (50) in a room, e.g. the incident commander. */
  async setModerators(roomId: string, externalIds: string[]): Promise<void> {
    const client = this.#slot.require();
    await this.#calls.inLane(roomId, async () => {
      const levels = (await this.#rooms.readState(roomId, "m.room.power_levels")) ?? {};
      const users: Record<string, number> = { ...(levels.users as Record<string, number> | undefined) };
      const usersDefault = typeof levels.users_default === "number" ? levels.users_default : 0;
      let changed = false;
      for (const id of externalIds) {
        if ((users[id] ?? usersDefault) >= MODERATOR_POWER) continue;
        users[id] = MODERATOR_POWER;
        changed = true;
      }
      if (!changed) return;
      await this.#calls.run(
        "set power levels",
        () =>
          client.sendStateEvent(
            roomId,
            EventType.RoomPowerLevels,
            { ...levels, users } as IPowerLevelsContent,
            "",
          ),
        { repeatable: true },
      );
    });
  }

  // ---- messages -----------------------------------------------------------------------------------

  async post(roomId: string, msg: Message, options: SendOptions = {}): Promise<string> {
    return this.notice(roomId, msg, "post", options);
  }

  async update(roomId: string, messageId: string, msg: Message): Promise<void> {
    const fresh = { ...noticeContent(msg, Math.floor(MAX_CONTENT_BYTES / 2)), "m.mentions": {} };
    const content: Record<string, unknown> = {
      msgtype: "m.notice",
      body: `* ${fresh.body}`,
      "m.new_content": fresh,
      "m.relates_to": { rel_type: "m.replace", event_id: messageId },
      "m.mentions": {},
    };
    if (fresh.formatted_body !== undefined) {
      content.format = fresh.format;
      content.formatted_body = `* ${fresh.formatted_body}`;
    }
    try {
      await this.#send(roomId, "m.room.message", content, "edit");
    } catch (error) {
      this.#logLost(error, "edit", roomId, msg);
      throw error;
    }
  }

  /**
   * Signed bulletins and reports as `m.file`: uploaded to the media repository, then sent, so
   * no client reformats the signed text (a message body would be).
   */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    const client = this.#slot.require();
    const bytes =
      typeof file.content === "string" ? Buffer.from(file.content, "utf8") : Buffer.from(file.content);
    const mimetype = file.mimeType ?? "text/plain";
    const uploaded = await this.#calls.run(
      "upload a file",
      () => client.uploadContent(bytes, { name: file.filename, type: mimetype, includeFilename: true }),
      { repeatable: true },
    );
    await this.#send(
      roomId,
      "m.room.message",
      {
        msgtype: "m.file",
        body: file.title ?? file.filename,
        filename: file.filename,
        url: uploaded.content_uri,
        info: { mimetype, size: bytes.length },
      },
      `file ${file.filename}`,
    );
  }

  async directMessage(
    externalId: string,
    msg: Message,
    options: SendOptions = {},
  ): Promise<SentDirectMessage> {
    const client = this.#slot.require();
    const content = { ...noticeContent(msg), "m.mentions": {} };
    let roomId: string | undefined;
    try {
      roomId = await this.#directRooms.roomFor(externalId, client);
      // A "direct" room someone else joined (or one invited into with is_direct but holding an
      // outsider) is not a direct chat: open a fresh one rather than talk in front of others.
      if (!(await this.#rooms.isDirectWith(roomId, externalId).catch(() => false))) {
        this.#log.warn({ roomId }, "the direct chat has other members: opening a new one");
        await this.#directRooms.forget(externalId, roomId);
        roomId = await this.#directRooms.roomFor(externalId, client);
      }
      try {
        const messageId = await this.#send(roomId, "m.room.message", content, "direct message", options);
        return { roomId, messageId };
      } catch (error) {
        if (matrixErrcode(error) !== "M_FORBIDDEN") throw error;
        // The bot left (or was removed from) the old DM room: open a new one, once.
        await this.#directRooms.forget(externalId, roomId);
        roomId = await this.#directRooms.roomFor(externalId, client);
        const messageId = await this.#send(roomId, "m.room.message", content, "direct message", options);
        return { roomId, messageId };
      }
    } catch (error) {
      this.#logLost(error, "direct message", roomId ?? externalId, msg);
      throw error;
    }
  }

  /** Answers a command (or a reaction) made by MatrixInbound, threaded under it. */
  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    const own = target as MatrixReplyTarget;
    if (own.platform !== PLATFORM || !own.command) throw new Error("not a Matrix reply target");
    await this.#sendReply(own.roomId, own.command, reply.message, own.replies++);
  }

  /** The ✅ on a handled command: one reaction per command, the answer itself is "working on it". */
  async acknowledge(roomId: string, eventId: string): Promise<void> {
    try {
      await this.#send(
        roomId,
        "m.reaction",
        { "m.relates_to": { rel_type: "m.annotation", event_id: eventId, key: ACK_REACTION } },
        "reaction",
        {},
        `ack-${digest(eventId)}`,
      );
    } catch (error) {
      // Synapse refuses a second identical reaction; the first one is what counts.
      if (matrixErrcode(error) === "M_DUPLICATE_ANNOTATION") return;
      this.#log.warn({ err: error, roomId, eventId }, "could not acknowledge a command with a reaction");
    }
  }

  /** Says once that the bot cannot read the room's encrypted messages; failures are only logged. */
  async explainEncryption(roomId: string): Promise<void> {
    try {
      await this.notice(
        roomId,
        message(
          text(
            "🔒 This room is end-to-end encrypted, and tocsin cannot read encrypted messages yet. " +
              "Type `!inc` commands in an unencrypted room, or invite me to a new direct chat with encryption turned off.",
          ),
        ),
        "encryption notice",
      );
    } catch {
      // Logged by notice().
    }
  }

  /** An `m.notice` in a room; only the bot's own mentions notify (a page's on-call). */
  async notice(roomId: string, msg: Message, what: string, options: SendOptions = {}): Promise<string> {
    try {
      // Names people typed never ping.
      const mentions = { user_ids: mentionedUsers(msg) };
      return await this.#send(
        roomId,
        "m.room.message",
        { ...noticeContent(msg), "m.mentions": mentions },
        what,
        options,
      );
    } catch (error) {
      this.#logLost(error, what, roomId, msg);
      throw error;
    }
  }

  async #sendReply(roomId: string, command: RawEvent, msg: Message, index: number): Promise<void> {
    const content = {
      ...noticeContent(msg),
      "m.relates_to": { "m.in_reply_to": { event_id: command.event_id } },
      "m.mentions": { user_ids: [command.sender] },
    };
    try {
      // The same transaction id if the same command is answered again (a restart before its
      // sync token was stored): the homeserver then keeps one answer.
      await this.#send(
        roomId,
        "m.room.message",
        content,
        "reply",
        {},
        `reply-${digest(command.event_id)}-${index}`,
      );
    } catch (error) {
      this.#logLost(error, "reply", roomId, msg);
      throw error;
    }
  }

  /**
   * PUT /rooms/{roomId}/send/{type}/{txnId} in the room's lane. The transaction id is fixed
   * before the first attempt, so a retry after a lost answer is recognised by the homeserver
   * and never posts twice.
   */
  async #send(
    roomId: string,
    type: string,
    content: NoticeContent | Record<string, unknown>,
    what: string,
    options: SendOptions = {},
    txnId = `tocsin-${Date.now().toString(36)}-${randomBytes(6).toString("base64url")}`,
  ): Promise<string> {
    const client = this.#slot.require();
    const path = `/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${encodeURIComponent(txnId)}`;
    const result = await this.#calls.inLane(
      roomId,
      () =>
        this.#calls.run(
          what,
          () => client.http.authedRequest<{ event_id: string }>(Method.Put, path, undefined, content),
          { repeatable: true },
        ),
      options,
    );
    return result.event_id;
  }

  /** A message that could not be delivered is never dropped silently. */
  #logLost(error: unknown, what: string, roomId: string, msg: Message): void {
    const firstLine =
      renderPlainText({ blocks: msg.blocks })
        .split("\n")
        .find((line) => line.trim()) ?? "";
    this.#log.error(
      {
        err: error,
        roomId,
        what,
        firstLine: firstLine.slice(0, 200),
        stopping: error instanceof CallsStopped,
      },
      "Matrix message not delivered",
    );
  }
}

/** A short stable id for transaction ids derived from an event id. */
function digest(value: string): string {
  return createHash("sha256").update(value).digest("base64url").slice(0, 22);
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}
