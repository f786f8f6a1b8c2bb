// The Matrix platform: a matrix-js-sdk client (in-memory store, no crypto) syncing as the bot
// account. People type `!inc ...` (`!oncall`, `!bulletin`) in any room the bot is in; the bot
// answers with `m.notice` replies (HTML and plain text), opens a private room per incident, keeps
// its topic and pinned summary current, and sends direct messages.
//
// Inbound, in the order a /sync batch goes through (see ResumableMemoryStore):
//   1. invites from allowed inviters are joined (others are left alone);
//   2. per room, in timeline order: `m.text` messages from people (never the bot itself, never an
//      `m.notice`: other bots, and no loops) that start with a command prefix become
//      Invocations, deduplicated by event id; rooms run side by side, one room's commands in
//      order. At the very first start (no stored sync token) the initial sync's history is
//      skipped, and so is history before the bot's own join in a room it just joined;
//   3. once the batch's commands are handled, its `next_batch` is stored in PlatformState, so a
//      restart resumes from the first batch not fully handled: nothing is lost, and what runs
//      again is deduplicated by event id in the domain.
// A handled command gets a ✅ reaction once its answer is out: one reaction per command (not 👀
// then ✅) halves the sends, and the answer itself is the "working on it" signal. Encrypted
// messages cannot be read (no crypto in this version): the bot says so once per room.
//
// Outbound sends go through MatrixCalls (429s and transient failures retried for every call,
// per-room lanes keep the order) with our own transaction ids, not through the SDK's
// sendEvent: its local echo and scheduler would retry messages on their own (twice the policy)
// and queue every room's messages behind one rate-limited send.

import { createHash, randomBytes } from "node:crypto";
import {
  ClientEvent,
  createClient,
  EventType,
  Filter,
  HttpApiEvent,
  type IPowerLevelsContent,
  type ISyncResponse,
  type MatrixClient,
  Method,
  Preset,
  type Room,
  SyncState,
  Visibility,
} from "matrix-js-sdk";
import type { Logger } from "pino";
import { VOCABULARY } from "../../../commands/index.ts";
import type { Db } from "../../db/database.ts";
import type { Invocation, InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile } from "../message.ts";
import { type Message, mentionedUsers, message, text } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";
import type { ChatPlatform, CreatedRoom, IncidentRoomSpec } from "../platform.ts";
import { slugForChannelName } from "../room-name.ts";
import { commandFromMessage } from "./command-message.ts";
import { DirectRooms } from "./direct-rooms.ts";
import { ACK_REACTION_FIELD, MAX_CONTENT_BYTES, type NoticeContent, noticeContent } from "./html.ts";
import { CallsStopped, MatrixCalls, type MatrixRetryPolicy, matrixErrcode } from "./matrix-calls.ts";
import { isAllowedInviter, isMatrixUserId, parseMatrixMention, serverNameOf } from "./mentions.ts";
import { ResumableMemoryStore } from "./resumable-store.ts";
import {
  isDirectChat,
  type RoomFacts,
  roomFactsFromState,
  type StateEventLike,
  serverOf,
} from "./room-facts.ts";
import { routeSdkGlobalLogs, sdkLogger } from "./sdk-logger.ts";
import {
  type JoinedRoomBatch,
  mayBeCommand,
  type RawEvent,
  reactionOf,
  readInvite,
  readJoinedRoom,
  type StrippedStateEvent,
} from "./sync-batch.ts";

export const MATRIX_COMMAND_PREFIXES: readonly string[] = VOCABULARY.prefixes("!");
const PLATFORM = "matrix" as const;
const SYNC_TOKEN_KEY = "sync_token";
const ACK_REACTION = "✅";
/** Power level of moderators in Element's default power levels. */
const MODERATOR_POWER = 50;
/** `inc-2026-0001`, `inc-2026-0001-2`, ... before creating the room gives up. */
const MAX_ALIAS_ATTEMPTS = 20;
const MAX_ROOM_NAME_LENGTH = 120;
/** How long stop() lets commands already taken finish (answers, token persistence). */
const STOP_GRACE_MS = 5_000;
/** Room facts read over HTTP (rooms the SDK only knows partly after a resumed sync). */
const ROOM_FACTS_TTL_MS = 5 * 60_000;
/** Pages of /messages fetched to fill one gap in a room's timeline (100 events each). */
const MAX_GAP_PAGES = 10;
/** Event ids remembered to drop an event delivered twice within one process. */
const RECENT_EVENT_IDS = 5_000;

export interface MatrixPlatformOptions {
  /** Client-server API base URL, e.g. `https://matrix.example.org`. */
  homeserverUrl: string;
  accessToken: string;
  /** The bot's user id, `@tocsin:example.org`; checked against the token at start. */
  userId: string;
  /** A fixed device keeps transaction ids meaningful across restarts (same access token). */
  deviceId?: string;
  db: Db;
  log: Logger;
  /**
   * Who may invite the bot into a room: user ids or `*:server` patterns (`*` for anyone).
   * Default: users on the bot's own homeserver.
   */
  allowedInviters?: string[];
  commandPrefixes?: readonly string[];
  retryPolicy?: Partial<MatrixRetryPolicy>;
  /** Long-poll timeout of /sync; default 30 s. */
  pollTimeoutMs?: number;
  /** Any other request that takes longer counts as a network failure; default 30 s. */
  requestTimeoutMs?: number;
  /** How long start() waits for the first sync before letting it go on in the background. */
  startTimeoutMs?: number;
  /** Timeline events per room per /sync; more than this in one batch is fetched with /messages. */
  syncTimelineLimit?: number;
}

/** Where a Matrix answer goes: threaded under the command (or the reacted page), numbered per command. */
interface MatrixReplyTarget extends ReplyTarget {
  command: RawEvent;
  replies: number;
}

function replyTargetOf(roomId: string, sender: string, command: RawEvent): MatrixReplyTarget {
  return { platform: PLATFORM, roomId, callerId: sender, command, replies: 0 };
}

export class MatrixPlatform implements ChatPlatform {
  readonly name = "matrix" as const;
  readonly #options: MatrixPlatformOptions;
  readonly #log: Logger;
  readonly #userId: string;
  readonly #db: Db;
  readonly #calls: MatrixCalls;
  readonly #allowedInviters: readonly string[];
  readonly #prefixes: readonly string[];
  readonly #requestTimeoutMs: number;
  readonly #recentEventIds = new Set<string>();
  /** Direct chat room per user id, and the set of those rooms. */
  readonly #directRooms: DirectRooms;
  readonly #roomFactsCache = new Map<string, { facts: RoomFacts; expiresAt: number }>();
  readonly #encryptionExplained = new Set<string>();
  /** The topic last set per room by this process. */
  readonly #topics = new Map<string, string>();
  /** Work of batches not finished yet (stop() waits for it). */
  readonly #running = new Set<Promise<void>>();
  #client: MatrixClient | undefined;
  #onInvocation: InvocationHandler | undefined;
  /** The sync token the last batch handed over started from (the `since` of the next gap fill). */
  #lastSyncToken: string | null = null;
  #resumed = false;
  #firstBatchSeen = false;
  #stopping = false;
  /** Persists sync tokens in batch order, each after its batch's work. */
  #persisting: Promise<void> = Promise.resolve();

  constructor(options: MatrixPlatformOptions) {
    if (!isMatrixUserId(options.userId)) {
      throw new Error(
        `MATRIX_USER_ID must be a full user id like @tocsin:example.org, not "${options.userId}"`,
      );
    }
    this.#options = options;
    this.#userId = options.userId;
    this.#db = options.db;
    this.#log = options.log.child({ platform: PLATFORM });
    this.#calls = new MatrixCalls(this.#log, options.retryPolicy);
    this.#directRooms = new DirectRooms(options.db, this.#calls, this.#log);
    this.#allowedInviters = options.allowedInviters?.length
      ? options.allowedInviters
      : [`*:${serverNameOf(options.userId)}`];
    this.#prefixes = options.commandPrefixes ?? MATRIX_COMMAND_PREFIXES;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The running client, for diagnostics. Undefined before start() and after stop(). */
  get client(): MatrixClient | undefined {
    return this.#client;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    if (this.#client) throw new Error("Matrix platform already started");
    this.#onInvocation = onInvocation;
    this.#stopping = false;
    this.#firstBatchSeen = false;
    this.#calls.resume();

    routeSdkGlobalLogs(this.#log);
    const savedToken = await this.#loadState();
    this.#lastSyncToken = savedToken;
    this.#resumed = savedToken !== null;
    const client = createClient({
      baseUrl: this.#options.homeserverUrl,
      accessToken: this.#options.accessToken,
      userId: this.#userId,
      deviceId: this.#options.deviceId,
      store: new ResumableMemoryStore(savedToken, (response) => this.#onSyncBatch(response)),
      logger: sdkLogger(this.#log),
      timelineSupport: false,
      fetchFn: (input, init) => this.#fetch(input, init),
    });

    const identity = await this.#calls.run("whoami", () => client.whoami(), { repeatable: true });
    if (identity.user_id !== this.#userId) {
      throw new Error(
        `MATRIX_ACCESS_TOKEN belongs to ${identity.user_id}, not to MATRIX_USER_ID ${this.#userId}`,
      );
    }
    this.#client = client;
    client.on(ClientEvent.Sync, (state, previous, data) => this.#onSyncState(state, previous, data?.error));
    client.on(HttpApiEvent.SessionLoggedOut, (error) => {
      this.#log.error(
        { err: error },
        "the homeserver no longer accepts the Matrix access token; sync stopped",
      );
    });
    const prepared = new Promise<void>((resolve) => {
      const onSync = (state: SyncState) => {
        if (state !== SyncState.Prepared) return;
        client.off(ClientEvent.Sync, onSync);
        resolve();
      };
      client.on(ClientEvent.Sync, onSync);
    });

    const filter = new Filter(this.#userId);
    filter.setDefinition({
      room: {
        timeline: { limit: this.#options.syncTimelineLimit ?? 100 },
        ephemeral: { not_types: ["*"] },
        account_data: { not_types: ["*"] },
      },
      presence: { not_types: ["*"] },
    });
    try {
      await client.startClient({
        filter,
        // The first sync without a stored token is only read for room state and invites.
        initialSyncLimit: 1,
        pollTimeout: this.#options.pollTimeoutMs ?? 30_000,
        disablePresence: true,
        lazyLoadMembers: false,
        threadSupport: false,
      });
    } catch (error) {
      client.stopClient();
      client.removeAllListeners();
      this.#client = undefined;
      throw error;
    }
    const waited = await Promise.race([
      prepared.then(() => true),
      delay(this.#options.startTimeoutMs ?? 30_000).then(() => false),
    ]);
    if (!waited) this.#log.warn("first Matrix sync not finished yet; going on, it will catch up");
    this.#log.info(
      { userId: this.#userId, resumed: this.#resumed, homeserver: this.#options.homeserverUrl },
      "Matrix platform started",
    );
  }

  async stop(): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#stopping = true;
    // Stops /sync (aborting the long poll); requests of commands in progress still complete.
    client.stopClient();
    await Promise.race([Promise.allSettled([...this.#running]), delay(STOP_GRACE_MS)]);
    await Promise.race([this.#persisting, delay(STOP_GRACE_MS)]);
    this.#calls.stop();
    client.removeAllListeners();
    this.#client = undefined;
    // matrix-js-sdk 43 leaves one timer per /sync request it made (http-api/utils.ts
    // timeoutSignal() is never cleared; /sync passes pollTimeout + 80 s), so a process that only
    // had this client can stay alive up to ~2 minutes after stopClient(). Nothing runs when they
    // fire; src/main.ts exits explicitly after shutdown, and vitest does not wait for timers.
  }

  // ---- ChatPlatform: people ------------------------------------------------------------------

  parseMention(token: string): string | undefined {
    return parseMatrixMention(token);
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    if (!isMatrixUserId(externalId)) return undefined;
    const client = this.#requireClient();
    try {
      const profile = await this.#calls.run("profile", () => client.getProfileInfo(externalId), {
        repeatable: true,
      });
      return { externalId, displayName: profile.displayname || undefined };
    } catch (error) {
      const errcode = matrixErrcode(error);
      if (errcode === "M_NOT_FOUND") return undefined;
      // Servers may hide profiles from users who share no room: the id is still a person's.
      if (errcode === "M_FORBIDDEN") return { externalId };
      throw error;
    }
  }

  // ---- ChatPlatform: rooms ---------------------------------------------------------------------

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    const client = this.#requireClient();
    const localpart = slugForChannelName(spec.publicId) || "incident";
    const name = truncate(`${spec.publicId} ${spec.title}`, MAX_ROOM_NAME_LENGTH);
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
        this.#topics.set(roomId, spec.topic);
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
    const client = this.#requireClient();
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
    const client = this.#requireClient();
    await this.#calls.inLane(roomId, async () => {
      // Every summary refresh sets the topic; an unchanged one would only add a state event.
      const current = client.getRoom(roomId)?.currentState.getStateEvents(EventType.RoomTopic, "");
      if (this.#topics.get(roomId) === topic || current?.getContent().topic === topic) return;
      await this.#calls.run(
        "set topic",
        () => client.sendStateEvent(roomId, EventType.RoomTopic, { topic }, ""),
        {
          repeatable: true,
        },
      );
      this.#topics.set(roomId, topic);
    });
  }

  async post(roomId: string, msg: Message): Promise<string> {
    return this.#sendNotice(roomId, msg, "post");
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

  async pin(roomId: string, messageId: string): Promise<void> {
    const client = this.#requireClient();
    // Read, append, write: in the room's lane so two pins do not overwrite each other.
    await this.#calls.inLane(roomId, async () => {
      const current = await this.#readState(roomId, "m.room.pinned_events");
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

  /**
   * Signed bulletins and reports as `m.file`: uploaded to the media repository, then sent, so
   * no client reformats the signed text (a message body would be).
   */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    const client = this.#requireClient();
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

  /** Members from another homeserver take the room outside the organisation (TLP gate). */
  async isExternal(roomId: string): Promise<boolean> {
    const own = serverOf(this.#userId);
    const facts = await this.#roomFacts(roomId);
    return [...facts.memberServers].some((server) => server !== own);
  }

  /** Gives people moderator power (50) in a room, e.g. the incident commander. */
  async setModerators(roomId: string, externalIds: string[]): Promise<void> {
    const client = this.#requireClient();
    await this.#calls.inLane(roomId, async () => {
      const levels = (await this.#readState(roomId, "m.room.power_levels")) ?? {};
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

  async directMessage(externalId: string, msg: Message): Promise<void> {
    const client = this.#requireClient();
    const content = { ...noticeContent(msg), "m.mentions": {} };
    let roomId: string | undefined;
    try {
      roomId = await this.#directRooms.roomFor(externalId, client);
      // A "direct" room someone else joined (or one invited into with is_direct but holding an
      // outsider) is not a direct chat: open a fresh one rather than talk in front of others.
      if (!(await this.isDirectWith(roomId, externalId).catch(() => false))) {
        this.#log.warn({ roomId }, "the direct chat has other members: opening a new one");
        await this.#directRooms.forget(externalId, roomId);
        roomId = await this.#directRooms.roomFor(externalId, client);
      }
      try {
        await this.#send(roomId, "m.room.message", content, "direct message");
      } catch (error) {
        if (matrixErrcode(error) !== "M_FORBIDDEN") throw error;
        // The bot left (or was removed from) the old DM room: open a new one, once.
        await this.#directRooms.forget(externalId, roomId);
        roomId = await this.#directRooms.roomFor(externalId, client);
        await this.#send(roomId, "m.room.message", content, "direct message");
      }
    } catch (error) {
      this.#logLost(error, "direct message", roomId ?? externalId, msg);
      throw error;
    }
  }

  // ---- inbound --------------------------------------------------------------------------------

  /** One /sync response, after the SDK processed it. Hands its work over and returns at once. */
  async #onSyncBatch(response: ISyncResponse): Promise<void> {
    if (this.#stopping) return; // Not persisted: the next start gets this batch again.
    const since = this.#lastSyncToken;
    this.#lastSyncToken = response.next_batch;
    const readTimeline = this.#resumed || this.#firstBatchSeen;
    this.#firstBatchSeen = true;

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
          this.#calls.inLane(`inbound:${roomId}`, async () => {
            const missed = gapFrom && since ? await this.#fillGap(roomId, gapFrom, since) : [];
            for (const event of [...missed, ...batch.candidates]) await this.#handleEvent(roomId, event);
          }),
        );
      }
    }
    const handled = Promise.allSettled(work).then(() => {});
    this.#running.add(handled);
    void handled.then(() => this.#running.delete(handled));
    const token = response.next_batch;
    this.#persisting = this.#persisting.then(() => handled).then(() => this.#saveSyncToken(token));
  }

  /** More events arrived in a room than one sync carries: fetch the rest back to `since`. */
  async #fillGap(roomId: string, from: string, since: string): Promise<RawEvent[]> {
    const client = this.#requireClient();
    const missed: RawEvent[] = [];
    let token: string | undefined = from;
    for (let page = 0; token && page < MAX_GAP_PAGES; page++) {
      const pageFrom: string = token;
      const answer = await this.#calls.run(
        "fill timeline gap",
        () =>
          client.http.authedRequest<{ chunk?: RawEvent[]; end?: string }>(
            Method.Get,
            `/rooms/${encodeURIComponent(roomId)}/messages`,
            { dir: "b", from: pageFrom, to: since, limit: "100" },
          ),
        { repeatable: true },
      );
      const chunk = answer.chunk ?? [];
      missed.push(...chunk);
      token = chunk.length > 0 ? answer.end : undefined;
    }
    if (token)
      this.#log.warn({ roomId }, "timeline gap larger than the catch-up limit; older commands skipped");
    this.#log.info({ roomId, events: missed.length }, "filled a timeline gap after a limited sync");
    return missed.reverse().filter((event) => mayBeCommand(event, this.#userId));
  }

  async #handleEvent(roomId: string, event: RawEvent): Promise<void> {
    if (event.type === "m.reaction") {
      await this.#handleReaction(roomId, event);
      return;
    }
    const commandText = commandFromMessage(event.content, this.#prefixes);
    if (commandText === undefined || this.#alreadySeen(event.event_id)) return;
    const onInvocation = this.#onInvocation;
    if (!onInvocation) return;
    const facts = await this.#roomFacts(roomId).catch((error: unknown) => {
      this.#log.warn({ err: error, roomId }, "could not read the room's state; answering without it");
      return undefined;
    });
    const direct = facts ? isDirectChat(facts, this.#directRooms.isDirect(roomId)) : false;
    const invocation: Invocation = {
      platform: PLATFORM,
      actor: { externalId: event.sender, displayName: facts?.displayNames.get(event.sender) },
      room: { roomId, name: facts?.name ?? facts?.alias, direct },
      text: commandText,
      dedupeKey: event.event_id,
      replyTarget: replyTargetOf(roomId, event.sender, event),
    };
    try {
      await onInvocation(invocation);
    } catch (error) {
      this.#log.error({ err: error, roomId, eventId: event.event_id }, "Matrix command failed");
    }
    await this.#acknowledge(roomId, event.event_id);
  }

  /**
   * A ✅ on one of the bot's messages that carries an action marked `onAckReaction` (a page's
   * Ack) runs that action as the person who reacted: the same command path, permissions and audit as typing it.
   */
  async #handleReaction(roomId: string, event: RawEvent): Promise<void> {
    const relation = reactionOf(event);
    const onInvocation = this.#onInvocation;
    if (!relation?.event_id || !onInvocation || this.#alreadySeen(event.event_id)) return;
    const client = this.#requireClient();
    const reactedTo = relation.event_id;
    const target = (await this.#calls
      .run("read the reacted message", () => client.fetchRoomEvent(roomId, reactedTo), { repeatable: true })
      .catch(() => undefined)) as RawEvent | undefined;
    if (!target || target.sender !== this.#userId) return;
    const ack = target.content?.[ACK_REACTION_FIELD];
    if (typeof ack !== "string") return;
    const facts = await this.#roomFacts(roomId).catch(() => undefined);
    const direct = facts ? isDirectChat(facts, this.#directRooms.isDirect(roomId)) : false;
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
   * Matrix has no ephemeral messages: every answer is a threaded reply in the room. Which answers
   * the room may see is the outbox's decision (it sends the others by direct message).
   */
  readonly ephemeralReplies = false;

  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    const own = target as MatrixReplyTarget;
    if (own.platform !== PLATFORM || !own.command) throw new Error("not a Matrix reply target");
    await this.#sendReply(own.roomId, own.command, reply.message, own.replies++);
  }

  /** A direct chat with this person: its joined and invited members are exactly the person and the bot. */
  async isDirectWith(roomId: string, externalId: string): Promise<boolean> {
    const facts = await this.#roomFacts(roomId);
    const members = facts.members;
    return members.size === 2 && members.has(externalId) && members.has(this.#userId);
  }

  /** Someone from another homeserver belongs to another organisation. */
  isExternalUser(externalId: string): boolean {
    return serverOf(externalId) !== serverOf(this.#userId);
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
        `reply-${digest(command.event_id)}-${index}`,
      );
    } catch (error) {
      this.#logLost(error, "reply", roomId, msg);
      throw error;
    }
  }

  async #acknowledge(roomId: string, eventId: string): Promise<void> {
    try {
      await this.#send(
        roomId,
        "m.reaction",
        { "m.relates_to": { rel_type: "m.annotation", event_id: eventId, key: ACK_REACTION } },
        "reaction",
        `ack-${digest(eventId)}`,
      );
    } catch (error) {
      // Synapse refuses a second identical reaction; the first one is what counts.
      if (matrixErrcode(error) === "M_DUPLICATE_ANNOTATION") return;
      this.#log.warn({ err: error, roomId, eventId }, "could not acknowledge a command with a reaction");
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
    try {
      await this.#sendNotice(
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
      // Logged by #sendNotice.
    }
  }

  /**
   * Invite state is not signed: a server relaying an invite may forge who sent it. The inviter
   * named by the invite event itself is checked against the allowlist before joining, and after
   * joining (when the room's real state is readable) must be a joined member, or the bot leaves.
   */
  async #onInvite(roomId: string, inviteState: StrippedStateEvent[]): Promise<void> {
    const { inviter, direct } = readInvite(inviteState, this.#userId);
    if (!inviter || !isAllowedInviter(inviter, this.#allowedInviters)) {
      this.#log.info({ roomId, inviter }, "invite ignored: the inviter is not allowed to invite the bot");
      return;
    }
    const client = this.#requireClient();
    try {
      await this.#calls.run("join", () => client.joinRoom(roomId), { repeatable: true });
    } catch (error) {
      this.#log.error({ err: error, roomId, inviter }, "could not join a room the bot was invited to");
      return;
    }
    if (!(await this.#isJoinedMember(roomId, inviter))) {
      this.#log.warn({ roomId, inviter }, "left a room: the inviter the invite named is not in it");
      await this.#calls
        .run("leave", () => client.leave(roomId), { repeatable: true })
        .catch((error: unknown) => this.#log.error({ err: error, roomId }, "could not leave the room"));
      return;
    }
    if (direct) await this.#directRooms.remember(inviter, roomId);
    this.#log.info({ roomId, inviter, direct }, "joined a room on invitation");
  }

  async #isJoinedMember(roomId: string, userId: string): Promise<boolean> {
    const client = this.#requireClient();
    try {
      const member = await this.#calls.run(
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

  // ---- room knowledge -------------------------------------------------------------------------

  /**
   * Facts from the SDK's room state when it has the whole state (the room came in an initial
   * sync or a join), else from GET /state: after a resumed sync the SDK only knows what changed.
   */
  async #roomFacts(roomId: string): Promise<RoomFacts> {
    const client = this.#requireClient();
    const room = client.getRoom(roomId);
    if (room?.currentState.getStateEvents("m.room.create", "")) {
      return roomFactsFromState(stateEventsOf(room), this.#userId);
    }
    const cached = this.#roomFactsCache.get(roomId);
    if (cached && cached.expiresAt > Date.now()) return cached.facts;
    const events = await this.#calls.run("room state", () => client.roomState(roomId), { repeatable: true });
    const facts = roomFactsFromState(events as StateEventLike[], this.#userId);
    this.#roomFactsCache.set(roomId, { facts, expiresAt: Date.now() + ROOM_FACTS_TTL_MS });
    return facts;
  }

  async #readState(roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
    const client = this.#requireClient();
    try {
      return await this.#calls.run(`read ${type}`, () => client.getStateEvent(roomId, type, ""), {
        repeatable: true,
      });
    } catch (error) {
      if (matrixErrcode(error) === "M_NOT_FOUND") return undefined;
      throw error;
    }
  }

  // ---- state that survives restarts -------------------------------------------------------

  /** Loads the direct chat rooms and returns the stored sync token (null at first start). */
  async #loadState(): Promise<string | null> {
    const rows = await this.#db.platformState.findMany({ where: { platform: PLATFORM } });
    this.#directRooms.load(rows);
    return rows.find((row) => row.key === SYNC_TOKEN_KEY)?.value ?? null;
  }

  async #saveSyncToken(token: string): Promise<void> {
    try {
      await this.#db.platformState.upsert({
        where: { platform_key: { platform: PLATFORM, key: SYNC_TOKEN_KEY } },
        create: { platform: PLATFORM, key: SYNC_TOKEN_KEY, value: token },
        update: { value: token },
      });
    } catch (error) {
      // The next batch stores a newer token; a restart before that re-reads a little more.
      this.#log.error({ err: error }, "could not store the Matrix sync token");
    }
  }

  // ---- sending --------------------------------------------------------------------------------

  async #sendNotice(roomId: string, msg: Message, what: string): Promise<string> {
    try {
      // Only the bot's own mentions notify (a page's on-call); names people typed never ping.
      const mentions = { user_ids: mentionedUsers(msg) };
      return await this.#send(
        roomId,
        "m.room.message",
        { ...noticeContent(msg), "m.mentions": mentions },
        what,
      );
    } catch (error) {
      this.#logLost(error, what, roomId, msg);
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
    txnId = `tocsin-${Date.now().toString(36)}-${randomBytes(6).toString("base64url")}`,
  ): Promise<string> {
    const client = this.#requireClient();
    const path = `/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${encodeURIComponent(txnId)}`;
    const result = await this.#calls.inLane(roomId, () =>
      this.#calls.run(
        what,
        () => client.http.authedRequest<{ event_id: string }>(Method.Put, path, undefined, content),
        { repeatable: true },
      ),
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

  // ---- plumbing -------------------------------------------------------------------------------

  #onSyncState(state: SyncState, previous: SyncState | null, error: unknown): void {
    if (state === previous) return;
    switch (state) {
      case SyncState.Prepared:
        this.#log.info({ resumed: this.#resumed }, "Matrix sync ready");
        break;
      case SyncState.Syncing:
        if (previous !== SyncState.Prepared) this.#log.info({ previous }, "Matrix sync running again");
        break;
      case SyncState.Reconnecting:
        this.#log.warn({ err: error }, "Matrix sync interrupted; reconnecting");
        break;
      case SyncState.Error:
        this.#log.error({ err: error }, "Matrix homeserver unreachable; retrying with backoff");
        break;
      case SyncState.Catchup:
        this.#log.info("Matrix homeserver reachable again; catching up");
        break;
      case SyncState.Stopped:
        this.#log.debug("Matrix sync stopped");
        break;
    }
  }

  /**
   * fetch with a deadline for every request (a hung connection becomes a network failure the
   * retry policy sees), using AbortSignal.timeout, whose timer does not keep the process alive.
   * /sync gets its long-poll time on top.
   */
  #fetch(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<Response> {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const pollMs = url.pathname.endsWith("/sync") ? Number(url.searchParams.get("timeout") ?? 0) || 0 : 0;
    const deadline = AbortSignal.timeout(pollMs + this.#requestTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
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

  #requireClient(): MatrixClient {
    if (!this.#client) throw new Error("the Matrix platform is not started");
    return this.#client;
  }
}

function* stateEventsOf(room: Room): Generator<StateEventLike> {
  for (const byKey of room.currentState.events.values()) {
    for (const event of byKey.values()) {
      yield {
        type: event.getType(),
        state_key: event.getStateKey(),
        sender: event.getSender(),
        content: event.getContent(),
      };
    }
  }
}

/** A short stable id for transaction ids derived from an event id. */
function digest(value: string): string {
  return createHash("sha256").update(value).digest("base64url").slice(0, 22);
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
