// What the Matrix platform receives, in the order a /sync batch goes through (see
// ResumableMemoryStore):
//   1. invites from allowed inviters are joined (others are left alone);
//   2. per room, in timeline order: `m.text` messages from people (never the bot itself, never an
//      `m.notice`: other bots, and no loops) that start with a command prefix become
//      Invocations, deduplicated by event id; rooms run side by side, one room's commands in
//      order. At the very first start (no stored sync token) the initial sync's history is
//      skipped, and so is history before the bot's own join in a room it just joined;
//   3. once the batch's commands are handled, SyncProgress stores its `next_batch`.
// A handled command gets a ✅ reaction once its answer is out (from the replica that answered it). A ✅ on a page's Ack runs the
// page's action as the person who reacted. Encrypted messages cannot be read (no crypto in this
// version): the bot says so once per room.
import type { ISyncResponse } from "matrix-js-sdk";
import type { Logger } from "pino";
import type { Invocation, InvocationHandler } from "../invocation.ts";
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from "../json-nesting.ts";
import { commandFromMessage } from "./command-message.ts";
import type { DirectRooms } from "./direct-rooms.ts";
import { ACK_REACTION_FIELD } from "./html.ts";
import { type MatrixCalls, matrixErrcode } from "./matrix-calls.ts";
import type { ClientSlot } from "./matrix-client.ts";
import { type MatrixOutbound, PLATFORM, replyTargetOf } from "./matrix-outbound.ts";
import { isAllowedInviter } from "./mentions.ts";
import { isDirectChat } from "./room-facts.ts";
import type { RoomKnowledge } from "./room-knowledge.ts";
import {
  type JoinedRoomBatch,
  type RawEvent,
  reactionOf,
  readInvite,
  readJoinedRoom,
  type StrippedStateEvent,
} from "./sync-batch.ts";
import type { SyncProgress } from "./sync-progress.ts";

/** Event ids remembered to drop an event delivered twice within one process. */
const RECENT_EVENT_IDS = 5_000;

export interface InboundParts {
  slot: ClientSlot;
  calls: MatrixCalls;
  log: Logger;
  userId: string;
  prefixes: readonly string[];
  allowedInviters: readonly string[];
  directRooms: DirectRooms;
  rooms: RoomKnowledge;
  outbound: MatrixOutbound;
  sync: SyncProgress;
}

export class MatrixInbound {
  readonly #parts: InboundParts;
  readonly #log: Logger;
  readonly #userId: string;
  readonly #recentEventIds = new Set<string>();
  readonly #encryptionExplained = new Set<string>();
  #onInvocation: InvocationHandler | undefined;
  #stopping = false;

  constructor(parts: InboundParts) {
    this.#parts = parts;
    this.#log = parts.log;
    this.#userId = parts.userId;
  }

  /** Commands from now on go to `onInvocation`. */
  start(onInvocation: InvocationHandler): void {
    this.#onInvocation = onInvocation;
    this.#stopping = false;
  }

  /** Batches arriving from now on are left for the next start (their token is not stored). */
  stop(): void {
    this.#stopping = true;
  }

  /** One /sync response, after the SDK processed it. Hands its work over and returns at once. */
  async onSyncBatch(response: ISyncResponse): Promise<void> {
    if (this.#stopping) return; // Not persisted: the next start gets this batch again.
    const { sync, calls } = this.#parts;
    const { since, readTimeline } = sync.begin(response.next_batch);

    const work: Promise<void>[] = [];
    for (const [roomId, invited] of Object.entries(response.rooms?.invite ?? {})) {
      work.push(this.#onInvite(roomId, invited.invite_state?.events ?? []));
    }
    if (readTimeline) {
      for (const [roomId, joined] of Object.entries(response.rooms?.join ?? {})) {
        const batch = readJoinedRoom(joined as JoinedRoomBatch, this.#userId);
        if (batch.encryptedFromPeople) work.push(this.#explainEncryption(roomId));
        const gapFrom = batch.gapBefore && since ? batch.gapBefore : undefined;
        if (batch.candidates.length === 0 && !gapFrom) continue;
        work.push(
          calls.inLane(`inbound:${roomId}`, async () => {
            const missed = gapFrom && since ? await sync.fillGap(roomId, gapFrom, since) : [];
            for (const event of [...missed, ...batch.candidates]) await this.#handleEvent(roomId, event);
          }),
        );
      }
    }
    sync.finish(
      response.next_batch,
      Promise.allSettled(work).then(() => {}),
    );
  }

  async #handleEvent(roomId: string, event: RawEvent): Promise<void> {
    // Anyone in a room writes event content, nested as deep as they like (the SDK's JSON.parse
    // copes): the same depth limit as every other body from outside, before anything reads it.
    if (valueNestsDeeperThan(event.content)) {
      this.#log.warn(
        { code: "matrix.event_too_deep", roomId, eventId: event.event_id, maxDepth: MAX_JSON_DEPTH },
        "Matrix event ignored: its content is nested too deep",
      );
      return;
    }
    if (event.type === "m.reaction") {
      await this.#handleReaction(roomId, event);
      return;
    }
    const commandText = commandFromMessage(event.content, this.#parts.prefixes);
    if (commandText === undefined || this.#alreadySeen(event.event_id)) return;
    const onInvocation = this.#onInvocation;
    if (!onInvocation) return;
    const facts = await this.#parts.rooms.facts(roomId).catch((error: unknown) => {
      this.#log.warn({ err: error, roomId }, "could not read the room's state; answering without it");
      return undefined;
    });
    const direct = facts ? isDirectChat(facts, this.#parts.directRooms.isDirect(roomId)) : false;
    const invocation: Invocation = {
      platform: PLATFORM,
      actor: { externalId: event.sender, displayName: facts?.displayNames.get(event.sender) },
      room: { roomId, name: facts?.name ?? facts?.alias, direct },
      text: commandText,
      dedupeKey: event.event_id,
      replyTarget: replyTargetOf(roomId, event.sender, event),
    };
    try {
      // The ✅ says "answered": only the replica that answered puts it on.
      if ((await onInvocation(invocation)) === "left to another replica") return;
    } catch (error) {
      this.#log.error({ err: error, roomId, eventId: event.event_id }, "Matrix command failed");
    }
    await this.#parts.outbound.acknowledge(roomId, event.event_id);
  }

  /**
   * A ✅ on one of the bot's messages that carries an action marked `onAckReaction` (a page's
   * Ack) runs that action as the person who reacted: the same command path, permissions and audit as typing it.
   */
  async #handleReaction(roomId: string, event: RawEvent): Promise<void> {
    const relation = reactionOf(event);
    const onInvocation = this.#onInvocation;
    if (!relation?.event_id || !onInvocation || this.#alreadySeen(event.event_id)) return;
    const client = this.#parts.slot.require();
    const reactedTo = relation.event_id;
    const target = (await this.#parts.calls
      .run("read the reacted message", () => client.fetchRoomEvent(roomId, reactedTo), { repeatable: true })
      .catch(() => undefined)) as RawEvent | undefined;
    if (!target || target.sender !== this.#userId) return;
    const ack = target.content?.[ACK_REACTION_FIELD];
    if (typeof ack !== "string") return;
    const facts = await this.#parts.rooms.facts(roomId).catch(() => undefined);
    const direct = facts ? isDirectChat(facts, this.#parts.directRooms.isDirect(roomId)) : false;
    try {
      await onInvocation({
        platform: PLATFORM,
        actor: { externalId: event.sender, displayName: facts?.displayNames.get(event.sender) },
        room: { roomId, name: facts?.name ?? facts?.alias, direct },
        text: ack.replace(/^\//, "!"),
        dedupeKey: event.event_id,
        // Answers thread to the page the reaction was put on.
        replyTarget: replyTargetOf(roomId, event.sender, target),
      });
    } catch (error) {
      this.#log.error({ err: error, roomId, eventId: event.event_id }, "Matrix reaction failed");
    }
  }

  /**
   * Without a crypto backend the bot cannot read encrypted messages (Element encrypts new DMs by
   * default): say so once per room and process instead of staying silent.
   */
  async #explainEncryption(roomId: string): Promise<void> {
    if (this.#encryptionExplained.has(roomId)) return;
    this.#encryptionExplained.add(roomId);
    this.#log.warn({ roomId }, "encrypted messages in a room: tocsin cannot read them");
    await this.#parts.outbound.explainEncryption(roomId);
  }

  /**
   * Invite state is not signed: a server relaying an invite may forge who sent it. The inviter
   * named by the invite event itself is checked against the allowlist before joining, and after
   * joining (when the room's real state is readable) must be a joined member, or the bot leaves.
   */
  async #onInvite(roomId: string, inviteState: StrippedStateEvent[]): Promise<void> {
    const { inviter, direct } = readInvite(inviteState, this.#userId);
    if (!inviter || !isAllowedInviter(inviter, this.#parts.allowedInviters)) {
      this.#log.info({ roomId, inviter }, "invite ignored: the inviter is not allowed to invite the bot");
      return;
    }
    const client = this.#parts.slot.require();
    const calls = this.#parts.calls;
    try {
      await calls.run("join", () => client.joinRoom(roomId), { repeatable: true });
    } catch (error) {
      this.#log.error({ err: error, roomId, inviter }, "could not join a room the bot was invited to");
      return;
    }
    if (!(await this.#isJoinedMember(roomId, inviter))) {
      this.#log.warn({ roomId, inviter }, "left a room: the inviter the invite named is not in it");
      await calls
        .run("leave", () => client.leave(roomId), { repeatable: true })
        .catch((error: unknown) => this.#log.error({ err: error, roomId }, "could not leave the room"));
      return;
    }
    if (direct) await this.#parts.directRooms.remember(inviter, roomId);
    this.#log.info({ roomId, inviter, direct }, "joined a room on invitation");
  }

  async #isJoinedMember(roomId: string, userId: string): Promise<boolean> {
    const client = this.#parts.slot.require();
    try {
      const member = await this.#parts.calls.run(
        "read the inviter's membership",
        () => client.getStateEvent(roomId, "m.room.member", userId),
        { repeatable: true },
      );
      return (member as { membership?: unknown }).membership === "join";
    } catch (error) {
      if (matrixErrcode(error) !== "M_NOT_FOUND") {
        this.#log.warn({ err: error, roomId }, "could not read the inviter's membership");
      }
      return false;
    }
  }

  #alreadySeen(eventId: string): boolean {
    if (this.#recentEventIds.has(eventId)) return true;
    this.#recentEventIds.add(eventId);
    if (this.#recentEventIds.size > RECENT_EVENT_IDS) {
      const oldest = this.#recentEventIds.values().next().value;
      if (oldest !== undefined) this.#recentEventIds.delete(oldest);
    }
    return false;
  }
}
