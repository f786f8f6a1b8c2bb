// The Matrix platform: a matrix-js-sdk client (in-memory store, no crypto) syncing as the bot
// account. People type `!inc ...` (`!oncall`, `!bulletin`) in any room the bot is in; the bot
// answers with `m.notice` replies (HTML and plain text), opens a private room per incident, keeps
// its topic and pinned summary current, and sends direct messages.
//
// This class wires the parts and implements the ChatPlatform seam with them:
// - MatrixInbound (matrix-inbound.ts): sync batches, commands and reactions into Invocations,
//   invites;
// - MatrixOutbound (matrix-outbound.ts): rooms, notices, edits, pins, topics, files, direct
//   messages, replies;
// - SyncProgress (sync-progress.ts): the stored sync token and gap filling;
// - RoomKnowledge, DirectRooms, MatrixCalls (shared lanes and retries), the client (matrix-client.ts).
// Nothing here imports a database: what survives restarts goes through the PlatformStateStore
// the composition root passes in.
import type { MatrixClient } from "matrix-js-sdk";
import { HttpApiEvent } from "matrix-js-sdk";
import type { Logger } from "pino";
import type { InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile, Message } from "../message.ts";
import type {
  ChatPlatform,
  CreatedRoom,
  IncidentRoomSpec,
  PlatformStateStore,
  SendOptions,
  SentDirectMessage,
} from "../platform.ts";
import { DirectRooms } from "./direct-rooms.ts";
import { classifyMatrixFailure, MatrixCalls, type MatrixRetryPolicy, matrixErrcode } from "./matrix-calls.ts";
import { ClientSlot, createMatrixClient, firstSync, logSyncStates, syncFilter } from "./matrix-client.ts";
import { MatrixInbound } from "./matrix-inbound.ts";
import { MatrixOutbound, PLATFORM } from "./matrix-outbound.ts";
import { isMatrixUserId, parseMatrixMention, serverNameOf } from "./mentions.ts";
import { serverOf } from "./room-facts.ts";
import { RoomKnowledge } from "./room-knowledge.ts";
import { routeSdkGlobalLogs } from "./sdk-logger.ts";
import { delay, SyncProgress } from "./sync-progress.ts";

export const MATRIX_COMMAND_PREFIXES = ["!inc", "!oncall", "!bulletin", "!ack"] as const;
/** How long stop() lets commands already taken finish (answers, token persistence). */
const STOP_GRACE_MS = 5_000;

export interface MatrixPlatformOptions {
  /** Client-server API base URL, e.g. `https://matrix.example.org`. */
  homeserverUrl: string;
  accessToken: string;
  /** The bot's user id, `@tocsin:example.org`; checked against the token at start. */
  userId: string;
  /** A fixed device keeps transaction ids meaningful across restarts (same access token). */
  deviceId?: string;
  /** What survives restarts (sync token, direct chat rooms), scoped to this platform. */
  state: PlatformStateStore;
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

export class MatrixPlatform implements ChatPlatform {
  readonly name = PLATFORM;
  readonly #options: MatrixPlatformOptions;
  readonly #log: Logger;
  readonly #userId: string;
  readonly #slot = new ClientSlot();
  readonly #calls: MatrixCalls;
  readonly #directRooms: DirectRooms;
  readonly #rooms: RoomKnowledge;
  readonly #sync: SyncProgress;
  readonly #inbound: MatrixInbound;
  readonly #outbound: MatrixOutbound;
  #stopping = false;

  constructor(options: MatrixPlatformOptions) {
    if (!isMatrixUserId(options.userId)) {
      throw new Error(
        `MATRIX_USER_ID must be a full user id like @tocsin:example.org, not "${options.userId}"`,
      );
    }
    this.#options = options;
    const userId = options.userId;
    const log = options.log.child({ platform: PLATFORM });
    const slot = this.#slot;
    this.#userId = userId;
    this.#log = log;
    const calls = new MatrixCalls(log, options.retryPolicy);
    const directRooms = new DirectRooms(options.state, calls, log);
    const rooms = new RoomKnowledge(slot, calls, userId);
    const sync = new SyncProgress(options.state, calls, slot, log, userId);
    const outbound = new MatrixOutbound({ slot, calls, log, userId, directRooms, rooms });
    this.#calls = calls;
    this.#directRooms = directRooms;
    this.#rooms = rooms;
    this.#sync = sync;
    this.#outbound = outbound;
    this.#inbound = new MatrixInbound({
      slot,
      calls,
      log,
      userId,
      prefixes: options.commandPrefixes ?? MATRIX_COMMAND_PREFIXES,
      allowedInviters: options.allowedInviters?.length
        ? options.allowedInviters
        : [`*:${serverNameOf(userId)}`],
      directRooms,
      rooms,
      outbound,
      sync,
    });
  }

  /** The running client, for diagnostics. Undefined before start() and after stop(). */
  get client(): MatrixClient | undefined {
    return this.#slot.current;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    if (this.#slot.current) throw new Error("Matrix platform already started");
    this.#inbound.start(onInvocation);
    this.#stopping = false;
    this.#calls.resume();

    routeSdkGlobalLogs(this.#log);
    await this.#directRooms.load();
    const savedToken = await this.#sync.load();
    const options = this.#options;
    const client = createMatrixClient(
      {
        homeserverUrl: options.homeserverUrl,
        accessToken: options.accessToken,
        userId: this.#userId,
        deviceId: options.deviceId,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      },
      this.#log,
      savedToken,
      (response) => this.#inbound.onSyncBatch(response),
    );

    const identity = await this.#calls.run("whoami", () => client.whoami(), { repeatable: true });
    if (identity.user_id !== this.#userId) {
      throw new Error(
        `MATRIX_ACCESS_TOKEN belongs to ${identity.user_id}, not to MATRIX_USER_ID ${this.#userId}`,
      );
    }
    this.#slot.current = client;
    logSyncStates(client, this.#log, this.#sync.resumed);
    client.on(HttpApiEvent.SessionLoggedOut, (error) => {
      this.#log.error(
        { err: error },
        "the homeserver no longer accepts the Matrix access token; sync stopped",
      );
    });
    const prepared = firstSync(client);
    try {
      await client.startClient({
        filter: syncFilter(this.#userId, options.syncTimelineLimit ?? 100),
        // The first sync without a stored token is only read for room state and invites.
        initialSyncLimit: 1,
        pollTimeout: options.pollTimeoutMs ?? 30_000,
        disablePresence: true,
        lazyLoadMembers: false,
        threadSupport: false,
      });
    } catch (error) {
      client.stopClient();
      client.removeAllListeners();
      this.#slot.current = undefined;
      throw error;
    }
    const waited = await Promise.race([
      prepared.then(() => true),
      delay(options.startTimeoutMs ?? 30_000).then(() => false),
    ]);
    if (!waited) this.#log.warn("first Matrix sync not finished yet; going on, it will catch up");
    this.#log.info(
      { userId: this.#userId, resumed: this.#sync.resumed, homeserver: options.homeserverUrl },
      "Matrix platform started",
    );
  }

  async stop(): Promise<void> {
    const client = this.#slot.current;
    if (!client || this.#stopping) return;
    this.#stopping = true;
    this.#inbound.stop();
    // Stops /sync (aborting the long poll); requests of commands in progress still complete.
    client.stopClient();
    await this.#sync.settle(STOP_GRACE_MS);
    this.#calls.stop();
    client.removeAllListeners();
    this.#slot.current = undefined;
    // matrix-js-sdk 43 leaves one timer per /sync request it made (http-api/utils.ts
    // timeoutSignal() is never cleared; /sync passes pollTimeout + 80 s), so a process that only
    // had this client can stay alive up to ~2 minutes after stopClient(). Nothing runs when they
    // fire; src/main.ts exits explicitly after shutdown, and vitest does not wait for timers.
  }

  // ---- people -----------------------------------------------------------------------------------

  parseMention(token: string): string | undefined {
    return parseMatrixMention(token);
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    if (!isMatrixUserId(externalId)) return undefined;
    const client = this.#slot.require();
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

  retryAfterMs(error: unknown): number | undefined {
    const failure = classifyMatrixFailure(error);
    return failure.kind === "rate-limited" ? failure.retryAfterMs : undefined;
  }

  /** Someone from another homeserver belongs to another organisation. */
  isExternalUser(externalId: string): boolean {
    return serverOf(externalId) !== serverOf(this.#userId);
  }

  // ---- rooms --------------------------------------------------------------------------------------

  /** A direct chat with this person: its joined and invited members are exactly the person and the bot. */
  isDirectWith(roomId: string, externalId: string): Promise<boolean> {
    return this.#rooms.isDirectWith(roomId, externalId);
  }

  /** Members from another homeserver take the room outside the organisation (TLP gate). */
  isExternal(roomId: string): Promise<boolean> {
    return this.#rooms.isExternal(roomId);
  }

  createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    return this.#outbound.createIncidentRoom(spec);
  }

  invite(roomId: string, externalIds: string[]): Promise<void> {
    return this.#outbound.invite(roomId, externalIds);
  }

  setTopic(roomId: string, topic: string): Promise<void> {
    return this.#outbound.setTopic(roomId, topic);
  }

  pin(roomId: string, messageId: string): Promise<void> {
    return this.#outbound.pin(roomId, messageId);
  }

  /** Gives people moderator power (50) in a room, e.g. the incident commander. */
  setModerators(roomId: string, externalIds: string[]): Promise<void> {
    return this.#outbound.setModerators(roomId, externalIds);
  }

  // ---- messages -----------------------------------------------------------------------------------

  /**
   * Matrix has no ephemeral messages: every answer is a threaded reply in the room. Which answers
   * the room may see is the outbox's decision (it sends the others by direct message).
   */
  readonly ephemeralReplies = false;

  reply(target: ReplyTarget, reply: Reply): Promise<void> {
    return this.#outbound.reply(target, reply);
  }

  post(roomId: string, msg: Message, options?: SendOptions): Promise<string> {
    return this.#outbound.post(roomId, msg, options);
  }

  update(roomId: string, messageId: string, msg: Message): Promise<void> {
    return this.#outbound.update(roomId, messageId, msg);
  }

  postFile(roomId: string, file: ChatFile): Promise<void> {
    return this.#outbound.postFile(roomId, file);
  }

  directMessage(externalId: string, msg: Message, options?: SendOptions): Promise<SentDirectMessage> {
    return this.#outbound.directMessage(externalId, msg, options);
  }
}
