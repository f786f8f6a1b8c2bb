// The Slack platform: a Bolt App (POST /slack/events answered on the Slack ack thread, or Socket
// Mode when an app-level token is given) for what comes in, and behind per-channel lanes for what
// goes out a WebClient, except for the hot writes (posts, edits, topics: web-api-poster.ts). Everything Slack-specific stays in this folder; commands only see the seam.
import type { Worker } from "node:worker_threads";
import { App, type Receiver, SocketModeReceiver, webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../clock.ts";
import { keepAliveFetch, keepAliveFetchOfItsOwn } from "../../http/keep-alive-fetch.ts";
import { HttpServer } from "../../http/server.ts";
import type { InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile, Message } from "../message.ts";
import type {
  ChatPlatform,
  CreatedRoom,
  IncidentRoomSpec,
  SendOptions,
  SentDirectMessage,
} from "../platform.ts";
import { incidentChannelName } from "../room-name.ts";
import { prepareAckThread, SlackAckThread } from "./ack-thread.ts";
import { AnsweredRequestReceiver } from "./answered-receiver.ts";
import { renderBlockKit, type SlackMessagePayload, truncatePlainText } from "./block-kit.ts";
import { boltLogger } from "./bolt-logger.ts";
import { CallLanes, type RetryPolicy, slackErrorCode } from "./call-lanes.ts";
import { type InboundDeps, registerInboundListeners } from "./inbound.ts";
import { parseSlackMention } from "./mentions.ts";
import { RecentKeys } from "./recent-keys.ts";
import { logLostMessage, SlackReplies } from "./replies.ts";
import type { SlackReplyTarget } from "./reply-target.ts";
import { type SlackInstallation, workspaceMiddleware } from "./request-gate.ts";
import { RSIT_TYPE_CHOICES, type RsitTypeChoice } from "./rsit-types.ts";
import { WebApiPoster } from "./web-api-poster.ts";

export const SLACK_EVENTS_PATH = "/slack/events";
// Re-checked before posting: a channel that became Slack Connect is capped at GREEN within this.
const SHARING_CACHE_TTL_MS = 30_000;
export const SLACK_TOPIC_MAX_LENGTH = 250;
/** `name_taken` retries (`-2` ... `-50`) before creating the incident room gives up. */
const MAX_CHANNEL_NAME_ATTEMPTS = 50;
const USER_CACHE_TTL_MS = 10 * 60_000;
/** How long stop() lets commands already running finish their answers. */
const STOP_GRACE_MS = 5_000;

/** Invite errors about one person: the room is still usable, so they are logged, not thrown. */
const PERSONAL_INVITE_ERRORS = new Set([
  "user_not_found",
  "cant_invite",
  "user_is_restricted",
  "user_is_ultra_restricted",
  "user_is_bot",
  "ura_max_channels",
  "user_team_not_in_channel",
  "missing_scope_for_user",
]);
/** Answers meaning the bot cannot post in a channel (a DM between others, a channel it left). */

export interface SlackPlatformOptions {
  /** Bot token, `xoxb-...`. */
  botToken: string;
  /** Verifies that HTTP requests come from Slack (unused in Socket Mode). */
  signingSecret: string;
  /** App-level token, `xapp-...`: Socket Mode instead of the HTTP receiver. */
  appToken?: string;
  /**
   * tocsin's HTTP server: when given (and not in Socket Mode), the Slack ack thread takes its
   * port, answers `POST /slack/events` itself and hands every other request (health, feeds,
   * alerts) to it. Without it the platform listens on `port` itself, the same way.
   */
  http?: HttpServer;
  /** HTTP receiver port when it listens itself; 0 picks a free one (see `port`). Default 3000. */
  port?: number;
  /** HTTP receiver address; default all interfaces. */
  host?: string;
  /** Web API base URL (enterprise proxy, test double); default https://slack.com/api/. */
  apiUrl?: string;
  log: Logger;
  clock?: Clock;
  /** Types offered in the declare modal; default the RSIT taxonomy the incident domain uses. */
  rsitTypes?: readonly RsitTypeChoice[];
  retryPolicy?: Partial<RetryPolicy>;
  /** Per Web API request; a request that hangs longer counts as a network failure. */
  requestTimeoutMs?: number;
  /**
   * The ack thread spawned ahead of time by the Slack environment's load (prepareAckThread), taken
   * by the first start; without it the first start spawns its own as it begins.
   */
  preparedAckThread?: Worker | undefined;
  /**
   * Requests the ack thread may have answered that this thread has not taken yet before it
   * answers busy itself (default DEFAULT_MAX_UNTAKEN).
   */
  maxUntakenAcks?: number;
}

export class SlackPlatform implements ChatPlatform {
  readonly name = "slack" as const;
  readonly #options: SlackPlatformOptions;
  #preparedAckThread: Worker | undefined;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #client: webApi.WebClient;
  /**
   * Pages' own client: a WebClient queues at most 100 requests in flight, so a burst of slow
   * housekeeping calls (summary edits across rooms) would otherwise hold a page's DM behind it.
   */
  readonly #pageClient: webApi.WebClient;
  /** The hot write methods (posts, summary edits, topics) without the WebClient's cost per call. */
  readonly #poster: WebApiPoster;
  readonly #calls: CallLanes;
  readonly #replies: SlackReplies;
  readonly #seen: RecentKeys;
  readonly #users = new Map<string, { user: PlatformUser | undefined; expiresAt: number }>();
  readonly #directChannels = new Map<string, string>();
  /** Whether channels are shared outside the organisation, re-read every few minutes. */
  readonly #sharing = new Map<string, { external: boolean; expiresAt: number }>();
  readonly #running = new Set<Promise<void>>();
  #stopReceiver: (() => Promise<void>) | undefined;
  /** Answers Slack's HTTP requests off the main thread (undefined in Socket Mode). */
  #ackThread: SlackAckThread | undefined;
  #port: number | undefined;
  #botUserId: string | undefined;
  /** The workspace (and enterprise) of the bot token: requests from elsewhere are refused. */
  #installation: SlackInstallation | undefined;

  constructor(options: SlackPlatformOptions) {
    this.#options = options;
    this.#preparedAckThread = options.preparedAckThread;
    this.#log = options.log.child({ platform: "slack" });
    this.#clock = options.clock ?? systemClock;
    this.#seen = new RecentKeys(this.#clock);
    this.#calls = new CallLanes(this.#log, options.retryPolicy);
    // Rate limits and retries are CallLanes' job: the client's own handling pauses every
    // request on one 429, which would stall unrelated channels.
    const clientOptions = {
      slackApiUrl: this.#apiUrl(),
      logger: boltLogger(this.#log),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: options.requestTimeoutMs ?? 15_000,
      // node:http with keep-alive: the global fetch costs several times the CPU per call.
      fetch: keepAliveFetch,
    };
    this.#client = new webApi.WebClient(options.botToken, clientOptions);
    // Its own sockets too: the shared pool's (MAX_SOCKETS_PER_HOST) can all be held by slow
    // housekeeping (summary edits through the poster), and a page must not queue behind them.
    this.#pageClient = new webApi.WebClient(options.botToken, {
      ...clientOptions,
      fetch: keepAliveFetchOfItsOwn(),
    });
    this.#poster = new WebApiPoster({
      apiUrl: this.#apiUrl() ?? "https://slack.com/api/",
      botToken: options.botToken,
      timeoutMs: clientOptions.timeout,
      log: this.#log,
    });
    this.#replies = new SlackReplies({
      client: this.#client,
      calls: this.#calls,
      log: this.#log,
      apiUrl: options.apiUrl,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      postInLane: (channel, payload) => this.#postInLane(channel, payload),
    });
  }

  /** The HTTP receiver's bound port once started (undefined in Socket Mode). */
  get port(): number | undefined {
    return this.#port;
  }

  /** The thread answering Slack's HTTP requests (tests end it to see it restarted). */
  get ackThread(): SlackAckThread | undefined {
    return this.#ackThread;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    if (this.#stopReceiver) throw new Error("Slack platform already started");
    // On HTTP the ack thread boots while Bolt initialises and auth.test is answered, unless it
    // was spawned earlier still (while the database started).
    const early = this.#preparedAckThread;
    this.#preparedAckThread = undefined;
    const prepared = this.#options.appToken ? undefined : (early ?? prepareAckThread());
    try {
      await this.#start(onInvocation, prepared);
    } catch (error) {
      if (prepared && !this.#ackThread) await prepared.terminate();
      throw error;
    }
  }

  async #start(onInvocation: InvocationHandler, prepared: Worker | undefined): Promise<void> {
    const logger = boltLogger(this.#log);
    const socketMode = this.#options.appToken
      ? new SocketModeReceiver({
          appToken: this.#options.appToken,
          logger,
          // Where apps.connections.open is called; no installer is made without OAuth settings.
          installerOptions: { clientOptions: { slackApiUrl: this.#apiUrl() } },
        })
      : undefined;
    const answered = socketMode ? undefined : new AnsweredRequestReceiver(this.#log);
    const receiver: Receiver = (socketMode ?? answered) as Receiver;
    const app = new App({
      receiver,
      token: this.#options.botToken,
      logger,
      // Bolt only calls auth.test with this client; a few quick retries keep a start from
      // hanging on the WebClient's default thirty-minute retry policy.
      clientOptions: {
        slackApiUrl: this.#apiUrl(),
        retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1000 },
        // Without one, a Slack API that accepts and never answers would hold the start forever.
        timeout: this.#options.requestTimeoutMs ?? 15_000,
        fetch: keepAliveFetch,
      },
      deferInitialization: true,
      // Bolt's conversation store (context.conversation) is unused here, and its lookup of a
      // conversation never stored rejects with a new Error, stack and all, on every event.
      convoStore: false,
    });
    app.error(async (error) => {
      this.#log.error({ err: error }, "Slack listener failed");
    });
    app.use(workspaceMiddleware(() => this.#installation, this.#log));
    registerInboundListeners(app, this.#inboundDeps(onInvocation));
    // Slack Connect: a channel shared with (or no longer with) another organisation has other
    // readers from now on: forget what the cache says and ask Slack again at once.
    const reread = async (channel: string) => {
      this.#sharing.delete(channel);
      await this.isExternal(channel);
    };
    app.event("channel_shared", async ({ event }) => reread(event.channel));
    app.event("channel_unshared", async ({ event }) => reread(event.channel));
    await app.init();
    const auth = await this.#calls.direct("auth.test", () => this.#client.auth.test());
    this.#botUserId = auth.user_id;
    this.#installation = {
      teamId: auth.team_id,
      enterpriseId: auth.enterprise_id,
      enterpriseInstall: auth.is_enterprise_install === true,
    };
    if (socketMode) {
      await app.start();
      // Bolt's stop() does not wait for the WebSocket's close handshake; this does.
      this.#stopReceiver = () => socketMode.client.disconnect();
    } else if (answered) {
      // The ack thread verifies and answers Slack's requests on the port of tocsin's HTTP
      // server, whatever this thread is doing; Bolt dispatches them here, already answered.
      const ackThread = new SlackAckThread({
        signingSecret: this.#options.signingSecret,
        path: SLACK_EVENTS_PATH,
        installation: () => this.#installation,
        deliver: (request) => answered.dispatch(request),
        log: this.#log,
        maxUntaken: this.#options.maxUntakenAcks,
        prepared,
      });
      this.#ackThread = ackThread;
      const http = this.#options.http ?? new HttpServer(this.#log);
      http.handPortTo(ackThread);
      const own = this.#options.http ? undefined : http;
      if (own) this.#port = await own.listen(this.#options.port ?? 3000, this.#options.host);
      // The HTTP server's owner closes it (and with it the thread) before stopping platforms.
      // Then what the thread answered before it closed has been delivered: Bolt finishes it.
      this.#stopReceiver = async () => {
        await own?.close();
        await answered.settled();
      };
    }
    this.#log.info(
      { mode: socketMode ? "socket" : "http", port: this.#port, botUserId: this.#botUserId },
      "Slack platform started",
    );
  }

  async stop(): Promise<void> {
    // A thread prepared for a start that never came (another part failed to start first).
    const unused = this.#preparedAckThread;
    this.#preparedAckThread = undefined;
    if (unused) await unused.terminate();
    const stopReceiver = this.#stopReceiver;
    this.#stopReceiver = undefined;
    if (stopReceiver) await stopReceiver();
    // Commands already taken get a moment to deliver their answers before waits are cut short.
    await Promise.race([Promise.allSettled([...this.#running]), delay(STOP_GRACE_MS)]);
    this.#calls.stop();
    this.#port = undefined;
  }

  parseMention(token: string): string | undefined {
    return parseSlackMention(token);
  }

  readonly ephemeralReplies = true;

  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    const own = (target as { slack?: SlackReplyTarget }).slack;
    if (target.platform !== "slack" || !own) throw new Error("not a Slack reply target");
    await this.#replies.reply(own, reply);
  }

  /** Slack's IM channels (ids starting with D) hold exactly the person and the bot. */
  async isDirectWith(roomId: string): Promise<boolean> {
    return roomId.startsWith("D");
  }

  /**
   * Commands from other workspaces are refused at the edge, so a person typing here is of the
   * installation's organisation; rooms shared with other organisations are caught by isExternal.
   */
  isExternalUser(): boolean {
    return false;
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    const now = this.#clock.now().getTime();
    const cached = this.#users.get(externalId);
    if (cached && cached.expiresAt > now) return cached.user;
    let user: PlatformUser | undefined;
    try {
      const result = await this.#calls.direct("users.info", () =>
        this.#client.users.info({ user: externalId }),
      );
      const profile = result.user?.profile;
      if (result.user?.id) {
        user = {
          externalId: result.user.id,
          displayName:
            profile?.display_name || profile?.real_name || result.user.real_name || result.user.name,
          email: profile?.email || undefined,
        };
      }
    } catch (error) {
      if (slackErrorCode(error) !== "user_not_found") throw error;
    }
    this.#users.set(externalId, { user, expiresAt: now + USER_CACHE_TTL_MS });
    return user;
  }

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    const created = await this.#createPrivateChannel(spec.publicId, spec.title);
    await this.invite(created.roomId, spec.invite);
    await this.setTopic(created.roomId, spec.topic);
    return created;
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    const invitees = [...new Set(externalIds)].filter((id) => id !== this.#botUserId);
    // One call per person: Slack fails a batch on the first person it refuses, and an
    // already-present member is not an error for us.
    for (const userId of invitees) {
      try {
        await this.#calls.inLane(roomId, "conversations.invite", () =>
          this.#client.conversations.invite({ channel: roomId, users: userId }),
        );
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === "already_in_channel" || code === "cant_invite_self") continue;
        if (code && PERSONAL_INVITE_ERRORS.has(code)) {
          this.#log.warn(
            { channel: roomId, user: userId, error: code },
            "could not invite a person to the room",
          );
          continue;
        }
        throw error;
      }
    }
  }

  /** Signed bulletins and reports travel as files: chat formatting would break a signature. */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    const content =
      typeof file.content === "string" ? Buffer.from(file.content, "utf8") : Buffer.from(file.content);
    await this.#calls.inLane(roomId, "files.uploadV2", () =>
      this.#client.files.uploadV2({
        channel_id: roomId,
        file: content,
        filename: file.filename,
        title: file.title,
      }),
    );
  }

  async isExternal(roomId: string): Promise<boolean> {
    const now = this.#clock.now().getTime();
    const cached = this.#sharing.get(roomId);
    if (cached && cached.expiresAt > now) return cached.external;
    const info = await this.#calls.direct("conversations.info", () =>
      this.#client.conversations.info({ channel: roomId }),
    );
    // Slack Connect: the channel has members from another organisation.
    const external = Boolean(info.channel?.is_ext_shared || info.channel?.is_pending_ext_shared);
    this.#sharing.set(roomId, { external, expiresAt: now + SHARING_CACHE_TTL_MS });
    return external;
  }

  async archiveRoom(roomId: string): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "conversations.archive", () =>
        this.#client.conversations.archive({ channel: roomId }),
      );
    } catch (error) {
      if (slackErrorCode(error) !== "already_archived") throw error;
    }
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    await this.#calls.inLane(roomId, "conversations.setTopic", () =>
      this.#poster.call("conversations.setTopic", {
        channel: roomId,
        topic: truncatePlainText(topic, SLACK_TOPIC_MAX_LENGTH),
      }),
    );
  }

  async post(roomId: string, message: Message, options: SendOptions = {}): Promise<string> {
    try {
      return await this.#postInLane(roomId, renderBlockKit(message), options);
    } catch (error) {
      logLostMessage(this.#log, error, "chat.postMessage", roomId, message);
      throw error;
    }
  }

  async update(roomId: string, messageId: string, message: Message): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "chat.update", () =>
        this.#poster.call("chat.update", { channel: roomId, ts: messageId, ...renderBlockKit(message) }),
      );
    } catch (error) {
      logLostMessage(this.#log, error, "chat.update", roomId, message);
      throw error;
    }
  }

  async pin(roomId: string, messageId: string): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "pins.add", () =>
        this.#client.pins.add({ channel: roomId, timestamp: messageId }),
      );
    } catch (error) {
      if (slackErrorCode(error) !== "already_pinned") throw error;
    }
  }

  async directMessage(
    externalId: string,
    message: Message,
    options: SendOptions = {},
  ): Promise<SentDirectMessage> {
    let channel: string | undefined;
    try {
      channel = await this.#directChannel(externalId, options);
      const ts = await this.#postInLane(channel, renderBlockKit(message), options);
      return { roomId: channel, messageId: ts };
    } catch (error) {
      logLostMessage(this.#log, error, "direct message", channel ?? externalId, message);
      throw error;
    }
  }

  async #createPrivateChannel(publicId: string, title: string): Promise<CreatedRoom> {
    for (let attempt = 1; attempt <= MAX_CHANNEL_NAME_ATTEMPTS; attempt++) {
      const name = incidentChannelName(publicId, title, attempt);
      try {
        const result = await this.#calls.direct("conversations.create", () =>
          this.#client.conversations.create({ name, is_private: true }),
        );
        if (!result.channel?.id) throw new Error(`conversations.create returned no channel for ${name}`);
        // The new channel's sharing as Slack answered it (a conversation object, as
        // conversations.info's): posting the summary needs no call to ask again. A later share
        // comes as channel_shared, which reads it afresh.
        const external = Boolean(result.channel.is_ext_shared || result.channel.is_pending_ext_shared);
        this.#sharing.set(result.channel.id, {
          external,
          expiresAt: this.#clock.now().getTime() + SHARING_CACHE_TTL_MS,
        });
        return { roomId: result.channel.id, name: result.channel.name ?? name };
      } catch (error) {
        // Names of archived channels stay taken too; the next suffix is the way out.
        if (slackErrorCode(error) === "name_taken") continue;
        throw error;
      }
    }
    throw new Error(`no free Slack channel name for ${publicId} after ${MAX_CHANNEL_NAME_ATTEMPTS} attempts`);
  }

  async #postInLane(
    channel: string,
    payload: SlackMessagePayload,
    options: SendOptions = {},
  ): Promise<string> {
    // Pages keep a client of their own (see #pageClient); everything else takes the poster.
    const post = async (): Promise<{ ts?: string }> =>
      options.urgent
        ? this.#pageClient.chat.postMessage({ channel, ...payload })
        : this.#poster.call("chat.postMessage", { channel, ...payload });
    const result = await this.#calls.inLane(channel, "chat.postMessage", post, options);
    if (!result.ts) throw new Error(`chat.postMessage to ${channel} returned no ts`);
    return result.ts;
  }

  async #directChannel(userId: string, options: SendOptions = {}): Promise<string> {
    const known = this.#directChannels.get(userId);
    if (known) return known;
    const client = options.urgent ? this.#pageClient : this.#client;
    const result = await this.#calls.direct("conversations.open", () =>
      client.conversations.open({ users: userId }),
    );
    const channel = result.channel?.id;
    if (!channel) throw new Error(`conversations.open returned no channel for ${userId}`);
    this.#directChannels.set(userId, channel);
    return channel;
  }

  async #fetchMessage(channel: string, ts: string): Promise<{ text: string; user?: string } | undefined> {
    const history = await this.#calls.direct("conversations.history", () =>
      this.#client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 }),
    );
    let found = history.messages?.find((candidate) => candidate.ts === ts);
    if (!found) {
      // A thread reply is not in the channel's history, only in its thread.
      const thread = await this.#calls.direct("conversations.replies", () =>
        this.#client.conversations.replies({ channel, ts, inclusive: true, limit: 1 }),
      );
      found = thread.messages?.find((candidate) => candidate.ts === ts);
    }
    if (!found) return undefined;
    return found.user ? { text: found.text ?? "", user: found.user } : { text: found.text ?? "" };
  }

  #inboundDeps(onInvocation: InvocationHandler): InboundDeps {
    return {
      log: this.#log,
      seen: this.#seen,
      rsitTypes: this.#options.rsitTypes ?? RSIT_TYPE_CHOICES,
      run: (invocation) => {
        const running = Promise.resolve()
          .then(async () => {
            await onInvocation(invocation);
          })
          .catch((error) => {
            this.#log.error({ err: error, dedupeKey: invocation.dedupeKey }, "Slack command failed");
          })
          .finally(() => this.#running.delete(running));
        this.#running.add(running);
      },
      reply: (target, reply) => this.#replies.reply(target, reply),
      openView: async (triggerId, view) => {
        await this.#calls.direct("views.open", () =>
          this.#client.views.open({ trigger_id: triggerId, view }),
        );
      },
      fetchMessage: (channel, ts) => this.#fetchMessage(channel, ts),
    };
  }

  #apiUrl(): string | undefined {
    const url = this.#options.apiUrl;
    if (!url) return undefined;
    return url.endsWith("/") ? url : `${url}/`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
